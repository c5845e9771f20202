#pragma once
// Client quotas as Kafka defines them (KIP-13, KIP-55, KIP-124, KIP-546): byte rates and a
// request-time percentage per user and/or client-id, each a name or the default entity.
// Pure values and functions: the AlterClientQuotas checks, DescribeClientQuotas matching, and
// the resolution of the quota that applies to one (user, client-id), in Kafka's precedence:
//   /users/<user>/clients/<client-id>   /users/<user>/clients/<default>   /users/<user>
//   /users/<default>/clients/<client-id> /users/<default>/clients/<default> /users/<default>
//   /clients/<client-id>                /clients/<default>
// The first entity in that order that sets a key gives the bound for that key.
//
// "user" without authentication: Brook has no SASL yet, so every connection is Kafka's
// unauthenticated principal User:ANONYMOUS and its quota user name is `anonymous_user`
// ("ANONYMOUS"). A quota for user ANONYMOUS (or the default user) therefore applies to every
// client; per-user quotas become meaningful once connections authenticate.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error_code.h"
#include "storage/client_quota_store.h"

namespace brook::broker {

inline constexpr std::string_view anonymous_user = "ANONYMOUS";
inline constexpr std::string_view user_entity_type = "user";
inline constexpr std::string_view client_id_entity_type = "client-id";

// The quotas Brook enforces: byte rates, and request_percentage — the share of one shard
// thread's time (percent: 50 = half a thread) a client's requests may take (request_timer.h).
enum class quota_type : uint8_t { produce = 0, fetch = 1, request = 2 };
inline constexpr size_t quota_type_count = 3;
// Kafka's keys: producer_byte_rate, consumer_byte_rate, request_percentage.
std::string_view quota_key(quota_type t);
std::optional<quota_type> quota_type_of(std::string_view key);
// The /metrics label: produce, fetch, request.
std::string_view quota_label(quota_type t);

// A stored entity: type -> name, nullopt = the default entity of that type.
using quota_entity = storage::quota_entity_parts;
// "user=alice,client-id=<default>" for messages and logs.
std::string describe_entity(const quota_entity& e);

// Why a request part is refused: the Kafka error and a message saying what to fix.
struct quota_rejection {
    error_code error = error_code::invalid_request;
    std::string message;
};

// AlterClientQuotas, one entry: the entity as sent and its ops.
struct quota_op {
    std::string key;
    double value = 0;
    bool remove = false;
};
// nullopt when the entity (types user / client-id, each once, at least one) and the ops (known
// keys, each once, values > 0: whole numbers for the byte rates, any finite number for
// request_percentage, as Kafka) are acceptable.
std::optional<quota_rejection> check_alter(const quota_entity& entity, const std::vector<quota_op>& ops);
// Applies checked ops to `entries` (an entity left without values is dropped).
void apply_alter(std::vector<storage::client_quota_entry>& entries, const quota_entity& entity,
                 const std::vector<quota_op>& ops);

// DescribeClientQuotas filter component (MatchType 0 exact name, 1 default entity, 2 any).
struct quota_filter_component {
    std::string entity_type;
    int8_t match_type = 0;
    std::optional<std::string> match;
};
std::optional<quota_rejection> check_filter(const std::vector<quota_filter_component>& components);
// Kafka's match: every component matches the entity's part of its type; with `strict` the
// entity has no other parts, without it may have more.
bool filter_matches(const std::vector<quota_filter_component>& components, bool strict, const quota_entity& entity);

// The quota for one key that applies to (user, client-id), and the entity it is counted for:
// Kafka's metric tags, the actual user and/or client-id where the matched entity has that
// part ("" where it has not), so a default client-id quota gives every client-id its own
// budget while a user quota is shared by all that user's client-ids.
struct resolved_quota {
    double bound = 0;
    std::string user_tag;
    std::string client_tag;
};
std::optional<resolved_quota> resolve_quota(const std::vector<storage::client_quota_entry>& entries, quota_type t,
                                            std::string_view user, std::string_view client_id);

} // namespace brook::broker
