#pragma once
// Client quota enforcement, as Kafka does it (KIP-13, KIP-219): each (quota type, user tag,
// client-id tag) has a rate sensor over quota.window.num sampled windows of
// quota.window.size.seconds; a request records its bytes (Produce: the request's size; Fetch:
// the response's) or, for request_percentage, its shard-thread time in microseconds, and, when the measured rate is above the bound, gets
//   throttle_time_ms = (rate - bound) / bound * measured window
// (at most the whole sampled span): how long the client must stay silent for the rate to be
// back at the bound. The response carries it and the connection is muted for that long.
//
// Shared by every shard. The hot path takes no lock: a connection keeps the sensors that
// apply to it (`connection_quotas`) and re-resolves them only when the quota set's version
// changed (one relaxed atomic load per request); a sensor's windows are atomics updated with
// one compare-and-swap. With no quota configured a request pays one relaxed load.
// The mutex guards the quota set and the sensor registry: taken on AlterClientQuotas,
// DescribeClientQuotas and when a connection resolves its sensors.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "broker/client_quotas.h"

namespace brook::broker {

// A rate over `samples` windows of `window_ms`, recorded from any thread without a lock. Each
// window is a 64-bit atomic (window number mod 2^24, amount in 40 bits; plus its first record's
// time): a record into a window that has moved on starts it afresh in one compare-and-swap.
class rate_sensor {
public:
    rate_sensor(int samples, int64_t window_ms);
    // Adds `amount` (may be negative: an unrecorded amount, never below 0) at `now_ms`.
    void record(int64_t amount, int64_t now_ms);
    struct measure {
        double per_second = 0;
        int64_t window_ms = 0; // the span the rate is over (Kafka's Rate.windowSize)
    };
    measure measure_at(int64_t now_ms) const;
    // How long (ms) to stay silent for the rate to fall back to `bound`; 0 when within it.
    int64_t throttle_ms(double bound, int64_t now_ms) const;
    // Nothing recorded within the sampled span before `now_ms`: the sensor measures exactly
    // what a new one would.
    bool idle_at(int64_t now_ms) const { return measure_at(now_ms).window_ms == 0; }

private:
    static constexpr int value_bits = 40;
    static constexpr uint64_t value_mask = (uint64_t{1} << value_bits) - 1;
    static constexpr uint64_t epoch_mask = (uint64_t{1} << (64 - value_bits)) - 1;
    int samples_;
    int64_t window_ms_;
    std::unique_ptr<std::atomic<uint64_t>[]> slots_;
};

// request_percentage's sensors count microseconds of shard-thread time; one percent of a
// thread is 10 000 us per second.
inline constexpr double request_us_per_percent = 10'000.0;

// One sensor that applies to a connection, with its bound (in the sensor's unit per second).
struct quota_binding {
    std::shared_ptr<rate_sensor> sensor;
    double bound = 0;
};

// What one connection keeps (on its shard): the sensors resolved for its client-id at a
// version of the quota set.
struct connection_quotas {
    uint64_t version = 0; // 0: never resolved (the manager's versions start at 1)
    std::string client_id;
    std::array<std::optional<quota_binding>, quota_type_count> bindings;
};

class quota_manager {
public:
    // quota.window.num, quota.window.size.seconds.
    void configure(int samples, int64_t window_ms);
    int samples() const { return samples_; }
    int64_t window_ms() const { return window_ms_; }

    // The quota set: replaced whole by the controller (after persisting it), read by Describe.
    void replace(std::vector<storage::client_quota_entry> entries);
    std::vector<storage::client_quota_entry> entries() const;

    // Whether any quota is set: the one load a request pays when none is.
    bool active() const { return active_.load(std::memory_order_relaxed); }

    // Records `amount` for the client's quota of type `t` and returns the throttle time (ms,
    // 0 when within the quota or when no quota applies). Shard thread of the connection.
    int64_t record(connection_quotas& c, std::string_view client_id, quota_type t, int64_t amount, int64_t now_ms);
    // Whether a quota of type `t` applies to the client (resolving its sensors if needed).
    bool binds(connection_quotas& c, std::string_view client_id, quota_type t);
    // The throttle time right now without recording anything: > 0 while the client is over its
    // quota (its sensors as last resolved).
    int64_t current_throttle(const connection_quotas& c, quota_type t, int64_t now_ms) const;
    // The most a quota of type `t` lets the client take within one sampled span (bound x
    // (samples - 1) x window; Kafka's getMaxValueInQuotaWindow), or nullopt when no quota
    // applies. Fetch caps its MaxBytes at it: a response larger than that would be throttled
    // and answered empty forever.
    std::optional<int64_t> window_limit(connection_quotas& c, std::string_view client_id, quota_type t);
    // Takes back an amount recorded by `record` (a Fetch answered empty because it was throttled).
    void unrecord(const connection_quotas& c, quota_type t, int64_t amount, int64_t now_ms);

    // Sensors in the registry (tests, and to watch the expiry).
    size_t sensor_count() const;

    static int64_t now_ms() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }

private:
    void resolve(connection_quotas& c, std::string_view client_id, int64_t now_ms);
    void expire_idle_sensors(int64_t now_ms);

    int samples_ = 11;
    int64_t window_ms_ = 1000;
    std::atomic<bool> active_{false};
    std::atomic<uint64_t> version_{1};
    mutable std::mutex mu_;
    std::vector<storage::client_quota_entry> entries_;
    // (type, user tag, client-id tag) -> sensor. A client that reconnects finds its history
    // here. A sensor no connection holds and with nothing recorded within the sampled span is
    // dropped (at most once a span, on a resolve): it measures what a new one would, so unlike
    // Kafka's hour-long idle expiry this changes no throttle, and a default client-id quota
    // over ever-new client ids does not grow the registry without bound.
    std::map<std::tuple<quota_type, std::string, std::string>, std::shared_ptr<rate_sensor>> sensors_;
    int64_t last_expiry_ms_ = 0;
};

} // namespace brook::broker
