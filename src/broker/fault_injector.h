#pragma once
// Fault injection for client developers (admin API /v1/faults, docs/architecture.md): faults
// that make matching Kafka requests fail with a chosen error code, have their response held
// for a while, or have their connection closed, for the next N requests or until removed,
// optionally only for one topic, partition or client id, with a probability.
//
// One fault_injector per broker, shared by every shard: faults are added and removed by the
// admin API on any shard and consulted by the dispatcher (every API) and the Produce and
// Fetch handlers (per-partition errors) on every shard, so its state sits behind a mutex.
// The dispatcher first calls armed(), one relaxed atomic load, and takes the lock only while
// a fault can still fire: with no fault armed the data path pays that load and nothing else
// (the handlers see the dispatcher's answer in request_context::faults_armed).
//
// Counting is per request: a fault fires at most once per request, and then every partition
// of that request it matches gets its error (one firing, one unit of `count`).
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error_code.h"

namespace brook::broker {

// What a firing fault does to the request: answer it with `error`, hold its response for
// `delay_ms` (later responses on the connection wait behind it, as Kafka orders them), or
// close its connection instead of answering.
enum class fault_action { error, delay, close_connection };
std::string_view fault_action_name(fault_action a);

struct fault_spec {
    int16_t api_key = 0;
    fault_action action = fault_action::error;
    error_code error = error_code::unknown_server_error; // action error only
    int64_t delay_ms = 0;                                // action delay only
    std::optional<std::string> topic;
    std::optional<int32_t> partition;
    std::optional<std::string> client_id;
    std::optional<int64_t> count; // nullopt: unlimited
    double probability = 1.0;
};

struct fault {
    uint64_t id = 0;
    fault_spec spec;
    uint64_t fired = 0;
    // Still able to fire: count not used up.
    bool armed() const { return !spec.count || static_cast<int64_t>(fired) < *spec.count; }
};

// What the broker can do for an API: every served API can be delayed or have its connection
// closed; an error needs a place in the API's response (error_injectable_api); the topic
// and partition filters need the request to name topics and partitions.
bool error_injectable_api(int16_t api_key);
// Produce and Fetch: their handlers place errors per partition (fault_injector::inject).
bool per_partition_error_api(int16_t api_key);
bool topic_filterable_api(int16_t api_key);
bool partition_filterable_api(int16_t api_key);
// The parse of a POST /v1/faults body: a spec, or a message saying what is wrong with the
// input (for a 400).
std::variant<fault_spec, std::string> parse_fault_spec(const nlohmann::json& body);
nlohmann::json fault_json(const fault& f);

class fault_injector {
public:
    // One partition of a request, as the handler sees it (partition -1: the request names
    // the topic only).
    struct target {
        std::string_view topic;
        int32_t partition = 0;
    };

    // A fault that fired for a whole request (decide()).
    struct decision {
        uint64_t fault_id = 0;
        fault_action action = fault_action::error;
        error_code error = error_code::none;
        int64_t delay_ms = 0;
    };

    // Cheap: whether any fault can still fire (relaxed: a fault added concurrently with a
    // request may or may not apply to it, as with any race against the admin API).
    bool armed() const { return armed_.load(std::memory_order_relaxed) > 0; }

    // For a request of `api_key` from `client_id` touching `targets`: the injected error per
    // target (none where no fault applies), or an empty vector when nothing fired.
    // Only error faults of per-partition APIs (Produce, Fetch) take part.
    std::vector<error_code> inject(int16_t api_key, std::string_view client_id, std::span<const target> targets);

    // For a request of `api_key` from `client_id` naming `targets` (empty for APIs without
    // topics): the first armed fault that fires for it, if any. Error faults of Produce and
    // Fetch are left to inject().
    std::optional<decision> decide(int16_t api_key, std::string_view client_id, std::span<const target> targets);

    fault add(fault_spec spec);
    std::vector<fault> list() const;
    std::optional<fault> remove(uint64_t id);
    size_t clear();
    // Firings by (API key, error), kept after a fault is removed (brook_faults_injected_total).
    std::map<std::pair<int16_t, error_code>, uint64_t> injected_totals() const;
    // Delays and closed connections by (API key, action) (brook_faults_disruptions_total).
    std::map<std::pair<int16_t, fault_action>, uint64_t> disruption_totals() const;

private:
    void recount_armed(); // under mu_

    std::atomic<int> armed_{0};
    mutable std::mutex mu_;
    std::vector<fault> faults_; // by id
    uint64_t next_id_ = 1;
    std::map<std::pair<int16_t, error_code>, uint64_t> totals_;
    std::map<std::pair<int16_t, fault_action>, uint64_t> disruptions_;
};

} // namespace brook::broker
