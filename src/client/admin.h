#pragma once
// Cluster administration over the Kafka protocol: metadata, topics, consumer groups, offsets.
// Works against any Kafka-compatible broker (Brook, Apache Kafka, Redpanda).
//
// Guarantees: every call returns within about its timeout_ms (an unreachable cluster is an
// error with unreachable set, never a hang); results are plain values. Topic creation returns
// once the controller accepted it; metadata may lag by a moment on other brokers.
// Threads: one thread owns an admin (its calls share one result queue).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/config.h"
#include "client/error.h"
#include "client/handle.h"
#include "client/record.h"

namespace brook::client {

struct broker_info {
    int32_t id = -1;
    std::string host;
    int port = 0;
};

struct partition_info {
    int32_t partition = 0;
    int32_t leader = -1;
    std::vector<int32_t> replicas;
    std::vector<int32_t> isr;
    std::optional<error> err; // as the metadata reported it (e.g. LEADER_NOT_AVAILABLE)
};

struct topic_info {
    std::string name;
    std::vector<partition_info> partitions; // ordered by partition id
};

struct cluster_info {
    std::string cluster_id;   // "" when the broker does not say
    int32_t controller = -1;  // -1 when unknown
    std::vector<broker_info> brokers;
    std::vector<topic_info> topics; // ordered by name, internal topics included
};

struct watermarks {
    int64_t log_start = 0; // low watermark: first offset still readable
    int64_t high = 0;      // next offset to be written
};

struct new_topic {
    std::string name;
    int partitions = 1;
    int replication_factor = 1;
    config configs; // topic configs, e.g. {"cleanup.policy", "compact"}
};

struct topic_status {
    std::string name;
    std::optional<error> failed;
};

struct group_listing {
    std::string group;
    std::string state; // librdkafka's name: Stable, Empty, PreparingRebalance, ...
    bool simple = false; // offsets only, no members ever joined
};

struct group_member {
    std::string member_id;
    std::string client_id;
    std::string host;
    std::vector<topic_partition> assignment;
};

struct group_description {
    std::string group;
    std::string state;
    std::string assignor;
    int32_t coordinator = -1;
    std::vector<group_member> members;
};

struct group_status {
    std::string group;
    std::optional<error> failed; // e.g. NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND
};

// A group's position in one partition against the partition's end.
struct partition_lag {
    topic_partition tp;
    int64_t committed = -1; // -1: nothing committed
    int64_t log_end = 0;
    int64_t lag = 0;        // log_end - committed (log_end - log_start when nothing committed)
};

// One config of a topic or broker as DescribeConfigs reports it.
struct config_entry {
    std::string name;
    std::optional<std::string> value; // null when sensitive (or unset without default)
    std::string source;               // librdkafka's names: DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG, ...
    bool read_only = false;
    bool sensitive = false;
    bool is_default = false;
};

enum class config_resource { topic, broker };

class admin {
public:
    static outcome<admin> create(const config& cfg);

    outcome<cluster_info> describe_cluster(int timeout_ms);
    // UNKNOWN_TOPIC_OR_PART (message naming the topic) when it does not exist.
    outcome<topic_info> describe_topic(const std::string& name, int timeout_ms);
    outcome<watermarks> query_watermarks(const topic_partition& tp, int timeout_ms);

    status create_topic(const new_topic& t, int timeout_ms);
    // One status per name, in the given order; the outer error is for the request as a whole.
    outcome<std::vector<topic_status>> delete_topics(const std::vector<std::string>& names, int timeout_ms);

    // Grows `topic` to `total` partitions (CreatePartitions; admin_partitions.cc). Kafka refuses
    // a count at or below the current one with INVALID_PARTITIONS.
    status create_partitions(const std::string& topic, int total, int timeout_ms);
    // Deletes the records of a partition below `before` (DeleteRecords; -1 = the high watermark);
    // returns the partition's new log start offset. OFFSET_OUT_OF_RANGE past the high watermark.
    outcome<int64_t> delete_records(const topic_partition& tp, int64_t before, int timeout_ms);

    outcome<std::vector<group_listing>> list_groups(int timeout_ms);
    // GROUP_ID_NOT_FOUND when the group is unknown to its coordinator (state "Dead").
    outcome<group_description> describe_group(const std::string& group, int timeout_ms);
    // Committed offsets of every partition the group has committed, with log end and lag.
    outcome<std::vector<partition_lag>> group_lag(const std::string& group, int timeout_ms);
    // DeleteGroups: one status per group, in the given order (a group with members fails with
    // NON_EMPTY_GROUP; the others are still deleted).
    outcome<std::vector<group_status>> delete_groups(const std::vector<std::string>& groups, int timeout_ms);
    // Commits `offsets` (absolute) for group from outside it (OffsetCommit with no generation):
    // the broker refuses while the group has members (UNKNOWN_MEMBER_ID / REBALANCE_IN_PROGRESS).
    status alter_group_offsets(const std::string& group, const std::vector<partition_offset>& offsets, int timeout_ms);
    // For each partition of topic, the first offset whose record timestamp is >= timestamp_ms
    // (the partition's end offset when there is none), in the order given (ListOffsets by time).
    outcome<std::vector<int64_t>> offsets_for_time(const std::string& topic, const std::vector<int32_t>& partitions,
                                                   int64_t timestamp_ms, int timeout_ms);

    // Every config of a topic (name) or broker (its id as text), in the broker's order.
    // UNKNOWN_TOPIC_OR_PART (with the broker's message) for a topic that does not exist.
    outcome<std::vector<config_entry>> describe_configs(config_resource kind, const std::string& name, int timeout_ms);
    // AlterConfigs: the resource's dynamic configs become exactly `configs` (a key left out
    // returns to its default). The broker's error (INVALID_CONFIG, ...) comes back with its
    // message. Callers that change single keys read the current ones first (admin_configs.cc).
    status alter_configs(config_resource kind, const std::string& name, const config& configs, int timeout_ms);

    rd_kafka_t* raw() const { return rk_.get(); }

private:
    admin(kafka_handle rk, queue_handle q) : rk_(std::move(rk)), queue_(std::move(q)) {}
    outcome<event_handle> wait(rd_kafka_event_type_t type, int timeout_ms);
    options_handle options(rd_kafka_admin_op_t op, int timeout_ms);

    kafka_handle rk_;
    queue_handle queue_; // declared after rk_: destroyed first, as librdkafka requires
};

} // namespace brook::client
