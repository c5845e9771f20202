#pragma once
// flush_work: what makes one partition_log durable up to an offset, taken on the log's shard
// (partition_log::begin_flush), carried out on any thread (run_flush), and reported back on the
// shard (partition_log::end_flush). The group-commit flusher runs it on its helper thread, so
// neither the appends' fdatasync nor a roll's (segment, indexes, producer snapshot, directory)
// stalls the shard; partition_log::sync() runs it inline.
//
// run_flush touches only what the work holds (file handles kept open by it, paths, bytes):
// nothing of the log, which may keep appending meanwhile.
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "base/named_type.h"
#include "base/result.h"
#include "storage/file_handle.h"

namespace brook::storage {

struct flush_work {
    offset end{0};                                     // flushed_offset() once done
    std::vector<std::shared_ptr<file_handle>> logs;    // .log files: fdatasync, a failure is fatal
    std::vector<std::shared_ptr<file_handle>> indexes; // .index/.timeindex/.txnindex of sealed segments
    std::optional<std::pair<offset, std::vector<uint8_t>>> snapshot; // producer snapshot a roll took
    bool sync_dir = false;   // a roll created segment files in `dir`
    bool checkpoint = false; // write the recovery checkpoint at `end` once all the above is done
    std::filesystem::path dir;

    // Results, read by end_flush.
    bool snapshot_written = false;
    bool checkpointed = false;
    std::filesystem::path failed; // the file whose fdatasync failed (run_flush's error)

    bool empty() const { return logs.empty() && indexes.empty() && !snapshot && !sync_dir; }
};

// Starts writeback of every file (sync_file_range; a hint, errors ignored): the device then
// sees several partitions' data at once and the fdatasyncs below find their work done.
void start_writeback(const flush_work& w);
// fdatasyncs the .log files (each duration appended to `durations`, if given), then the
// indexes, writes the snapshot, syncs the directory and writes the checkpoint. An index that
// cannot be synced is unlinked (rebuilt at the next open) and a snapshot or checkpoint that
// cannot be written only costs recovery time: neither fails the work. A failed .log or
// directory sync is KAFKA_STORAGE_ERROR with `failed` set; the caller must then stop (after a
// failed fdatasync the kernel may have dropped the pages: nothing may be marked durable).
error_code run_flush(flush_work& w, std::vector<double>* durations = nullptr);

} // namespace brook::storage
