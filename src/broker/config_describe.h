#pragma once
// What DescribeConfigs (and CreateTopics v5+) report for a topic or for the broker: each
// config's value, its source as Kafka numbers them, its synonyms (the same setting at each
// level it can be set, highest precedence first), type and documentation.
//
// Pure functions over a shard's snapshots (topic_info, dynamic_config) and the static config.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/dynamic_config.h"
#include "broker/topic_table.h"

namespace brook::broker {

// Kafka's ConfigSource codes.
enum class config_source : int8_t {
    unknown = 0,
    dynamic_topic = 1,
    dynamic_broker = 2,
    dynamic_default_broker = 3,
    static_broker = 4,
    default_config = 5,
};

struct config_synonym {
    std::string name;
    std::optional<std::string> value;
    config_source source;
};

struct described_config {
    std::string name;
    std::optional<std::string> value;
    config_source source = config_source::default_config;
    bool read_only = false;
    bool sensitive = false;
    config::config_type type = config::config_type::string;
    std::string doc;
    std::vector<config_synonym> synonyms; // the entry itself first, as Kafka lists them
};

// Every topic config (keys in topic_properties() order, then any stored key the table no
// longer knows, as DYNAMIC_TOPIC_CONFIG strings).
std::vector<described_config> describe_topic_configs(const topic_info& t, const dynamic_config& dyn,
                                                     const config::broker_config& statics);
// Every broker property for resource "<node id>"; for resource "" (cluster_default) only the
// cluster-wide dynamic entries, as Kafka does.
std::vector<described_config> describe_broker_configs(const dynamic_config& dyn, const config::broker_config& statics,
                                                      bool cluster_default);

} // namespace brook::broker
