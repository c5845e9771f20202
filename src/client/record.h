#pragma once
// The record as the client layer sees it, produced or consumed: plain values, no librdkafka
// memory behind them, so a consumed record outlives the poll that returned it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace brook::client {

// Kafka headers may repeat a key and may have a null value.
struct header {
    std::string key;
    std::optional<std::string> value;
};

struct record {
    std::string topic;
    int32_t partition = -1;           // -1 on produce: let the partitioner choose
    int64_t offset = -1;              // set on consume and on delivery
    int64_t timestamp_ms = -1;        // -1: none (produce: the client's clock)
    std::optional<std::string> key;   // nullopt is a null key, distinct from ""
    std::optional<std::string> value; // nullopt is a tombstone
    std::vector<header> headers;
};

struct topic_partition {
    std::string topic;
    int32_t partition = 0;
    friend bool operator==(const topic_partition&, const topic_partition&) = default;
    friend auto operator<=>(const topic_partition&, const topic_partition&) = default;
};

// librdkafka's logical offsets, usable wherever a start offset is taken.
inline constexpr int64_t offset_beginning = -2;
inline constexpr int64_t offset_end = -1;
inline constexpr int64_t offset_stored = -1000; // the group's committed offset

struct partition_offset {
    topic_partition tp;
    int64_t offset = offset_beginning; // absolute, or offset_beginning / offset_end / offset_stored
};

// A group's committed offset of one partition with the metadata string committed along with it.
struct committed_offset {
    topic_partition tp;
    int64_t offset = -1001; // RD_KAFKA_OFFSET_INVALID: nothing committed
    std::string metadata;
};

// A consumer group member's identity as librdkafka serializes it
// (rd_kafka_consumer_group_metadata_write): a plain value that can be kept and copied, read
// back by producer::send_offsets_to_transaction.
struct group_metadata {
    std::string bytes;
};

} // namespace brook::client
