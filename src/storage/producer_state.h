#pragma once
// producer_state: per-partition idempotent-producer bookkeeping (Kafka's ProducerStateManager,
// without transactions yet). For each producer id: its current epoch and the metadata of its
// last 5 appended batches, which is what Kafka clients keep in flight at most — enough to
// recognise a retried batch and answer it with the offsets it got the first time.
//
// Snapshot file `<20-digit offset>.snapshot` (state covering every batch below that offset),
// big-endian:
//   magic "BPS1" | version int16 (=1) | crc uint32 (CRC-32C of all bytes after this field)
//   count int32 | count x { producer_id int64 | epoch int16 | n int32 |
//                           n x { first_seq int32 | last_seq int32 | first_offset int64 |
//                                 last_offset int64 | max_timestamp int64 } }
// A snapshot that fails its CRC or framing is ignored (rebuilt by replaying the log).
//
// Owned by one partition_log (one shard thread); not thread-safe.
#include <cstdint>
#include <deque>
#include <filesystem>
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
    bool operator==(const producer_entry&) const = default;
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
    //   unknown producer: base sequence 0 ............ new, else OUT_OF_ORDER_SEQUENCE_NUMBER
    producer_check check(const records::batch_header& h) const;
    // Records a batch that was stored; `h` carries its assigned offsets.
    void update(const records::batch_header& h);

    const std::unordered_map<producer_id, producer_entry>& producers() const { return producers_; }
    size_t size() const { return producers_.size(); }
    void clear() { producers_.clear(); }

    std::vector<uint8_t> encode_snapshot() const;
    static result<producer_state> decode_snapshot(std::span<const uint8_t> bytes);

    // Snapshot files in `dir`: `<dir>/<20-digit at>.snapshot`, written atomically.
    error_code write_snapshot(const std::filesystem::path& dir, offset at) const;
    static std::filesystem::path snapshot_path(const std::filesystem::path& dir, offset at);
    // Offsets of the snapshot files in `dir`, ascending.
    static std::vector<offset> list_snapshots(const std::filesystem::path& dir);

private:
    std::unordered_map<producer_id, producer_entry> producers_;
};

} // namespace brook::storage
