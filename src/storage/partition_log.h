#pragma once
// partition_log: the log of one partition — an ordered run of segments in
// `<data>/<topic>/<partition>/`, the last one active, plus:
//   partition.meta   JSON {"version":1,"leader_epoch":N,"log_start_offset":M}, replaced atomically
//                    (temp + fsync + rename + directory fsync) whenever either value changes
//   <20-digit offset>.snapshot   producer-state snapshots (format in producer_state.h)
//
// Guarantees:
// - Offsets are dense and assigned here: append() stores the caller's batch with baseOffset =
//   log_end() and the current leader epoch patched into a private copy (the caller's bytes are
//   never modified).
// - A retried idempotent batch is recognised (producer_state) and answered with its original
//   offsets without writing anything.
// - open() recovers after a crash: the active segment's torn or corrupt tail is truncated
//   (never a valid batch before the first bad one), missing/corrupt indexes are rebuilt, and
//   producer state is reloaded from the newest usable snapshot plus a replay of the log.
// - flushed_offset(): every offset below it is on stable storage.
//
// Threading: owned by one shard thread; nothing here is thread-safe. The one exception is the
// group-commit flusher: it may fdatasync the handles from unsynced_files() on another thread,
// then report back with mark_flushed() on the owning thread.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/file_range.h"
#include "base/named_type.h"
#include "base/result.h"
#include "records/batch_header.h"
#include "storage/file_handle.h"
#include "storage/log_config.h"
#include "storage/producer_state.h"
#include "storage/segment.h"

namespace brook::storage {

struct append_options {
    timestamp_ms now{0}; // wall clock for LogAppendTime, segment age and retention
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
};

struct read_result {
    std::vector<uint8_t> data; // whole batches
    offset log_start;
    offset log_end;
};

class partition_log {
public:
    // Opens (creating if new) and recovers the log in `dir`.
    static result<std::unique_ptr<partition_log>> open(std::filesystem::path dir, log_config cfg);
    ~partition_log(); // closes without syncing

    partition_log(const partition_log&) = delete;
    partition_log& operator=(const partition_log&) = delete;

    // Appends one whole, already validated batch (`h` = its parsed header). Errors:
    // MESSAGE_TOO_LARGE, CORRUPT_MESSAGE (size/header mismatch), INVALID_PRODUCER_EPOCH,
    // OUT_OF_ORDER_SEQUENCE_NUMBER, KAFKA_STORAGE_ERROR.
    result<append_info> append(std::span<const uint8_t> batch, const records::batch_header& h,
                               append_options opts = {});

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

    // Durability.
    offset flushed_offset() const { return flushed_; }
    void sync(); // fdatasync the active segment, then flushed_offset = log end seen at start
    std::vector<std::shared_ptr<file_handle>> unsynced_files() const;
    void mark_flushed(offset upto) { flushed_ = std::max(flushed_, std::min(upto, log_end_)); }

    // Housekeeping (shard thread, with the wall clock).
    bool maybe_roll(timestamp_ms now);       // age-based roll of an idle, non-empty active segment
    size_t apply_retention(timestamp_ms now); // deletes whole old segments; returns how many
    // Starts a new segment at log_end() (no-op when the active one is empty); the old one is
    // synced first. Lets a caller put a fresh history at a segment boundary.
    error_code roll_now(timestamp_ms now);
    // Deletes every whole segment that lies entirely below `new_start` and moves log_start()
    // there (never past log_end()). Returns how many segments went.
    size_t delete_before(offset new_start);

    // Stamped into every appended batch; persisted in partition.meta.
    leader_epoch current_leader_epoch() const { return leader_epoch_; }
    error_code set_leader_epoch(leader_epoch e);

    // Sync, seal the active segment, write a producer snapshot and partition.meta.
    void close();

    const producer_state& producers() const { return producers_; }
    const log_config& config() const { return cfg_; }
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
    error_code load_meta();
    error_code write_meta() const;
    error_code load_producer_state();
    error_code roll(timestamp_ms now);
    void trim_snapshots(size_t keep);
    segment& active_mut() { return *segments_.rbegin()->second; }

    std::filesystem::path dir_;
    log_config cfg_;
    segment_map segments_; // by base offset, never empty once open
    producer_state producers_;
    offset log_start_{0};
    offset log_end_{0};
    offset flushed_{0};
    timestamp_ms max_ts_{-1};
    leader_epoch leader_epoch_{0};
    bool closed_ = false;
};

} // namespace brook::storage
