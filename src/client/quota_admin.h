#pragma once
// Client quota administration (DescribeClientQuotas, AlterClientQuotas; KIP-546) over the
// Kafka protocol, for any broker that serves them (Apache Kafka 2.6+, Redpanda, Brook).
// librdkafka 2.0.2 has no API for these, so they go through kafka_connection. Plain values in,
// plain values out: callers see no protocol types. One thread owns a quota_admin.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/error.h"

namespace brook::client {

// One part of a quota entity: type "user" or "client-id" (Kafka's names), and a name or, when
// empty (nullopt), the default entity of that type.
struct quota_entity_part {
    std::string type;
    std::optional<std::string> name;
};

// DescribeClientQuotas filter component: the entity of this type named `name` (exact), the
// type's default entity, or any entity that has this type.
struct quota_filter_part {
    enum class match { exact, default_entity, any };
    std::string type;
    match how = match::exact;
    std::string name; // exact only
};

struct quota_entry {
    std::vector<quota_entity_part> entity;
    std::vector<std::pair<std::string, double>> values; // key -> value, as the broker sent them
};

// One AlterClientQuotas op: set `key` to `value`, or remove it (nullopt).
struct quota_change {
    std::string key;
    std::optional<double> value;
};

class quota_admin {
public:
    // Reaches a broker of `brokers` ("host:port[,...]") and checks it serves both APIs;
    // error::unreachable when none answers, UNSUPPORTED_VERSION (35) naming the API when the
    // broker does not serve it.
    static outcome<quota_admin> connect(const std::string& brokers, int timeout_ms);
    quota_admin(quota_admin&&) noexcept;
    quota_admin& operator=(quota_admin&&) noexcept;
    ~quota_admin();

    // Entities matching every part of `filter` (strict: and no other part) with their quotas.
    outcome<std::vector<quota_entry>> describe(const std::vector<quota_filter_part>& filter, bool strict, int timeout_ms);
    // Applies `changes` to one entity (validate_only: the broker checks, nothing changes). A
    // broker refusal comes back with its Kafka error code and message.
    status alter(const std::vector<quota_entity_part>& entity, const std::vector<quota_change>& changes,
                 bool validate_only, int timeout_ms);

private:
    struct impl;
    explicit quota_admin(std::unique_ptr<impl> i);
    std::unique_ptr<impl> impl_;
};

} // namespace brook::client
