// partition_log: taking a partition out of service after an I/O error (partition_log.h).
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "storage/file_handle.h"
#include "storage/partition_log.h"

namespace brook::storage {

error_code partition_log::check_io(error_code e, const char* what) const {
    if (e != error_code::kafka_storage_error || out_of_service_) return e;
    const int err = last_io_errno();
    if (err == ENOSPC || err == EDQUOT) return e; // the append left the log as it was; retriable
    // Out of descriptors (a sealed segment's .log is borrowed through the fd_cache): the
    // process's limit, not the disk; the next read retries.
    if (err == EMFILE || err == ENFILE) return e;
    out_of_service_ = true;
    spdlog::critical("storage: partition {}/{} is out of service after an I/O error in {} ({}): it answers "
                     "KAFKA_STORAGE_ERROR to produce and fetch until the broker restarts and recovers it from disk",
                     dir_.parent_path().filename().string(), dir_.filename().string(), what,
                     err != 0 ? std::strerror(err) : "unknown cause");
    return e;
}

} // namespace brook::storage
