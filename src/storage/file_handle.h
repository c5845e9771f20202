#pragma once
// file_handle: RAII owner of one open file descriptor (O_RDWR|O_CLOEXEC), with the few
// positional I/O calls storage needs. Shared through std::shared_ptr so that a flusher
// thread can fdatasync a segment, and a pending fetch response can send from it, even
// after retention deleted (unlinked) it: the fd stays open until the last owner lets go.
//
// Thread-safety: pread/pwrite/datasync on one handle may run concurrently (they are
// positional syscalls); size bookkeeping is the caller's. Errors are logged once here and
// returned as KAFKA_STORAGE_ERROR.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/error_code.h"
#include "base/result.h"

namespace brook::storage {

class file_handle {
public:
    // Opens `path` read-write; with `create`, creates it (mode 0644) if absent.
    static result<std::shared_ptr<file_handle>> open(const std::filesystem::path& path, bool create);

    file_handle(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
    ~file_handle();
    file_handle(const file_handle&) = delete;
    file_handle& operator=(const file_handle&) = delete;

    int fd() const { return fd_; }
    const std::filesystem::path& path() const { return path_; }

    // Writes all of `data` at `pos` (retrying short writes).
    error_code pwrite_all(std::span<const uint8_t> data, uint64_t pos) const;
    // `first` then `second` at `pos`, in one pwritev where the kernel takes it all.
    error_code pwrite_all(std::span<const uint8_t> first, std::span<const uint8_t> second, uint64_t pos) const;
    // Reads up to out.size() bytes at `pos`; returns the count (short only at end of file).
    result<size_t> pread_some(std::span<uint8_t> out, uint64_t pos) const;
    // Whether the byte at `pos` is in the page cache, asked without blocking (preadv2 with
    // RWF_NOWAIT). nullopt where the kernel or filesystem cannot tell.
    std::optional<bool> cached(uint64_t pos) const;
    error_code datasync() const;
    error_code truncate(uint64_t size) const;
    result<uint64_t> size() const;

private:
    int fd_;
    std::filesystem::path path_;
};

// Replaces `path` with `data` atomically: write `path.tmp`, fsync, rename, fsync the directory.
error_code write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> data);
// The same through the temp file `tmp` (same directory), for a `path` whose name leaves no room
// for a suffix under the 255-byte file-name limit.
error_code write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> data,
                             const std::filesystem::path& tmp);
// errno of the last call in this file that failed on this thread (0 before any): it tells a
// full disk (ENOSPC, EDQUOT) from a failing one (EIO) behind a KAFKA_STORAGE_ERROR.
int last_io_errno();
// fsyncs a directory so that creates/renames/unlinks in it are durable.
error_code sync_directory(const std::filesystem::path& dir);
// Creates `dir` and any missing parents, fsyncing the parent of each directory created, so the
// new entries survive a power cut. Existing directories are left as they are.
error_code create_directories_durable(const std::filesystem::path& dir);
// Whole-file read (small control files: metadata, snapshots).
result<std::vector<uint8_t>> read_whole_file(const std::filesystem::path& path);

} // namespace brook::storage
