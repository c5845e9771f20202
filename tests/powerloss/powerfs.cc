// brook_powerfs: a FUSE passthrough file system that loses unsynced writes on command, for
// power-loss tests (LazyFS's idea). `brook_powerfs BACKING MOUNTPOINT [fuse options]` serves
// BACKING at MOUNTPOINT; file data written through it stays in lazy_cache until the file is
// fsynced/fdatasynced, and the control file MOUNTPOINT/.powerloss takes commands, one per write:
//
//   cut [keep=P] [tear] [seed=N]   power cut: drop every unsynced page (keep=P persists each
//                                  with probability P first; tear persists a random sector-aligned
//                                  prefix of each file's last written page)
//   sync                           persist everything, as sync(2)
//   eio read|write|rw SUBSTRING    fail reads and/or writes (and fsyncs) of files whose path
//                                  (as opened) contains SUBSTRING with EIO, until `eio clear`
//   eio clear
//
// Reading .powerloss answers one line of counters (dirty files/pages, cuts, last cut's pages).
// A bad command fails the write with EINVAL.
//
// Known limit: namespace operations (create, rename, unlink, mkdir, rmdir) reach the backing
// directory at once, i.e. they are durable without an fsync of the parent directory; only file
// contents and sizes are lost by a cut. A missing directory fsync is therefore not caught.
#define FUSE_USE_VERSION 35
#include <fuse.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#include "lazy_cache.h"

namespace {

using brook::powerfs::cut_policy;
using brook::powerfs::cut_stats;
using brook::powerfs::lazy_cache;

constexpr const char* control_path = "/.powerloss";

struct handle {
    int fd;
    ino_t ino;
    std::string path;
};

struct eio_rule {
    std::string substring;
    bool read, write;
};

struct fs_state {
    std::string backing;
    std::mutex mu;
    lazy_cache cache;
    std::map<uint64_t, handle> handles;
    std::map<uint64_t, std::string> dirs; // open directory handles: their path
    uint64_t next_handle = 1; // 0 is the control file
    std::vector<eio_rule> eio;
    uint64_t cuts = 0;
    cut_stats last_cut;
};

fs_state* fs() { return static_cast<fs_state*>(fuse_get_context()->private_data); }
std::string real(const char* path) { return fs()->backing + path; }
bool is_control(const char* path) { return path && std::strcmp(path, control_path) == 0; }

bool fails(fs_state& s, const std::string& path, bool write) {
    for (const auto& r : s.eio)
        if ((write ? r.write : r.read) && path.find(r.substring) != std::string::npos) return true;
    return false;
}

bool ino_open(fs_state& s, ino_t ino) {
    for (const auto& [id, h] : s.handles)
        if (h.ino == ino) return true;
    return false;
}

// The last name of `ino` is about to go: unsynced pages of a file nobody holds open are garbage.
void forget_if_last(fs_state& s, const std::string& real_path) {
    struct stat st {};
    if (::lstat(real_path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 && !ino_open(s, st.st_ino))
        s.cache.forget(st.st_ino);
}

std::string status(fs_state& s) {
    std::ostringstream o;
    o << "dirty_files=" << s.cache.dirty_files() << " dirty_pages=" << s.cache.dirty_pages() << " cuts=" << s.cuts
      << " last_cut_files=" << s.last_cut.files << " dropped=" << s.last_cut.dropped << " kept=" << s.last_cut.kept
      << " torn=" << s.last_cut.torn << " eio_rules=" << s.eio.size() << "\n";
    return o.str();
}

int command(fs_state& s, const std::string& text) {
    std::istringstream in(text);
    std::string verb;
    if (!(in >> verb)) return -EINVAL;
    if (verb == "cut") {
        cut_policy p;
        for (std::string arg; in >> arg;) {
            if (arg == "tear") p.tear = true;
            else if (arg.rfind("keep=", 0) == 0) p.keep = std::stod(arg.substr(5));
            else if (arg.rfind("seed=", 0) == 0) p.seed = std::stoull(arg.substr(5));
            else return -EINVAL;
        }
        s.last_cut = s.cache.cut(p);
        ++s.cuts;
        return 0;
    }
    if (verb == "sync") return s.cache.sync_all();
    if (verb == "eio") {
        std::string mode, sub;
        if (!(in >> mode)) return -EINVAL;
        if (mode == "clear") {
            s.eio.clear();
            return 0;
        }
        if (!(in >> sub) || (mode != "read" && mode != "write" && mode != "rw")) return -EINVAL;
        s.eio.push_back({sub, mode != "write", mode != "read"});
        return 0;
    }
    return -EINVAL;
}

void* op_init(fuse_conn_info*, fuse_config* cfg) {
    // No attribute or entry caching in the kernel: sizes come from lazy_cache and change on a cut.
    cfg->attr_timeout = 0;
    cfg->entry_timeout = 0;
    cfg->negative_timeout = 0;
    cfg->use_ino = 1;
    cfg->hard_remove = 1; // unlink really unlinks; open handles keep working through their fd
    cfg->nullpath_ok = 1;
    return fuse_get_context()->private_data;
}

int op_getattr(const char* path, struct stat* st, fuse_file_info* fi) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    if (is_control(path)) {
        *st = {};
        st->st_mode = S_IFREG | 0666;
        st->st_nlink = 1;
        return 0;
    }
    int rc = (fi && fi->fh && s.handles.count(fi->fh)) ? ::fstat(s.handles.at(fi->fh).fd, st) : ::lstat(real(path).c_str(), st);
    if (rc != 0) return -errno;
    if (uint64_t size; S_ISREG(st->st_mode) && s.cache.size(st->st_ino, size)) {
        st->st_size = static_cast<off_t>(size);
        st->st_blocks = static_cast<blkcnt_t>((size + 511) / 512);
    }
    return 0;
}

int op_access(const char* path, int mask) {
    if (is_control(path)) return 0;
    return ::access(real(path).c_str(), mask) == 0 ? 0 : -errno;
}

int op_mkdir(const char* path, mode_t mode) { return ::mkdir(real(path).c_str(), mode) == 0 ? 0 : -errno; }
int op_rmdir(const char* path) { return ::rmdir(real(path).c_str()) == 0 ? 0 : -errno; }

int op_unlink(const char* path) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    forget_if_last(s, real(path));
    return ::unlink(real(path).c_str()) == 0 ? 0 : -errno;
}

int op_rename(const char* from, const char* to, unsigned int flags) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    if (!(flags & RENAME_EXCHANGE)) forget_if_last(s, real(to));
    long rc = ::syscall(SYS_renameat2, AT_FDCWD, real(from).c_str(), AT_FDCWD, real(to).c_str(), flags);
    return rc == 0 ? 0 : -errno;
}

int op_link(const char* from, const char* to) { return ::link(real(from).c_str(), real(to).c_str()) == 0 ? 0 : -errno; }
int op_chmod(const char* path, mode_t mode, fuse_file_info*) { return ::chmod(real(path).c_str(), mode) == 0 ? 0 : -errno; }
int op_chown(const char* path, uid_t u, gid_t g, fuse_file_info*) { return ::lchown(real(path).c_str(), u, g) == 0 ? 0 : -errno; }

int op_utimens(const char* path, const timespec tv[2], fuse_file_info* fi) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    if (fi && fi->fh && s.handles.count(fi->fh)) return ::futimens(s.handles.at(fi->fh).fd, tv) == 0 ? 0 : -errno;
    return ::utimensat(AT_FDCWD, real(path).c_str(), tv, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

int op_truncate(const char* path, off_t size, fuse_file_info* fi) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    if (is_control(path)) return 0;
    if (fi && fi->fh && s.handles.count(fi->fh)) {
        const handle& h = s.handles.at(fi->fh);
        if (fails(s, h.path, true)) return -EIO;
        return s.cache.truncate(h.ino, h.fd, static_cast<uint64_t>(size));
    }
    if (fails(s, path, true)) return -EIO;
    int fd = ::open(real(path).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct stat st {};
    int rc = ::fstat(fd, &st) == 0 ? s.cache.truncate(st.st_ino, fd, static_cast<uint64_t>(size)) : -errno;
    ::close(fd);
    return rc;
}

int open_handle(fs_state& s, const char* path, int fd, fuse_file_info* fi) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int e = -errno;
        ::close(fd);
        return e;
    }
    fi->fh = s.next_handle++;
    s.handles[fi->fh] = handle{fd, st.st_ino, path};
    return 0;
}

// The data lives in lazy_cache, so O_TRUNC and O_APPEND must not reach the backing file.
int backing_flags(int flags) { return (flags & ~(O_TRUNC | O_APPEND | O_WRONLY | O_RDONLY | O_RDWR)) | O_RDWR | O_CLOEXEC; }

int op_open(const char* path, fuse_file_info* fi) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    if (is_control(path)) {
        fi->fh = 0;
        fi->direct_io = 1;
        return 0;
    }
    int fd = ::open(real(path).c_str(), backing_flags(fi->flags));
    if (fd < 0) return -errno;
    if (int e = open_handle(s, path, fd, fi); e != 0) return e;
    if (fi->flags & O_TRUNC) {
        const handle& h = s.handles.at(fi->fh);
        return s.cache.truncate(h.ino, h.fd, 0);
    }
    return 0;
}

int op_create(const char* path, mode_t mode, fuse_file_info* fi) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    int fd = ::open(real(path).c_str(), backing_flags(fi->flags) | O_CREAT, mode);
    if (fd < 0) return -errno;
    if (int e = open_handle(s, path, fd, fi); e != 0) return e;
    if (fi->flags & O_TRUNC) {
        const handle& h = s.handles.at(fi->fh);
        return s.cache.truncate(h.ino, h.fd, 0);
    }
    return 0;
}

int op_read(const char* path, char* buf, size_t size, off_t off, fuse_file_info* fi) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    if (fi->fh == 0) {
        std::string text = status(s);
        if (static_cast<size_t>(off) >= text.size()) return 0;
        size_t n = std::min(size, text.size() - static_cast<size_t>(off));
        std::memcpy(buf, text.data() + off, n);
        return static_cast<int>(n);
    }
    const handle& h = s.handles.at(fi->fh);
    if (fails(s, h.path, false)) return -EIO;
    auto n = s.cache.read(h.ino, h.fd, {reinterpret_cast<uint8_t*>(buf), size}, static_cast<uint64_t>(off));
    return static_cast<int>(n);
}

int op_write(const char* path, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    if (fi->fh == 0) {
        int e;
        try {
            e = command(s, std::string(buf, size));
        } catch (const std::exception&) { // std::stod/stoull on a malformed number
            e = -EINVAL;
        }
        return e != 0 ? e : static_cast<int>(size);
    }
    const handle& h = s.handles.at(fi->fh);
    if (fails(s, h.path, true)) return -EIO;
    int e = s.cache.write(h.ino, h.fd, {reinterpret_cast<const uint8_t*>(buf), size}, static_cast<uint64_t>(off));
    return e != 0 ? e : static_cast<int>(size);
}

int op_statfs(const char* path, struct statvfs* st) { return ::statvfs(fs()->backing.c_str(), st) == 0 ? 0 : -errno; }

int op_flush(const char*, fuse_file_info*) { return 0; } // close() is not a sync

int op_release(const char*, fuse_file_info* fi) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    if (fi->fh == 0) return 0;
    auto it = s.handles.find(fi->fh);
    if (it == s.handles.end()) return 0;
    struct stat st {};
    ino_t ino = it->second.ino;
    bool orphan = ::fstat(it->second.fd, &st) == 0 && st.st_nlink == 0;
    ::close(it->second.fd);
    s.handles.erase(it);
    if (orphan && !ino_open(s, ino)) s.cache.forget(ino);
    return 0;
}

int op_fsync(const char*, int, fuse_file_info* fi) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    if (fi->fh == 0) return 0;
    const handle& h = s.handles.at(fi->fh);
    if (fails(s, h.path, true)) return -EIO;
    return s.cache.sync(h.ino);
}

// nullpath_ok means readdir may get no path: opendir remembers it under the handle.
int op_opendir(const char* path, fuse_file_info* fi) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    fi->fh = s.next_handle++;
    s.dirs[fi->fh] = path;
    return 0;
}

int op_releasedir(const char*, fuse_file_info* fi) {
    auto& s = *fs();
    std::lock_guard lock(s.mu);
    s.dirs.erase(fi->fh);
    return 0;
}

int op_readdir(const char*, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info* fi, fuse_readdir_flags) {
    std::string path;
    {
        auto& s = *fs();
        std::lock_guard lock(s.mu);
        auto it = s.dirs.find(fi->fh);
        if (it == s.dirs.end()) return -EBADF;
        path = it->second;
    }
    DIR* d = ::opendir(real(path.c_str()).c_str());
    if (!d) return -errno;
    while (dirent* e = ::readdir(d)) {
        struct stat st {};
        st.st_ino = e->d_ino;
        st.st_mode = static_cast<mode_t>(DTTOIF(e->d_type));
        if (fill(buf, e->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0))) break;
    }
    ::closedir(d);
    return 0;
}

int op_fsyncdir(const char*, int, fuse_file_info*) { return 0; } // namespace changes are already durable

int op_fallocate(const char*, int, off_t, off_t, fuse_file_info*) { return -EOPNOTSUPP; }

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s BACKING_DIR MOUNTPOINT [fuse options, e.g. -f]\n", argv[0]);
        return 2;
    }
    char resolved[PATH_MAX];
    if (!::realpath(argv[1], resolved)) {
        std::perror(argv[1]);
        return 2;
    }
    fs_state state;
    state.backing = resolved;
    fuse_operations ops{};
    ops.init = op_init;
    ops.getattr = op_getattr;
    ops.access = op_access;
    ops.mkdir = op_mkdir;
    ops.rmdir = op_rmdir;
    ops.unlink = op_unlink;
    ops.rename = op_rename;
    ops.link = op_link;
    ops.chmod = op_chmod;
    ops.chown = op_chown;
    ops.utimens = op_utimens;
    ops.truncate = op_truncate;
    ops.open = op_open;
    ops.create = op_create;
    ops.read = op_read;
    ops.write = op_write;
    ops.statfs = op_statfs;
    ops.flush = op_flush;
    ops.release = op_release;
    ops.fsync = op_fsync;
    ops.opendir = op_opendir;
    ops.releasedir = op_releasedir;
    ops.readdir = op_readdir;
    ops.fsyncdir = op_fsyncdir;
    ops.fallocate = op_fallocate;
    std::vector<char*> args{argv[0]};
    for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
    std::string fsname = "-ofsname=brook_powerfs,subtype=powerfs";
    args.push_back(fsname.data());
    return fuse_main(static_cast<int>(args.size()), args.data(), &ops, &state);
}
