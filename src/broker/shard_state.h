#pragma once
// Everything one shard owns. Only that shard's thread reads or writes it.
#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/dynamic_config.h"
#include "broker/flusher.h"
#include "broker/partition.h"
#include "broker/shard_metrics.h"
#include "broker/topic_table.h"

namespace brook::broker {

struct shard_state {
    shard_state(unsigned id_, asio::io_context& ctx_, std::chrono::microseconds commit_delay,
                std::chrono::milliseconds flush_interval)
        : id(id_), ctx(ctx_), flush(std::make_unique<flusher>(ctx_, commit_delay, flush_interval)) {}

    unsigned id;
    asio::io_context& ctx;
    topic_snapshot topics = std::make_shared<const topic_map>();
    // Broker configs in force (static + dynamic), replaced by the controller on every change.
    std::shared_ptr<const dynamic_config> dynamic = std::make_shared<const dynamic_config>();
    // topic -> partition index -> partition (null where another shard owns it)
    std::unordered_map<std::string, std::vector<std::shared_ptr<partition>>> partitions;
    std::unique_ptr<flusher> flush;
    // Descriptors of this shard's sealed segments (storage/fd_cache.h); sized by the broker.
    std::shared_ptr<storage::fd_cache> files = std::make_shared<storage::fd_cache>(1000);
    shard_metrics metrics;

    std::shared_ptr<partition> find(const std::string& topic, int32_t index) const {
        auto it = partitions.find(topic);
        if (it == partitions.end() || index < 0 || static_cast<size_t>(index) >= it->second.size()) return nullptr;
        return it->second[static_cast<size_t>(index)];
    }
    std::shared_ptr<const topic_info> topic(const std::string& name) const {
        auto it = topics->find(name);
        return it == topics->end() ? nullptr : it->second;
    }
    // Whether this shard's snapshot knows the topic with that partition.
    bool has_partition(const std::string& name, int32_t index) const {
        auto t = topic(name);
        return t && index >= 0 && index < t->partitions;
    }
};

} // namespace brook::broker
