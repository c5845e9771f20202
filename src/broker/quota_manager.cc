#include "broker/quota_manager.h"

#include <algorithm>
#include <cmath>

namespace brook::broker {

// slots_ holds two atomics per window: [2i] (window number << 40 | amount) and [2i + 1] the
// time of the window's first record. Kafka's samples start at their first record, not on a
// window boundary; measuring from the boundary would let a new client send up to one window
// more than the quota in its first span.
rate_sensor::rate_sensor(int samples, int64_t window_ms)
    : samples_(std::max(samples, 1)),
      window_ms_(std::max<int64_t>(window_ms, 1)),
      slots_(std::make_unique<std::atomic<uint64_t>[]>(2 * static_cast<size_t>(samples_))) {
    for (int i = 0; i < 2 * samples_; ++i) slots_[i].store(0, std::memory_order_relaxed);
}

void rate_sensor::record(int64_t amount, int64_t now_ms) {
    const int64_t window = now_ms / window_ms_;
    const uint64_t epoch = static_cast<uint64_t>(window) & epoch_mask;
    const size_t at = 2 * static_cast<size_t>(window % samples_);
    auto& slot = slots_[at];
    uint64_t old = slot.load(std::memory_order_relaxed);
    for (;;) {
        const bool same = (old >> value_bits) == epoch;
        const int64_t before = same ? static_cast<int64_t>(old & value_mask) : 0;
        const int64_t after = std::clamp<int64_t>(before + amount, 0, static_cast<int64_t>(value_mask));
        const uint64_t next = (epoch << value_bits) | static_cast<uint64_t>(after);
        if (slot.compare_exchange_weak(old, next, std::memory_order_relaxed)) {
            if (!same) slots_[at + 1].store(static_cast<uint64_t>(now_ms), std::memory_order_relaxed);
            return;
        }
    }
}

rate_sensor::measure rate_sensor::measure_at(int64_t now_ms) const {
    const int64_t window = now_ms / window_ms_;
    int64_t total = 0, oldest_age = -1, oldest_first = 0;
    for (int i = 0; i < samples_; ++i) {
        const uint64_t v = slots_[2 * static_cast<size_t>(i)].load(std::memory_order_relaxed);
        const uint64_t epoch = v >> value_bits;
        const int64_t age = static_cast<int64_t>((static_cast<uint64_t>(window) - epoch) & epoch_mask);
        if (age >= samples_ || (v & value_mask) == 0) continue; // obsolete or empty
        total += static_cast<int64_t>(v & value_mask);
        if (age > oldest_age) {
            oldest_age = age;
            oldest_first = static_cast<int64_t>(slots_[2 * static_cast<size_t>(i) + 1].load(std::memory_order_relaxed));
        }
    }
    if (oldest_age < 0) return {0, 0};
    // Kafka's Rate.windowSize: from the start of the oldest sample (its first record; the
    // window's boundary if that time was not stored yet by a racing recorder) to now, but never
    // less than samples - 1 whole windows, so a client's first burst is spread over the span.
    const int64_t boundary = (window - oldest_age) * window_ms_;
    const int64_t start = oldest_first >= boundary && oldest_first < boundary + window_ms_ ? oldest_first : boundary;
    int64_t elapsed = now_ms - start;
    const int64_t full = elapsed / window_ms_;
    if (full < samples_ - 1) elapsed += (samples_ - 1 - full) * window_ms_;
    elapsed = std::max<int64_t>(elapsed, 1); // one window of one sample, read at its first record
    return {static_cast<double>(total) * 1000.0 / static_cast<double>(elapsed), elapsed};
}

int64_t rate_sensor::throttle_ms(double bound, int64_t now_ms) const {
    const auto m = measure_at(now_ms);
    if (bound <= 0 || m.per_second <= bound) return 0;
    const double ms = (m.per_second - bound) / bound * static_cast<double>(m.window_ms);
    return std::clamp<int64_t>(std::llround(ms), 0, samples_ * window_ms_);
}

void quota_manager::configure(int samples, int64_t window_ms) {
    samples_ = std::max(samples, 1);
    window_ms_ = std::max<int64_t>(window_ms, 1);
}

void quota_manager::replace(std::vector<storage::client_quota_entry> entries) {
    std::lock_guard lock(mu_);
    entries_ = std::move(entries);
    active_.store(!entries_.empty(), std::memory_order_relaxed);
    version_.fetch_add(1, std::memory_order_release);
}

std::vector<storage::client_quota_entry> quota_manager::entries() const {
    std::lock_guard lock(mu_);
    return entries_;
}

size_t quota_manager::sensor_count() const {
    std::lock_guard lock(mu_);
    return sensors_.size();
}

// Under mu_. use_count() == 1 means only the registry holds the sensor: connections get theirs
// from here under the same lock, so none can pick it up while this runs.
void quota_manager::expire_idle_sensors(int64_t now_ms) {
    if (now_ms - last_expiry_ms_ < samples_ * window_ms_) return;
    last_expiry_ms_ = now_ms;
    std::erase_if(sensors_, [now_ms](const auto& kv) { return kv.second.use_count() == 1 && kv.second->idle_at(now_ms); });
}

void quota_manager::resolve(connection_quotas& c, std::string_view client_id, int64_t now_ms) {
    std::lock_guard lock(mu_);
    expire_idle_sensors(now_ms);
    c.version = version_.load(std::memory_order_acquire);
    c.client_id.assign(client_id);
    for (size_t i = 0; i < quota_type_count; ++i) {
        const auto t = static_cast<quota_type>(i);
        auto q = resolve_quota(entries_, t, anonymous_user, client_id);
        if (!q) {
            c.bindings[i].reset();
            continue;
        }
        auto& sensor = sensors_[{t, q->user_tag, q->client_tag}];
        if (!sensor) sensor = std::make_shared<rate_sensor>(samples_, window_ms_);
        // request_percentage is recorded in microseconds of shard-thread time, so its bound in
        // the sensor's unit (per second) is percent x 10 000: 100 % = 1 000 000 us per second.
        const double bound = t == quota_type::request ? q->bound * request_us_per_percent : q->bound;
        c.bindings[i] = quota_binding{sensor, bound};
    }
}

int64_t quota_manager::record(connection_quotas& c, std::string_view client_id, quota_type t, int64_t amount,
                              int64_t now_ms) {
    if (c.version != version_.load(std::memory_order_acquire) || c.client_id != client_id) resolve(c, client_id, now_ms);
    const auto& b = c.bindings[static_cast<size_t>(t)];
    if (!b) return 0;
    b->sensor->record(amount, now_ms);
    return b->sensor->throttle_ms(b->bound, now_ms);
}

bool quota_manager::binds(connection_quotas& c, std::string_view client_id, quota_type t) {
    if (c.version != version_.load(std::memory_order_acquire) || c.client_id != client_id) resolve(c, client_id, now_ms());
    return c.bindings[static_cast<size_t>(t)].has_value();
}

int64_t quota_manager::current_throttle(const connection_quotas& c, quota_type t, int64_t now_ms) const {
    const auto& b = c.bindings[static_cast<size_t>(t)];
    return b ? b->sensor->throttle_ms(b->bound, now_ms) : 0;
}

std::optional<int64_t> quota_manager::window_limit(connection_quotas& c, std::string_view client_id, quota_type t) {
    if (c.version != version_.load(std::memory_order_acquire) || c.client_id != client_id) resolve(c, client_id, now_ms());
    const auto& b = c.bindings[static_cast<size_t>(t)];
    if (!b) return std::nullopt;
    const double limit = b->bound * static_cast<double>(samples_ - 1) * static_cast<double>(window_ms_) / 1000.0;
    return static_cast<int64_t>(std::min(limit, static_cast<double>(INT32_MAX)));
}

void quota_manager::unrecord(const connection_quotas& c, quota_type t, int64_t amount, int64_t now_ms) {
    if (const auto& b = c.bindings[static_cast<size_t>(t)]) b->sensor->record(-amount, now_ms);
}

} // namespace brook::broker
