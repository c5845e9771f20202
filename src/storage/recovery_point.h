#pragma once
// The recovery checkpoint of one partition, `<data>/<topic>/<partition>/recovery.checkpoint`
// (Kafka's recovery-point-offset-checkpoint, kept per partition beside partition.meta):
//   JSON {"version":1,"recovery_point":N,"clean_shutdown":B}
// recovery_point: every batch below N, in every segment, with the segments' .index,
// .timeindex and .txnindex files, is known to be on stable storage (fdatasynced).
// clean_shutdown: written true only by partition_log::close() after everything was synced;
// open() rewrites it false before anything is appended, so a crash after that start is seen
// as one.
//
// The value on disk may lag the truth (it only makes recovery scan more); it never runs
// ahead of it, because every writer syncs the data first. Written atomically (temp + fsync +
// rename + directory fsync). write_recovery_checkpoint() touches nothing but the file, so the
// group-commit flusher may call it on its own thread; one writer per partition at a time.
#include <cstdint>
#include <filesystem>
#include <optional>

#include "base/named_type.h"
#include "base/result.h"

namespace brook::storage {

struct recovery_checkpoint {
    offset point{0};
    bool clean_shutdown = false;
    bool operator==(const recovery_checkpoint&) const = default;
};

inline constexpr const char* recovery_checkpoint_file = "recovery.checkpoint";

// What open() found: no file (a partition directory written by a Brook before recovery points,
// or a new one), a file it could not read (damage from outside), or the checkpoint.
struct checkpoint_found {
    enum class kind { missing, unreadable, ok } k = kind::missing;
    recovery_checkpoint cp;
};

// I/O errors other than a missing file are errors.
result<checkpoint_found> read_recovery_checkpoint(const std::filesystem::path& dir);
error_code write_recovery_checkpoint(const std::filesystem::path& dir, const recovery_checkpoint& cp);

} // namespace brook::storage
