#pragma once
// What the admin API and /metrics read of the broker, as copies: topics and their partitions'
// offsets and sizes, groups with members, committed offsets and storm signals, and each
// committed offset's lag in records and in seconds. Every function hops to the shards that
// own the state (partition owners, the group coordinator's shard) and returns values, so the
// caller formats them on its own shard with nothing shared.
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/named_type.h"
#include "group/group_coordinator.h"

namespace brook::broker {

class broker;

struct topic_summary {
    std::string name;
    int32_t partitions = 0;
    bool internal = false;
};

struct partition_state {
    int32_t partition = 0;
    int64_t high_watermark = 0;
    int64_t last_stable_offset = 0;
    int64_t log_start_offset = 0;
    uint64_t size_bytes = 0;
    uint64_t segments = 0;
};

struct member_snapshot {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    // topic -> partitions, decoded from the "consumer" protocol assignment; empty for other
    // protocol types or an assignment that does not parse.
    std::map<std::string, std::vector<int32_t>> assignment;
};

struct group_snapshot {
    std::string group_id;
    std::string state; // Kafka's state name
    std::string protocol_type;
    std::optional<std::string> protocol;
    int32_t generation = 0;
    std::optional<std::string> leader;
    std::vector<member_snapshot> members;
    std::vector<std::pair<group::topic_partition, int64_t>> committed; // committed offsets
    group::group_signals signals;
    int64_t rebalance_window_ms = 0; // what signals.rebalances_in_window counts over
};

struct partition_lag {
    int64_t log_end = 0;       // high watermark
    int64_t lag = 0;           // records: log_end - committed, at least 0
    double lag_seconds = 0;    // age of the oldest unconsumed record; 0 when lag is 0
};

// Topics as the controller (shard 0) knows them, sorted by name.
boost::asio::awaitable<std::vector<topic_summary>> list_topics(broker& b);
// The topic's partitions in index order; nullopt for a topic that does not exist.
boost::asio::awaitable<std::optional<std::vector<partition_state>>> describe_topic(broker& b, std::string topic);
// Every group (sorted by id), or only `only` (empty when it does not exist), as of `now`.
boost::asio::awaitable<std::vector<group_snapshot>> snapshot_groups(broker& b, std::optional<std::string> only,
                                                                    timestamp_ms now);
// Lag of each committed offset, in the same order; nullopt where the partition no longer
// exists or the offset is negative (no position).
boost::asio::awaitable<std::vector<std::optional<partition_lag>>> compute_lags(
    broker& b, const std::vector<std::pair<group::topic_partition, int64_t>>& committed, timestamp_ms now);

// Pure parts, exposed for tests.
// The timestamp of the first data record at or after `committed` in `batches` (whole v2
// batches, as partition_log::read returns them from the batch holding `committed`); control
// batches are skipped. nullopt if there is none or the bytes do not decode.
std::optional<timestamp_ms> first_record_timestamp(std::span<const uint8_t> batches, offset committed);
// now - oldest in seconds, never negative; 0 when nothing is unconsumed or the time is unknown.
double lag_seconds(int64_t lag_records, std::optional<timestamp_ms> oldest, timestamp_ms now);
// The "consumer" protocol's assignment (version, [topic, [partition]], user data); empty when
// it does not parse.
std::map<std::string, std::vector<int32_t>> decode_consumer_assignment(std::span<const uint8_t> bytes);

} // namespace brook::broker
