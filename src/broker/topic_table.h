#pragma once
// Topic metadata as every shard sees it: an immutable snapshot, replaced wholesale when a
// topic is created or deleted (by the topic_manager on shard 0, which posts the new
// snapshot to every shard). Handlers read their own shard's snapshot with no lock.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "storage/partition_log.h"

namespace brook::broker {

struct topic_info {
    std::string name;
    std::array<uint8_t, 16> topic_id{};
    int32_t partitions = 0;
    std::map<std::string, std::string> configs; // only the keys set on the topic
    storage::log_config log;                   // resolved: topic config over broker defaults
    bool produce_enabled = true;               // brook.produce.enabled (the per-topic kill switch)
    int32_t min_insync_replicas = 1;           // min.insync.replicas: above 1, acks=all fails here
};

// Internal topics: written only by their coordinators, never deleted by clients.
inline constexpr const char* consumer_offsets_topic = "__consumer_offsets";
inline constexpr const char* transaction_state_topic = "__transaction_state";
inline bool is_internal_topic(std::string_view name) {
    return name == consumer_offsets_topic || name == transaction_state_topic;
}

using topic_map = std::unordered_map<std::string, std::shared_ptr<const topic_info>>;
using topic_snapshot = std::shared_ptr<const topic_map>;

// FNV-1a, so partition placement does not depend on the standard library's hash.
inline uint64_t stable_hash(std::string_view s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

// The shard that owns a partition: the only thread that touches its log.
inline unsigned owner_shard(std::string_view topic, int32_t partition, unsigned shards) {
    return static_cast<unsigned>((stable_hash(topic) + static_cast<uint64_t>(partition)) % shards);
}

} // namespace brook::broker
