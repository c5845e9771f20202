#pragma once
// One consumer group's in-memory state, as kept by group_coordinator: membership, the current
// generation and its assignment, committed offsets, timers and storm signals. A plain value
// owned by the coordinator (same thread); read-only to everyone else.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/named_type.h"
#include "protocol/internal_messages.h"

namespace brook::group {

// Kafka's classic group states. A deleted group is erased; `dead` is what DescribeGroups
// reports for a group that does not exist.
enum class group_state { empty, preparing_rebalance, completing_rebalance, stable, dead };
std::string_view state_name(group_state s); // "Empty", "PreparingRebalance", ... as Kafka

struct member_protocol {
    std::string name;
    std::vector<uint8_t> metadata;
    bool operator==(const member_protocol&) const = default;
};

struct member {
    std::string member_id;
    std::optional<std::string> group_instance_id; // static membership (KIP-345)
    std::string client_id;
    std::string client_host;
    int32_t session_timeout_ms{0};
    int32_t rebalance_timeout_ms{0};
    std::vector<member_protocol> protocols; // in the member's order of preference
    std::vector<uint8_t> assignment;        // of the current generation
    uint64_t join_order{0};                 // the oldest member becomes leader
    int64_t last_heartbeat_ms{0};
    // Parked responses: the runtime's token for a JoinGroup / SyncGroup waiting on the group.
    std::optional<uint64_t> pending_join;
    std::optional<uint64_t> pending_sync;
    bool awaiting_sync{false}; // got its JoinGroup response, has not sent SyncGroup yet
    bool is_new{false};        // added during the current rebalance

    // The member's metadata for `protocol`, or empty.
    const std::vector<uint8_t>* metadata_for(std::string_view protocol) const;
};

struct committed_offset {
    int64_t offset{-1};
    int32_t leader_epoch{-1};
    std::string metadata;
    int64_t commit_timestamp_ms{0};
    int64_t expire_timestamp_ms{-1}; // explicit retention from OffsetCommit v2-4, else -1
    // Where its record lies among this coordinator's offset records (a counter in append order
    // live, in replay order on load): when a transaction commits, its offset replaces the current
    // one only if its record is the later of the two, as Kafka compares log offsets. Not
    // persisted and not part of the value's identity (==), since a reload renumbers.
    uint64_t log_order{0};
    bool operator==(const committed_offset& o) const {
        return offset == o.offset && leader_epoch == o.leader_epoch && metadata == o.metadata &&
               commit_timestamp_ms == o.commit_timestamp_ms && expire_timestamp_ms == o.expire_timestamp_ms;
    }
};

using topic_partition = std::pair<std::string, int32_t>;
// Transactional offset commits not yet decided, by producer (Kafka's
// pendingTransactionalOffsetCommits): invisible to OffsetFetch until the producer's marker.
using pending_txn_offsets = std::map<producer_id, std::map<topic_partition, committed_offset>>;

// The member whose join, rejoin, leave or expiry set a rebalance off, as it named itself.
struct rebalance_trigger {
    std::string member_id;
    std::string client_id;
    std::string client_host;
    bool operator==(const rebalance_trigger&) const = default;
};

struct rebalance_event {
    int64_t at_ms{0};
    std::string reason;
    rebalance_trigger trigger;
};

// Storm signals: how much churn a group has seen.
struct group_stats {
    // Rebalances started within config.rebalance_window_ms (pruned when the next one starts).
    std::deque<rebalance_event> recent_rebalances;
    uint64_t rebalances_total{0};
    uint64_t members_joined{0};
    uint64_t members_left{0};
    std::string last_rebalance_reason;
    rebalance_trigger last_trigger;
    // Set when the window count reached config.rebalance_storm_threshold (and a storm_alert was
    // emitted); cleared once the count is seen below it again, so one storm alerts once.
    bool in_storm{false};
};

struct group {
    std::string group_id;
    group_state state{group_state::empty};
    int32_t generation{0};
    std::string protocol_type; // "" for a group that only stores offsets (assign() users)
    std::optional<std::string> protocol_name;
    std::optional<std::string> leader_id;
    std::map<std::string, member> members;               // by member id
    std::map<std::string, std::string> static_members;   // group.instance.id -> member id
    std::map<std::string, int64_t> pending_members;      // KIP-394 ids handed out -> expiry
    int64_t state_timestamp_ms{-1};                      // when the current state began
    std::map<topic_partition, committed_offset> offsets;
    pending_txn_offsets pending_txn;                     // never holds an empty inner map
    group_stats stats;
    uint64_t next_join_order{0};
    // Rebalance timers. In preparing_rebalance: complete the join at rebalance_deadline_ms
    // (or earlier once everyone rejoined, unless in the initial delay). In completing_rebalance:
    // members that have not synced by rebalance_deadline_ms are removed.
    int64_t rebalance_deadline_ms{0};
    bool initial_delay{false};       // first rebalance of a group that was Empty
    int64_t initial_delay_cap_ms{0}; // the delay is extended by new joins up to here
    bool new_member_added{false};

    // Kafka's hasPendingOffsetCommitsForTopicPartition (transactional ones; plain commits are
    // applied in the call).
    bool has_pending_txn_offset(const topic_partition& tp) const;
    // Kafka's hasOffsets: committed or pending. An Empty group without offsets may be deleted.
    bool has_offsets() const { return !offsets.empty() || !pending_txn.empty(); }
    bool has_member(std::string_view id) const { return members.find(std::string(id)) != members.end(); }
    // KIP-345: a request carrying an instance id owned by another member id is fenced.
    bool is_fenced(const std::optional<std::string>& instance_id, std::string_view member_id) const;
    // Whether a member with this protocol type/protocols may join (INCONSISTENT_GROUP_PROTOCOL).
    bool supports(std::string_view type, const std::vector<member_protocol>& protocols) const;
    // Protocol chosen for the next generation: supported by all members, most votes wins.
    std::string select_protocol() const;
    // The __consumer_offsets value describing this group's current generation.
    protocol::GroupMetadataValue to_metadata_value() const;
};

// What survives a restart (records + replay), for comparing a live group with a reloaded one.
struct persisted_view {
    std::string protocol_type;
    int32_t generation;
    std::optional<std::string> protocol_name;
    std::optional<std::string> leader_id;
    protocol::GroupMetadataValue metadata; // members with subscription + assignment
    std::map<topic_partition, committed_offset> offsets;
    pending_txn_offsets pending_txn;
    bool operator==(const persisted_view&) const = default;
};
persisted_view persisted(const group& g);

} // namespace brook::group
