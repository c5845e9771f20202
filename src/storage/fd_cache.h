#pragma once
// fd_cache: a bounded LRU of open `.log` descriptors of sealed segments, one per shard. A
// sealed segment holds no descriptor of its own; it asks here when it is read (fetch, time
// lookups, recovery walks) and the file is opened on a miss. With a few thousand partitions,
// this is what keeps the broker's descriptors bounded: one per partition (its active segment)
// plus `capacity` per shard, plus those a caller still holds.
//
// Guarantees: at most `capacity` descriptors are held by the cache itself; evicting one only
// drops the cache's reference, so a holder (a fetch response sending from it, a flusher
// syncing it) keeps the file open until it lets go. forget(path) must be called before a file
// is unlinked or its path reused (segment deletion, partition close), so that a later open
// of the same path never gets the old file. Thread-safe (one mutex; a shard's partitions are
// also opened on helper threads at start-up and creation).
#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "base/result.h"
#include "storage/file_handle.h"

namespace brook::storage {

class fd_cache {
public:
    explicit fd_cache(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

    // The open file at `path` (opened read-write, not created, on a miss).
    result<std::shared_ptr<file_handle>> get(const std::filesystem::path& path);
    // Drops the cached descriptor of `path`, if any.
    void forget(const std::filesystem::path& path);

    size_t size() const;
    size_t capacity() const { return capacity_; }
    // Opens since creation (misses): for /metrics and tests.
    uint64_t opens() const;

    // The cache of logs opened without one (tests, tools): shared by the process.
    static const std::shared_ptr<fd_cache>& process_default();

private:
    using entry = std::pair<std::string, std::shared_ptr<file_handle>>;
    const size_t capacity_;
    mutable std::mutex mu_;
    std::list<entry> lru_; // most recently used first
    std::unordered_map<std::string, std::list<entry>::iterator> by_path_;
    uint64_t opens_ = 0;
};

} // namespace brook::storage
