#pragma once
// lazy_cache: the "disk cache" of the power-loss file system (LazyFS's idea). Every write lands
// here, per inode, in 4 KiB pages; nothing reaches the backing file until sync() of that inode
// (the file system's fsync/fdatasync). cut() is the power cut: it drops everything unsynced,
// optionally persisting a random subset of the unsynced pages and/or a torn (sector-aligned)
// prefix of each file's last written page first, as a disk with a volatile cache may do.
//
// Guarantees: read() and size() show exactly what a process would see through a page cache
// (written bytes, truncations, zero-filled holes); the backing file changes only in sync() and
// cut(). Each dirty inode keeps a dup of its backing descriptor, so its inode number cannot be
// reused while pages for it are held.
//
// Not thread-safe: the FUSE layer calls it under one mutex.
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <sys/types.h>
#include <vector>

namespace brook::powerfs {

inline constexpr uint64_t page_size = 4096;
inline constexpr uint64_t sector_size = 512;

struct cut_policy {
    double keep = 0;   // probability that an unsynced page is persisted anyway
    bool tear = false; // persist a random sector-aligned prefix of each file's last written page
    uint64_t seed = 1;
};

struct cut_stats {
    uint64_t files = 0, dropped = 0, kept = 0, torn = 0;
};

class lazy_cache {
public:
    lazy_cache() = default;
    ~lazy_cache();
    lazy_cache(const lazy_cache&) = delete;
    lazy_cache& operator=(const lazy_cache&) = delete;

    // `fd` is an open descriptor of the backing file of `ino`. Results are 0 or -errno (read:
    // the byte count or -errno), as FUSE wants them.
    int write(ino_t ino, int fd, std::span<const uint8_t> data, uint64_t off);
    ssize_t read(ino_t ino, int fd, std::span<uint8_t> out, uint64_t off);
    int truncate(ino_t ino, int fd, uint64_t size);
    // The size a reader sees, if `ino` has unsynced state (otherwise the backing size is right).
    bool size(ino_t ino, uint64_t& out) const;
    // Persists every unsynced page and the size of `ino` to its backing file and fdatasyncs it.
    int sync(ino_t ino);
    // Persists everything (the file system's "sync" command).
    int sync_all();
    // Forgets `ino` without persisting anything (its last name is gone and it is closed).
    void forget(ino_t ino);
    cut_stats cut(const cut_policy& policy);

    uint64_t dirty_files() const { return files_.size(); }
    uint64_t dirty_pages() const;

private:
    struct page {
        std::vector<uint8_t> bytes = std::vector<uint8_t>(page_size);
        uint64_t seq = 0; // order of the last write, for "the last written page"
    };
    struct file_state {
        int fd = -1;              // dup of the backing descriptor
        uint64_t size = 0;        // logical size
        uint64_t backing = 0;     // backing size when the state was created
        uint64_t zero_from = ~0ull; // bytes at or past this offset that are not in a page read as zeros
        std::map<uint64_t, page> pages;
    };

    file_state* state(ino_t ino, int fd, int& err);
    page& load(file_state& f, uint64_t index, int& err);
    int persist_page(file_state& f, uint64_t index, const page& p, uint64_t limit);
    int persist_size(file_state& f);
    void drop(ino_t ino);

    std::map<ino_t, file_state> files_;
    uint64_t seq_ = 0;
};

} // namespace brook::powerfs
