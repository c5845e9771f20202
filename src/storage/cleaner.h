#pragma once
// The log cleaner's pass over one partition (Kafka's Cleaner.clean), run on a cleaner thread.
//
// A pass, given a clean_plan taken on the owner shard (partition_log::plan_clean):
//   1. map: walks the dirty section [first_dirty, end of the plan's segments) and records each
//      key's latest offset in the offset_map (aborted transactional records and keyless records
//      are not mapped). When the map reaches its load limit the pass stops there (`cleaned_upto`);
//      the rest waits for the next pass, so memory stays bounded whatever the log holds.
//   2. clean: rewrites every planned segment with base < cleaned_upto through clean_filter, in
//      groups of consecutive segments whose sizes add up to at most segment.bytes (one cleaned
//      segment per group, named by the group's first base), into `<partition>/.cleaned/`: the
//      .log, its .index/.timeindex (built as on append) and its .txnindex (the aborted
//      transactions whose ABORT marker stayed), each fdatasynced, then `manifest.json`
//      (written atomically) naming the replaced and created segments, then the directory fsync.
// Nothing of the live partition is touched: the swap is clean_swap.h's, on the owner shard.
//
// Reads only the plan's sealed segment files, through the file_handles in the plan (kept open,
// so retention deleting a segment mid-pass does not disturb the read); every batch read is
// CRC-checked (a bad one fails the pass, the log stays as it was).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/named_type.h"
#include "base/result.h"
#include "storage/clean_filter.h"
#include "storage/file_handle.h"
#include "storage/log_config.h"
#include "storage/offset_map.h"
#include "storage/txn_index.h"

namespace brook::storage {

struct clean_source {
    offset base;
    offset next; // the following segment's base: one past this segment's offsets
    std::shared_ptr<file_handle> file;
    uint64_t size = 0;
};

struct clean_plan {
    std::filesystem::path dir; // the partition directory
    std::string name;          // for log lines ("topic/partition")
    log_config cfg;
    std::vector<clean_source> segments; // sealed, ascending, consecutive, all below the first uncleanable offset
    offset first_dirty;                 // the map walks from here
    std::vector<aborted_txn_entry> aborted; // txnindex entries that may overlap the segments
    std::unordered_map<producer_id, producer_last_batch> producers;
    timestamp_ms now{0};
};

struct clean_stats {
    uint64_t bytes_read = 0;    // source bytes rewritten (the map pass re-reads part of them)
    uint64_t bytes_written = 0;
    uint64_t map_bytes_read = 0;
    int64_t records_read = 0;
    int64_t records_kept = 0;
    int64_t batches_rewritten = 0;
    size_t map_keys = 0;
    size_t map_memory_bytes = 0;
    size_t peak_buffer_bytes = 0; // largest transient I/O + (de)compression buffers of one batch
    double seconds = 0;
    // What the pass held at most: the map plus the largest transient buffers.
    size_t peak_memory_bytes() const { return map_memory_bytes + peak_buffer_bytes; }
};

struct clean_result {
    std::vector<offset> replaced; // bases of the source segments the swap removes
    std::vector<offset> created;  // bases of the cleaned segments (each also in `replaced`)
    offset cleaned_upto;          // the next pass's first dirty offset
    std::optional<timestamp_ms> next_horizon; // earliest delete horizon of a kept tombstone or marker
    clean_stats stats;
};

// Runs one pass on the calling thread. `stop` (may be null) cancels it between batches
// (CANCELLED-like: returns REQUEST_TIMED_OUT and leaves only `.cleaned`, which the next swap
// attempt or open discards). Errors: KAFKA_STORAGE_ERROR (I/O), CORRUPT_MESSAGE (a bad batch
// in a sealed segment).
// `io_bytes_per_second` > 0 paces the reads (both walks) to that rate (Kafka's
// log.cleaner.io.max.bytes.per.second), sleeping between batches.
result<clean_result> clean_log(const clean_plan& plan, offset_map& map, const std::atomic<bool>* stop = nullptr,
                               int64_t io_bytes_per_second = 0);

} // namespace brook::storage
