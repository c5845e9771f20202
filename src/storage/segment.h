#pragma once
// segment: one `<20-digit base offset>.log` plus its `.index` and `.timeindex` (formats in
// index.h) and its aborted-transaction index `.txnindex` (txn_index.h; kept by partition_log,
// which alone knows the transactions). The .log holds record batch v2 bytes back to back, exactly as appended (base
// offset and leader epoch already patched by partition_log); nothing else is in the file.
//
// Guarantees: batches are appended with pwrite at the end position only; an append either
// fails with the file, size() and next_offset() as before it (a partial write is cut off) or
// succeeds once the batch bytes are written (index write failures only abandon the index
// files, see index.h); lookups never
// read past size(); recover() leaves the file ending at the last whole, CRC-valid batch
// and the indexes consistent with it. Owned by one partition_log (one shard thread); not
// thread-safe, except that log_file() may be fdatasynced from another thread.
//
// Descriptors: the indexes hold none (index.h). The .log is held open while the segment is
// written; once its owner calls release_file() (sealed, or idle, and synced), reads borrow it
// from the shard's fd_cache instead, which opens it again on a miss.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <span>
#include <string>
#include <vector>

#include "base/named_type.h"
#include "base/result.h"
#include "records/batch_header.h"
#include "storage/fd_cache.h"
#include "storage/file_handle.h"
#include "storage/index.h"
#include "storage/log_config.h"
#include "storage/txn_index.h"

namespace brook::storage {

// "00000000000000000042" — the name stem of every per-segment and snapshot file.
std::string offset_file_stem(offset o);
// Parses a 20-digit stem; nullopt if it is not one.
std::optional<offset> parse_offset_stem(const std::string& stem);

class segment {
public:
    // Creates empty files for a new segment (fails if the .log already has data).
    // `files`: where a released segment borrows its descriptor (null: the process default).
    static result<std::unique_ptr<segment>> create(const std::filesystem::path& dir, offset base,
                                                   const log_config& cfg, timestamp_ms now,
                                                   std::shared_ptr<fd_cache> files = nullptr);
    // Opens an existing segment. With `recover_tail` (the last segment of a log), scans from
    // the last index entry, truncates a torn/corrupt tail and computes next_offset(); with
    // `full_scan` too (a segment at or after the recovery point, whose index may hold what a
    // power cut left), CRC-checks every batch from position 0 and rebuilds the indexes from
    // that scan. A missing or malformed index forces a full scan either way. `next_base` (the
    // following segment's base) bounds next_offset() for a segment that is not scanned.
    static result<std::unique_ptr<segment>> open(const std::filesystem::path& dir, offset base, const log_config& cfg,
                                                 bool recover_tail, std::optional<offset> next_base,
                                                 std::shared_ptr<fd_cache> files = nullptr, bool full_scan = false);
    ~segment();

    // Where open()'s recovery cut the file (nothing when it kept it whole); the owner logs it.
    struct cut_info {
        uint64_t position = 0; // new size of the .log
        uint64_t dropped = 0;  // bytes removed
        error_code why = error_code::none;
    };
    const std::optional<cut_info>& recovery_cut() const { return cut_; }

    offset base_offset() const { return base_; }
    // One past the last offset stored (== base_offset() when empty).
    offset next_offset() const { return next_; }
    uint64_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    // Largest batch max timestamp in the segment, -1 if none.
    timestamp_ms max_timestamp() const { return max_ts_; }
    // Age reference for segment.ms: wall clock of the first append (after a restart: the first
    // batch's max timestamp, as Kafka does).
    timestamp_ms roll_base_time() const { return roll_base_; }

    // Appends one whole batch whose header `h` already carries its assigned offsets.
    error_code append(std::span<const uint8_t> batch, const records::batch_header& h, timestamp_ms now) {
        return append(batch, {}, h, now);
    }
    // The batch in two pieces (patched header copy, body from the request), written as one.
    error_code append(std::span<const uint8_t> head, std::span<const uint8_t> body, const records::batch_header& h,
                      timestamp_ms now);

    // Where a read from offset `o` lies in the .log: [position, position + length).
    struct batch_run {
        uint64_t position = 0;
        uint64_t length = 0;
        offset next{0}; // one past the last offset of the run's last batch
    };
    // Whole batches from the one holding `o`, ending before the first batch whose base offset
    // is >= max_offset or that would take the run past max_bytes; the first batch counts
    // whole even when it alone exceeds max_bytes (KIP-74), so a consumer always progresses.
    // Reads headers, not data (small batches: see header_walker). nullopt: `o` is past this
    // segment's last batch.
    result<std::optional<batch_run>> read_run(offset o, size_t max_bytes, offset max_offset) const;
    // Reads [pos, pos+len) clipped to size().
    result<std::vector<uint8_t>> read(uint64_t pos, size_t len) const;
    // Header of the batch at `pos` (pos < size()).
    result<records::batch_header> header_at(uint64_t pos) const;
    // Position of the first batch whose last offset >= o (nullopt: none in this segment).
    result<std::optional<uint64_t>> lookup(offset o) const;
    // Base offset of the first batch whose max timestamp >= ts (nullopt: none).
    result<std::optional<offset>> find_timestamp(timestamp_ms ts) const;
    // Calls fn(header, position) for every batch from position `pos` to the end, in order; fn
    // returning an error stops the walk with it.
    error_code for_each_header(uint64_t pos,
                               const std::function<error_code(const records::batch_header&, uint64_t)>& fn) const;

    // fdatasyncs the .log (a released segment borrows its descriptor for it).
    error_code sync() const;
    // fdatasyncs the .index and .timeindex (a sealed segment below the recovery point is
    // trusted with its indexes at the next open); one that cannot be synced is abandoned
    // (index.h), so the next open rebuilds it.
    void sync_indexes();
    // The .index / .timeindex written out and opened, for a sync on another thread (none for
    // an abandoned one). Indexes hold no descriptor (index.h): these are fresh ones, closed
    // when the flusher drops them.
    std::vector<std::shared_ptr<file_handle>> index_files();
    // Called when the segment stops being the active one: records the final max timestamp in
    // the time index so that reopening knows it without a scan, and writes the indexes out.
    error_code seal();
    // Writes out index entries the files do not have yet (shutdown).
    void flush_indexes();
    // Lets go of the .log descriptor (a sealed segment, or an idle active one, once synced):
    // reads borrow it from the fd_cache from then on; an append takes it back and holds it.
    void release_file() { log_.reset(); }
    bool holds_file() const { return log_ != nullptr; }
    // Holds the .log open from now on and takes it out of the fd_cache: for a segment the
    // cleaner replaces, before the cleaned file is renamed to the same path. Whatever still
    // reads through this object reads the file its index describes, and the segment that takes
    // the path opens the new file instead of finding this one's descriptor in the cache.
    error_code pin_file();
    // Unlinks the four files (open handles stay valid for their holders).
    void remove_files();

    // The aborted-transaction index; partition_log appends to it and syncs it when it rolls.
    const txn_index& txns() const { return txns_; }
    txn_index& txns() { return txns_; }

    // The .log, held or borrowed from the fd_cache (KAFKA_STORAGE_ERROR if it cannot be opened).
    result<std::shared_ptr<file_handle>> log_file() const;
    // The span [position, +length) a read of up to max_bytes from `o` walks and returns, if
    // its first or last byte is not in the page cache (probed without blocking); nullopt when
    // both are, or when the kernel cannot tell. No I/O beyond the two probes. A span starting
    // within `hot_tail` bytes of the end is taken as cached without probing (just written).
    std::optional<std::pair<uint64_t, uint64_t>> uncached_span(offset o, size_t max_bytes, uint64_t hot_tail) const;
    const offset_index& offsets() const { return index_; }
    const time_index& times() const { return time_index_; }
    std::filesystem::path log_path() const;

private:
    segment(std::filesystem::path dir, offset base, const log_config& cfg, std::shared_ptr<fd_cache> files)
        : dir_(std::move(dir)), base_(base), cfg_(cfg),
          files_(files ? std::move(files) : fd_cache::process_default()) {}
    std::filesystem::path path_with(const char* ext) const;
    error_code open_files(bool create);
    // Position of the last indexed batch at or below `o` (0 if none): where a walk to `o` starts.
    uint64_t index_floor(offset o) const;
    error_code recover(bool full);
    // Index bookkeeping shared by append and recovery.
    void index_batch(const records::batch_header& h, uint64_t pos, size_t size);

    std::filesystem::path dir_;
    offset base_;
    log_config cfg_;
    std::shared_ptr<file_handle> log_; // null once released
    std::shared_ptr<fd_cache> files_;
    offset_index index_;
    time_index time_index_;
    txn_index txns_;
    uint64_t size_ = 0;
    offset next_;
    timestamp_ms max_ts_{-1};
    offset offset_of_max_ts_;
    timestamp_ms roll_base_{-1};
    uint64_t bytes_since_index_ = 0;
    std::optional<cut_info> cut_;
};

} // namespace brook::storage
