#include "storage/fd_cache.h"

namespace brook::storage {

result<std::shared_ptr<file_handle>> fd_cache::get(const std::filesystem::path& path) {
    std::string key = path.string();
    {
        std::lock_guard lock(mu_);
        if (auto it = by_path_.find(key); it != by_path_.end()) {
            lru_.splice(lru_.begin(), lru_, it->second);
            return it->second->second;
        }
    }
    // Opened outside the lock: a slow disk must not stall the other shards' hits.
    auto f = file_handle::open(path, false);
    if (!f) return f.error();
    std::lock_guard lock(mu_);
    ++opens_;
    if (auto it = by_path_.find(key); it != by_path_.end()) { // opened twice at once: keep one
        lru_.splice(lru_.begin(), lru_, it->second);
        return it->second->second;
    }
    lru_.emplace_front(key, *f);
    by_path_.emplace(std::move(key), lru_.begin());
    while (lru_.size() > capacity_) {
        by_path_.erase(lru_.back().first);
        lru_.pop_back();
    }
    return std::move(*f);
}

void fd_cache::forget(const std::filesystem::path& path) {
    std::lock_guard lock(mu_);
    auto it = by_path_.find(path.string());
    if (it == by_path_.end()) return;
    lru_.erase(it->second);
    by_path_.erase(it);
}

size_t fd_cache::size() const {
    std::lock_guard lock(mu_);
    return lru_.size();
}

uint64_t fd_cache::opens() const {
    std::lock_guard lock(mu_);
    return opens_;
}

const std::shared_ptr<fd_cache>& fd_cache::process_default() {
    static const auto cache = std::make_shared<fd_cache>(256);
    return cache;
}

} // namespace brook::storage
