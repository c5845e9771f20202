#include "storage/file_handle.h"
#include "storage/io_error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <vector>

#include <spdlog/spdlog.h>

namespace brook::storage {
namespace {

thread_local std::string last_failure;
thread_local int last_errno = 0;

error_code io_error(const char* what, const std::filesystem::path& p) {
    last_errno = errno;
    last_failure = std::string(what) + " " + p.string() + ": " + std::strerror(errno);
    spdlog::error("storage: {}", last_failure);
    return error_code::kafka_storage_error;
}

} // namespace

void clear_last_io_error() { last_failure.clear(); }
const std::string& last_io_error() { return last_failure; }
int last_io_errno() { return last_errno; }

result<std::shared_ptr<file_handle>> file_handle::open(const std::filesystem::path& path, bool create) {
    int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return io_error("open", path);
    return std::make_shared<file_handle>(fd, path);
}

file_handle::~file_handle() {
    if (fd_ >= 0) ::close(fd_);
}

error_code file_handle::pwrite_all(std::span<const uint8_t> data, uint64_t pos) const {
    while (!data.empty()) {
        ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(pos));
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_error("pwrite", path_);
        }
        data = data.subspan(static_cast<size_t>(n));
        pos += static_cast<uint64_t>(n);
    }
    return error_code::none;
}

error_code file_handle::pwrite_all(std::span<const uint8_t> first, std::span<const uint8_t> second, uint64_t pos) const {
    while (!first.empty()) {
        iovec iov[2] = {{const_cast<uint8_t*>(first.data()), first.size()}, {const_cast<uint8_t*>(second.data()), second.size()}};
        ssize_t n = ::pwritev(fd_, iov, second.empty() ? 1 : 2, static_cast<off_t>(pos));
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_error("pwritev", path_);
        }
        auto done = static_cast<size_t>(n);
        pos += done;
        if (done < first.size()) {
            first = first.subspan(done);
            continue;
        }
        second = second.subspan(done - first.size());
        first = {};
    }
    return pwrite_all(second, pos);
}

std::optional<bool> file_handle::cached(uint64_t pos) const {
    uint8_t byte;
    iovec v{&byte, 1};
    for (;;) {
        ssize_t n = ::preadv2(fd_, &v, 1, static_cast<off_t>(pos), RWF_NOWAIT);
        if (n >= 0) return true; // 0: past the end, nothing to wait for either
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return false;
        return std::nullopt; // EOPNOTSUPP and friends: no answer, the caller reads as before
    }
}

result<size_t> file_handle::pread_some(std::span<uint8_t> out, uint64_t pos) const {
    size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(pos + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_error("pread", path_);
        }
        if (n == 0) break; // end of file
        done += static_cast<size_t>(n);
    }
    return done;
}

error_code file_handle::datasync() const {
    if (::fdatasync(fd_) != 0) return io_error("fdatasync", path_);
    return error_code::none;
}

error_code file_handle::truncate(uint64_t size) const {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return io_error("ftruncate", path_);
    return error_code::none;
}

result<uint64_t> file_handle::size() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return io_error("fstat", path_);
    return static_cast<uint64_t>(st.st_size);
}

error_code sync_directory(const std::filesystem::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error("open dir", dir);
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return io_error("fsync dir", dir);
    return error_code::none;
}

error_code write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> data) {
    auto tmp = path;
    tmp += ".tmp";
    return write_file_atomic(path, data, tmp);
}

error_code write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> data,
                             const std::filesystem::path& tmp) {
    {
        int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) return io_error("create", tmp);
        file_handle f(fd, tmp);
        if (auto e = f.pwrite_all(data, 0); e != error_code::none) return e;
        if (::fsync(fd) != 0) return io_error("fsync", tmp);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("rename", tmp);
    return sync_directory(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
}

error_code create_directories_durable(const std::filesystem::path& dir) {
    std::error_code ec;
    if (dir.empty() || std::filesystem::is_directory(dir, ec)) return error_code::none;
    // Parents first, so that each one exists (durably) before its child's entry is synced.
    if (auto e = create_directories_durable(dir.parent_path()); e != error_code::none) return e;
    if (!std::filesystem::create_directory(dir, ec) && ec) {
        spdlog::error("storage: cannot create {}: {}", dir.string(), ec.message());
        return error_code::kafka_storage_error;
    }
    return sync_directory(dir.parent_path().empty() ? std::filesystem::path(".") : dir.parent_path());
}

result<std::vector<uint8_t>> read_whole_file(const std::filesystem::path& path) {
    auto f = file_handle::open(path, false);
    if (!f) return f.error();
    auto sz = (*f)->size();
    if (!sz) return sz.error();
    std::vector<uint8_t> out(*sz);
    auto n = (*f)->pread_some(out, 0);
    if (!n) return n.error();
    out.resize(*n);
    return out;
}

} // namespace brook::storage
