#include "broker/offline_partitions.h"

#include "base/log.h"

namespace brook::broker {

void offline_partitions::mark(const std::string& topic, int32_t partition, std::string cause) {
    std::lock_guard lock(mu_);
    auto [it, added] = causes_.try_emplace({topic, partition}, cause);
    if (!added) return;
    count_.store(causes_.size(), std::memory_order_relaxed);
    spdlog::error("partition {}/{} is offline: {}; the broker serves the other partitions", topic, partition, cause);
}

void offline_partitions::forget_topic(const std::string& topic) {
    std::lock_guard lock(mu_);
    auto it = causes_.lower_bound({topic, INT32_MIN});
    while (it != causes_.end() && it->first.first == topic) it = causes_.erase(it);
    count_.store(causes_.size(), std::memory_order_relaxed);
}

bool offline_partitions::contains(const std::string& topic, int32_t partition) const {
    if (!any()) return false;
    std::lock_guard lock(mu_);
    return causes_.contains({topic, partition});
}

std::optional<std::string> offline_partitions::cause(const std::string& topic, int32_t partition) const {
    if (!any()) return std::nullopt;
    std::lock_guard lock(mu_);
    auto it = causes_.find({topic, partition});
    if (it == causes_.end()) return std::nullopt;
    return it->second;
}

std::vector<offline_partitions::entry> offline_partitions::list() const {
    std::lock_guard lock(mu_);
    std::vector<entry> out;
    for (const auto& [k, cause] : causes_) out.push_back({k.first, k.second, cause});
    return out;
}

} // namespace brook::broker
