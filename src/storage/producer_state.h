#pragma once
// producer_state: per-partition producer bookkeeping (Kafka's ProducerStateManager). For each
// producer id: its current epoch, the metadata of its last 5 appended batches (what Kafka
// clients keep in flight at most — enough to recognise a retried batch and answer it with the
// offsets it got the first time), the wall-clock time of its last append (expiry), the
// coordinator epoch of its last transaction marker (fencing zombie coordinators) and the first
// offset of its open transaction, if any. The open transactions are also kept ordered by first
// offset, so the partition's last stable offset is O(1).
//
// Transaction rules (Kafka's ProducerAppendInfo, pre-KIP-890 "transaction version" 0/1):
// - a transactional data batch opens the producer's transaction at its base offset when none is
//   open; later ones join it;
// - a non-transactional batch while one is open -> INVALID_TXN_STATE;
// - a marker (commit/abort) with epoch < the producer's -> INVALID_PRODUCER_EPOCH; with a
//   coordinator epoch < the last one seen -> TRANSACTION_COORDINATOR_FENCED; otherwise it ends
//   the open transaction (if any) and its epoch becomes the producer's (a timeout abort bumps
//   it). A marker for an unknown producer creates its entry.
// - a data batch with a higher epoch while a transaction is open (only possible if the
//   coordinator handed out a bumped epoch without writing the abort marker first, which it
//   never does) is accepted as Kafka does: the epoch moves, and the open transaction carries
//   on from its original first offset.
//
// Snapshot file `<20-digit offset>.snapshot` (state covering every batch below that offset),
// big-endian:
//   magic "BPS1" | version int16 (=2) | crc uint32 (CRC-32C of all bytes after this field)
//   count int32 | count x { producer_id int64 | epoch int16 | last_append int64 |
//                           coordinator_epoch int32 | txn_first_offset int64 (-1: none) | n int32 |
//                           n x { first_seq int32 | last_seq int32 | first_offset int64 |
//                                 last_offset int64 | max_timestamp int64 } }
// Version 1 (still read) lacks last_append, coordinator_epoch and txn_first_offset: they load
// as the newest batch's max timestamp, -1 and none.
// A snapshot that fails its CRC or framing is ignored (rebuilt by replaying the log).
//
// Owned by one partition_log (one shard thread); not thread-safe.
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <set>
#include <utility>
#include <unordered_map>
#include <vector>

#include "base/error_code.h"
#include "base/named_type.h"
#include "base/result.h"
#include "records/batch_header.h"

namespace brook::storage {

struct producer_batch {
    sequence first_seq;
    sequence last_seq;
    offset first_offset;
    offset last_offset;
    timestamp_ms max_timestamp;
    bool operator==(const producer_batch&) const = default;
};

struct producer_entry {
    producer_epoch epoch;
    std::deque<producer_batch> batches; // oldest first, at most max_batches
    timestamp_ms last_append{-1};       // wall clock of its last append (data or marker)
    int32_t coordinator_epoch = -1;     // of its last marker
    std::optional<offset> txn_first_offset; // first offset of its open transaction
    bool operator==(const producer_entry&) const = default;
};

// A transaction that a marker ended (a marker with no open transaction ends none).
struct completed_txn {
    producer_id pid;
    offset first_offset;
    offset last_offset; // the marker's offset
    bool aborted = false;
    bool operator==(const completed_txn&) const = default;
};

struct producer_check {
    enum class kind { new_batch, duplicate, error };
    kind k = kind::new_batch;
    error_code error = error_code::none;
    producer_batch original; // for a duplicate: the offsets it was first stored at
};

class producer_state {
public:
    static constexpr size_t max_batches = 5;

    // Kafka's rules for an incoming batch (before offsets are assigned):
    //   no producer id, or a control batch ......... new (not tracked)
    //   epoch < current .............................. INVALID_PRODUCER_EPOCH
    //   epoch > current: base sequence must be 0 ..... else OUT_OF_ORDER_SEQUENCE_NUMBER
    //   same first+last sequence as a recent batch ... duplicate (original offsets)
    //   base = last sequence + 1 (INT32_MAX wraps) ... new
    //   unknown producer (new or expired) ............ new, at any sequence (Kafka, KIP-360)
    //   non-transactional, transaction open .......... INVALID_TXN_STATE
    producer_check check(const records::batch_header& h) const;
    // Records a data batch that was stored; `h` carries its assigned offsets, `now` is the wall
    // clock of the append (on replay: the batch's max timestamp, the best record of it). A
    // transactional batch opens the producer's transaction if none is open. Control batches
    // are ignored here: markers go through apply_marker.
    void update(const records::batch_header& h, timestamp_ms now = timestamp_ms(-1));

    // Whether a marker may be written: INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED
    // or none (see the rules above).
    error_code check_marker(producer_id pid, producer_epoch epoch, int32_t coordinator_epoch) const;
    // Records a marker stored at offset `at` (no checks: replay applies what the log holds).
    // Returns the transaction it ended, if one was open.
    std::optional<completed_txn> apply_marker(producer_id pid, producer_epoch epoch, bool commit,
                                              int32_t coordinator_epoch, offset at, timestamp_ms now);

    // Smallest first offset of any open transaction (the partition's first unstable offset).
    std::optional<offset> first_open_txn_offset() const {
        if (open_txns_.empty()) return std::nullopt;
        return open_txns_.begin()->first;
    }
    size_t open_txn_count() const { return open_txns_.size(); }

    // Drops producers with no open transaction whose last append is `expiration_ms` or more
    // before `now` (Kafka's producer.id.expiration.ms). Returns how many went.
    size_t expire(timestamp_ms now, int64_t expiration_ms);

    const std::unordered_map<producer_id, producer_entry>& producers() const { return producers_; }
    size_t size() const { return producers_.size(); }
    void clear() {
        producers_.clear();
        open_txns_.clear();
    }

    std::vector<uint8_t> encode_snapshot() const;
    static result<producer_state> decode_snapshot(std::span<const uint8_t> bytes);

    // Snapshot files in `dir`: `<dir>/<20-digit at>.snapshot`, written atomically.
    error_code write_snapshot(const std::filesystem::path& dir, offset at) const;
    static std::filesystem::path snapshot_path(const std::filesystem::path& dir, offset at);
    // Offsets of the snapshot files in `dir`, ascending.
    static std::vector<offset> list_snapshots(const std::filesystem::path& dir);

private:
    void open_txn(producer_id pid, producer_entry& e, offset first);
    void close_txn(producer_id pid, producer_entry& e);

    std::unordered_map<producer_id, producer_entry> producers_;
    // (first offset, producer) of every open transaction: mirrors txn_first_offset.
    std::set<std::pair<offset, producer_id>> open_txns_;
};

} // namespace brook::storage
