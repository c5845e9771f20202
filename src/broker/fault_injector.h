#pragma once
// Fault injection for client developers (admin API /v1/faults, docs/architecture.md): faults
// that make matching Kafka requests fail with a chosen error code, for the next N requests
// or until removed, optionally only for one topic, partition or client id, with a
// probability.
//
// One fault_injector per broker, shared by every shard: faults are added and removed by the
// admin API on any shard and consulted by the Produce and Fetch handlers on every shard, so
// its state sits behind a mutex. The handlers first call armed(), one relaxed atomic load,
// and take the lock only while a fault can still fire: with no fault armed the data path
// pays that load and nothing else.
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

struct fault_spec {
    int16_t api_key = 0;
    error_code error = error_code::unknown_server_error;
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

// The APIs faults may target (by key), and the parse of a POST /v1/faults body: a spec, or
// a message saying what is wrong with the input (for a 400).
bool injectable_api(int16_t api_key);
std::variant<fault_spec, std::string> parse_fault_spec(const nlohmann::json& body);
nlohmann::json fault_json(const fault& f);

class fault_injector {
public:
    // One partition of a request, as the handler sees it.
    struct target {
        std::string_view topic;
        int32_t partition = 0;
    };

    // Cheap: whether any fault can still fire (relaxed: a fault added concurrently with a
    // request may or may not apply to it, as with any race against the admin API).
    bool armed() const { return armed_.load(std::memory_order_relaxed) > 0; }

    // For a request of `api_key` from `client_id` touching `targets`: the injected error per
    // target (none where no fault applies), or an empty vector when nothing fired.
    std::vector<error_code> inject(int16_t api_key, std::string_view client_id, std::span<const target> targets);

    fault add(fault_spec spec);
    std::vector<fault> list() const;
    std::optional<fault> remove(uint64_t id);
    size_t clear();
    // Firings by (API key, error), kept after a fault is removed (brook_faults_injected_total).
    std::map<std::pair<int16_t, error_code>, uint64_t> injected_totals() const;

private:
    void recount_armed(); // under mu_

    std::atomic<int> armed_{0};
    mutable std::mutex mu_;
    std::vector<fault> faults_; // by id
    uint64_t next_id_ = 1;
    std::map<std::pair<int16_t, error_code>, uint64_t> totals_;
};

} // namespace brook::broker
