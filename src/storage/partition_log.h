#pragma once
// partition_log: the log of one partition — an ordered run of segments in
// `<data>/<topic>/<partition>/`, the last one active, plus:
//   partition.meta   JSON {"version":2,"leader_epoch":N,"log_start_offset":M,"topic_id":"<32 hex>"}
//                    (topic_id since topic ids; absent in older files), replaced atomically
//                    (temp + fsync + rename + directory fsync) whenever either value changes.
//                    Version 2: every segment has a .txnindex; version 1 was written by releases
//                    that accepted no transactional data, so their segments' missing .txnindex
//                    files are created empty instead of being rebuilt by a scan
//   <20-digit offset>.snapshot   producer-state snapshots (format in producer_state.h)
//   <20-digit base>.txnindex     per segment: aborted transactions whose marker is in it (txn_index.h)
//   recovery.checkpoint          the recovery point and the clean-shutdown flag (recovery_point.h)
//
// Guarantees:
// - Offsets are dense and assigned here: append() stores the caller's batch with baseOffset =
//   log_end() and the current leader epoch patched into a private copy (the caller's bytes are
//   never modified).
// - A retried idempotent batch is recognised (producer_state) and answered with its original
//   offsets without writing anything.
// - open() recovers after a crash (Kafka's recovery point): every batch from the start of the
//   segment holding the recovery point to the end of the log, sealed segments included, is
//   CRC- and framing-checked and those segments' indexes rebuilt from the scan; the log is cut
//   at the first torn or corrupt batch (later segments deleted), never keeping a batch after a
//   bad one. After a clean shutdown only the active segment's tail past its last index entry
//   is checked. Missing/corrupt indexes are rebuilt, and producer state is reloaded from a
//   snapshot plus a replay of the log.
// - flushed_offset(): every offset below it is on stable storage.
// - Transactions (Kafka's rules, see producer_state.h): log_start() <= last_stable_offset() <=
//   log_end(), equal to log_end() while no transaction is open; every abort marker written or
//   replayed after an open transaction has its entry in the txnindex of the marker's segment,
//   and open() rebuilds open transactions, the LSO and the entries of the replayed range.
//
// Threading: owned by one shard thread; nothing here is thread-safe. The one exception is the
// group-commit flusher: it runs the flush_work from begin_flush() on another thread, then
// reports back with end_flush() on the owning thread.
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_range.h"
#include "base/named_type.h"
#include "base/result.h"
#include "records/batch_header.h"
#include "storage/cleaner.h"
#include "storage/file_handle.h"
#include "storage/flush_work.h"
#include "storage/log_config.h"
#include "storage/producer_state.h"
#include "storage/recovery_point.h"
#include "storage/segment.h"

namespace brook::storage {

// A topic's id (Kafka's topic UUID), as topic metadata stores it.
using topic_id_bytes = std::array<uint8_t, 16>;
// 32 lower-case hex digits, and back (nullopt: not that).
std::string topic_id_hex(const topic_id_bytes& id);
std::optional<topic_id_bytes> parse_topic_id_hex(std::string_view s);

struct append_options {
    timestamp_ms now{0}; // wall clock for LogAppendTime, segment age and retention
    // The largest timestamp of the batch's records (records::batch_view): stored as the
    // batch's maxTimestamp when the header disagrees, as Kafka does, so that time lookups and
    // retention see the records' times. nullopt: the header is kept.
    std::optional<timestamp_ms> records_max_timestamp;
};

// An aborted transaction, as a read_committed fetch reports it (Kafka's AbortedTransaction).
struct aborted_txn {
    producer_id pid;
    offset first_offset;
    bool operator==(const aborted_txn&) const = default;
};

struct append_info {
    offset base;
    offset last;
    timestamp_ms log_append_time{-1}; // -1 unless the log uses LogAppendTime
    offset log_start;
    bool duplicate = false; // a retried batch: nothing written, original offsets returned
};

// Fetched batches left in their segment file, for the socket writer to send from there.
struct range_read {
    file_range range; // whole batches; empty() when there is nothing to return
    offset log_start;
    offset log_end;
    offset next{-1}; // one past the last offset in `range` (-1 when empty)
};

struct read_result {
    std::vector<uint8_t> data; // whole batches
    offset log_start;
    offset log_end;
};

class partition_log {
public:
    struct open_options {
        // Sealed segments hold no descriptor: reads borrow theirs from here (the owner shard's
        // cache; null: the process default), so a partition holds one descriptor of its own,
        // its active segment's .log.
        std::shared_ptr<fd_cache> files;
        // The topic this directory must belong to: stored in partition.meta when the file has
        // none (a new partition, or one written before topic ids), refused with
        // INCONSISTENT_TOPIC_ID (nothing touched) when it names another topic.
        std::optional<topic_id_bytes> topic_id;
    };
    // Opens (creating if new) and recovers the log in `dir`.
    static result<std::unique_ptr<partition_log>> open(std::filesystem::path dir, log_config cfg,
                                                       open_options opts = {});
    ~partition_log(); // closes without syncing

    partition_log(const partition_log&) = delete;
    partition_log& operator=(const partition_log&) = delete;

    // Out of service: an append, roll or read failed with an I/O error other than a full disk
    // (EIO and the like), so the files may no longer hold what was acknowledged. From then on
    // append, append_marker, read and read_range answer KAFKA_STORAGE_ERROR without touching
    // the files, until a restart recovers the partition from disk; one critical log line names
    // the partition and the failed call. A full disk (ENOSPC, EDQUOT) fails only that append,
    // which leaves the log as it was (segment::append truncates a partial write).
    bool out_of_service() const { return out_of_service_; }

    // Appends one whole, already validated data batch (`h` = its parsed header); a
    // transactional one opens its producer's transaction if none is open. Errors:
    // MESSAGE_TOO_LARGE, CORRUPT_MESSAGE (size/header mismatch), INVALID_RECORD (a control
    // batch: markers go through append_marker; a record without a key on a compacted log), INVALID_PRODUCER_EPOCH,
    // OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_TXN_STATE (non-transactional batch from a producer
    // with an open transaction), KAFKA_STORAGE_ERROR.
    result<append_info> append(std::span<const uint8_t> batch, const records::batch_header& h,
                               append_options opts = {});

    // Appends a transaction marker (one control batch, timestamp `now`) for the producer and
    // ends its open transaction; an ABORT that ends one records it in the active segment's
    // txnindex. A marker for a producer with no open transaction is still written (retried
    // marker writes succeed) and indexes nothing. Errors (nothing written):
    // INVALID_PRODUCER_EPOCH (epoch below the producer's), TRANSACTION_COORDINATOR_FENCED
    // (coordinator epoch below the producer's last marker's), KAFKA_STORAGE_ERROR.
    // Called by the broker's marker writer and the coordinator runtime (owner shard).
    result<append_info> append_marker(producer_id pid, producer_epoch epoch, bool commit, int32_t coordinator_epoch,
                                      timestamp_ms now);

    // First offset of the oldest open transaction (not below log_start()), else log_end().
    // O(1): read on every fetch.
    offset last_stable_offset() const;
    // Every aborted transaction with marker offset >= from and first offset < upto, in marker
    // order (read_committed fetch of [from, upto)). Walks the in-memory txnindex entries of
    // the segments from the one holding `from` and stops at the first entry whose LSO is >= upto.
    std::vector<aborted_txn> aborted_transactions(offset from, offset upto) const;
    // Drops producers with no open transaction whose last append is `expiration_ms` or more
    // before `now` (producer.id.expiration.ms, Kafka's default 86400000). Returns how many.
    size_t expire_producers(timestamp_ms now, int64_t expiration_ms);

    // Whole batches from the one containing `from`, up to max_bytes (the first batch always
    // whole, KIP-74), excluding batches with base offset >= max_offset. Reads within one
    // segment. `from` outside [log_start, log_end] -> OFFSET_OUT_OF_RANGE.
    // read_range returns where those bytes are (it reads batch headers, not the data); the range keeps
    // the segment's file open, so it stays valid after the segment is deleted. Stored bytes
    // never change in place (appends go past the end; truncation happens only in open()), so
    // sending the range later sends what was there at the read.
    result<range_read> read_range(offset from, size_t max_bytes, offset max_offset) const;
    // Where a read_range(from, max_bytes) would block on the disk: the part of a segment file it
    // reads, when that is not in the page cache (a probe, not a guarantee). A caller on a
    // latency-sensitive thread reads this range somewhere else first (warming the cache), then
    // calls read_range. nullopt: cached, nothing to read, or the kernel cannot tell.
    std::optional<file_range> uncached_range(offset from, size_t max_bytes) const;
    // The same batches copied into memory (group replay, ListOffsets, tests).
    result<read_result> read(offset from, size_t max_bytes, offset max_offset) const;

    offset log_start() const { return log_start_; }
    offset log_end() const { return log_end_; }
    timestamp_ms max_timestamp() const { return max_ts_; }
    // Base offset of the first batch whose max timestamp >= ts, or log_end() if none.
    result<offset> offset_for_timestamp(timestamp_ms ts) const;

    // Durability. A roll does no I/O beyond creating the new segment's files: the outgoing
    // segment's fdatasync, its indexes', the producer snapshot and the directory sync wait in
    // the next flush_work (flush_work.h), and flushed_offset() stays below that segment's end
    // until it is done; a power cut before then is caught by the next open's scan from the
    // recovery point. Whoever rolls (an append, maybe_roll, roll_now) must see that a flush
    // happens: flush_pending().
    offset flushed_offset() const { return flushed_; }
    // Something is not yet durable: unsynced appends or a roll's pending work.
    bool flush_pending() const;
    // A roll's work is pending (a caller that does not wait for durability must still ask the
    // flusher for it).
    bool roll_pending() const { return !sealed_logs_.empty() || pending_dir_sync_; }
    // Takes what a flush must do to make everything up to log_end() durable (one flush at a
    // time per log: the flusher's rounds are sequential, and sync() runs only where no flusher
    // does). end_flush() then advances flushed_offset() to the work's `end`.
    flush_work begin_flush();
    void end_flush(const flush_work& w);
    // begin_flush + run_flush + end_flush inline (close, tests); stops the process when an
    // fdatasync fails.
    void sync();
    // Recovery checkpoint (recovery_point.h). Rewriting it after every sync would cost two
    // more fsyncs per round for nothing: open() scans from the start of the segment that holds
    // the recovery point, so it is worth writing only once `durable` lies in a later segment
    // than the checkpoint on disk. The flusher writes it (write_recovery_checkpoint, on its
    // thread, after the data is synced) and reports back with checkpoint_written().
    bool checkpoint_due(offset durable) const;
    void checkpoint_written(offset point) { checkpointed_ = std::max(checkpointed_, point); }
    void mark_flushed(offset upto) { flushed_ = std::max(flushed_, std::min(upto, log_end_)); }
    offset checkpointed_offset() const { return checkpointed_; }

    // Housekeeping (shard thread, with the wall clock).
    // Age-based roll of an idle, non-empty active segment; otherwise lets the active segment's
    // descriptor go when nothing in it waits for a sync (the next append takes it back).
    bool maybe_roll(timestamp_ms now);
    size_t apply_retention(timestamp_ms now); // deletes whole old segments; returns how many
    // Starts a new segment at log_end() (no-op when the active one is empty); the old one is
    // synced first. Lets a caller put a fresh history at a segment boundary.
    error_code roll_now(timestamp_ms now);
    // Deletes every whole segment that lies entirely below `new_start` and moves log_start()
    // there (never past log_end()). Returns how many segments went.
    size_t delete_before(offset new_start);

    // Log cleaning (cleanup.policy=compact; partition_log_clean.cc). Owner shard only.
    // plan_clean: when no pass is in flight and the partition is due (dirty ratio at or above
    // min.cleanable.dirty.ratio, dirty data older than max.compaction.lag.ms, or a delete
    // horizon passed), the sealed segments below the first uncleanable offset (the active
    // segment's base, the LSO, the first segment with records younger than
    // min.compaction.lag.ms) with what a pass needs; marks a pass in flight. The plan holds
    // the segments' file handles, so the pass may run on any thread.
    std::optional<clean_plan> plan_clean(timestamp_ms now);
    // Swaps a finished pass in (clean_swap.h's protocol), if every segment it replaces is still
    // here; otherwise discards it. Returns the replaced segments, for the caller to destroy off
    // the shard (closing the last fd of a big unlinked file frees its blocks, which takes time).
    result<std::vector<std::unique_ptr<segment>>> install_clean(const clean_result& r);
    // A pass failed or was dropped: discards its output, allows the next plan.
    void abandon_clean();
    bool clean_in_flight() const { return clean_in_flight_; }
    offset clean_checkpoint() const { return clean_checkpoint_; }

    // Stamped into every appended batch; persisted in partition.meta.
    leader_epoch current_leader_epoch() const { return leader_epoch_; }
    error_code set_leader_epoch(leader_epoch e);

    // Sync, seal the active segment, write a producer snapshot and partition.meta.
    void close();

    const producer_state& producers() const { return producers_; }
    const log_config& config() const { return cfg_; }
    // A live config change (AlterConfigs), on the owner shard: size, age and timestamp-type
    // rules apply from the next append, retention from the next apply_retention(), index
    // spacing from the next segment created.
    void set_config(const log_config& cfg) { cfg_ = cfg; }
    const std::filesystem::path& dir() const { return dir_; }
    size_t segment_count() const { return segments_.size(); }
    uint64_t size_bytes() const;
    // Base offsets of the segments, ascending (tests, admin).
    std::vector<offset> segment_bases() const;
    const segment& active() const { return *segments_.rbegin()->second; }

private:
    partition_log(std::filesystem::path dir, log_config cfg) : dir_(std::move(dir)), cfg_(cfg) {}
    struct located {
        const segment* seg = nullptr; // null: nothing to read
        segment::batch_run run;
    };
    using segment_map = std::map<offset, std::unique_ptr<segment>>;
    // The segment whose base offset is the greatest at or below `o` (the first if none is).
    segment_map::const_iterator segment_for(offset o) const;
    result<located> locate(offset from, size_t max_bytes, offset max_offset) const;
    error_code load_segments();
    error_code load_checkpoint();
    error_code load_meta();
    error_code write_meta() const;
    error_code load_producer_state();
    error_code roll(timestamp_ms now);
    // Rolls first if `size` more bytes, `last_offset_delta` more offsets or age do not fit.
    error_code roll_if_needed(size_t size, int32_t last_offset_delta, timestamp_ms now);
    // `e` from an I/O path named `what`; takes the partition out of service unless the cause
    // was a full disk (partition_log_fault.cc). Returns `e`.
    error_code check_io(error_code e, const char* what) const;
    // Writes a batch at log_end() into the active segment; returns its stored header.
    result<records::batch_header> write_batch(std::span<const uint8_t> batch, timestamp_ms now,
                                              std::optional<timestamp_ms> records_max_timestamp = std::nullopt);
    // Recovery helpers (partition_log_open.cc).
    error_code rebuild_txn_indexes();
    error_code replay_marker(segment& seg, const records::batch_header& h, uint64_t pos);
    error_code index_completed(segment& seg, const completed_txn& done);
    void trim_snapshots(size_t keep);
    segment& active_mut() { return *segments_.rbegin()->second; }

    std::filesystem::path dir_;
    log_config cfg_;
    std::shared_ptr<fd_cache> files_;
    segment_map segments_; // by base offset, never empty once open
    producer_state producers_;
    offset log_start_{0};
    offset log_end_{0};
    offset flushed_{0};
    offset checkpointed_{0}; // recovery point on disk
    // A roll's work for the next flush (see flush_pending()).
    // Rolled segments by base: no descriptor is held for them until begin_flush() opens them
    // (their .log through files_), so rolls waiting for the flusher cost none.
    std::vector<offset> sealed_logs_;
    std::vector<std::shared_ptr<file_handle>> sealed_indexes_; // .txnindex handles taken at roll
    std::optional<std::pair<offset, std::vector<uint8_t>>> pending_snapshot_;
    bool pending_dir_sync_ = false;
    // open(): where recovery starts checking (nullopt: clean shutdown, the active tail only)
    std::optional<offset> recover_from_;
    // open(): first segment base CRC-checked by recovery (replay starts at or below it)
    std::optional<offset> scanned_from_;
    timestamp_ms max_ts_{-1};
    leader_epoch leader_epoch_{0};
    int meta_version_ = 0; // of partition.meta as found at open (0: none)
    std::optional<topic_id_bytes> topic_id_; // as found in partition.meta, or adopted at open
    bool closed_ = false;
    // Log cleaner state (partition_log_clean.cc).
    bool clean_in_flight_ = false;
    bool clean_checkpoint_loaded_ = false;
    offset clean_checkpoint_{0};                  // first dirty offset
    std::optional<timestamp_ms> clean_horizon_;   // earliest pending delete horizon
    mutable bool out_of_service_ = false; // set by a failed read too (read paths are const)
};

} // namespace brook::storage
