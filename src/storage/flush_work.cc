#include "storage/flush_work.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <spdlog/spdlog.h>

#include "storage/producer_state.h"
#include "storage/recovery_point.h"

namespace brook::storage {

void start_writeback(const flush_work& w) {
    for (const auto* list : {&w.logs, &w.indexes})
        for (const auto& f : *list) (void)::sync_file_range(f->fd(), 0, 0, SYNC_FILE_RANGE_WRITE);
}

error_code run_flush(flush_work& w, std::vector<double>* durations) {
    for (const auto& f : w.logs) {
        const auto start = std::chrono::steady_clock::now();
        if (auto e = f->datasync(); e != error_code::none) {
            w.failed = f->path();
            return e;
        }
        if (durations)
            durations->push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    for (const auto& f : w.indexes) {
        if (f->datasync() == error_code::none) continue;
        // Rebuildable from the .log: the next open does so when it is missing. A sealed
        // segment's indexes are not written again, so nothing else needs to know.
        std::error_code ec;
        std::filesystem::remove(f->path(), ec);
        spdlog::warn("storage: cannot sync {}; removed, rebuilt at the next open", f->path().string());
    }
    // A partition deleted since the work was taken: its files are unlinked, nothing of it
    // needs to survive (its open handles were synced above, harmlessly).
    std::error_code ec;
    if (!std::filesystem::exists(w.dir, ec)) return error_code::none;
    bool dir_synced = false;
    if (w.snapshot) {
        // write_file_atomic syncs the directory too.
        w.snapshot_written =
            write_file_atomic(producer_state::snapshot_path(w.dir, w.snapshot->first), w.snapshot->second) ==
            error_code::none;
        dir_synced = w.snapshot_written;
    }
    if (w.sync_dir && !dir_synced) {
        if (auto e = sync_directory(w.dir); e != error_code::none) {
            if (!std::filesystem::exists(w.dir, ec)) return error_code::none; // deleted meanwhile
            w.failed = w.dir;
            return e;
        }
    }
    if (w.checkpoint) w.checkpointed = write_recovery_checkpoint(w.dir, {w.end, false}) == error_code::none;
    return error_code::none;
}

} // namespace brook::storage
