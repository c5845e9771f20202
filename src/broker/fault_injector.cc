#include "broker/fault_injector.h"

#include <algorithm>
#include <cctype>
#include <random>

#include "config/broker_config.h"
#include "protocol/api_table.h"

namespace brook::broker {
namespace {

using nlohmann::json;

constexpr int16_t produce_key = 0;
constexpr int16_t fetch_key = 1;

const protocol::api_info* api_by_name(std::string_view name) {
    for (const auto& a : protocol::served_apis())
        if (std::equal(a.name.begin(), a.name.end(), name.begin(), name.end(),
                       [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) ==
                                                   std::tolower(static_cast<unsigned char>(y)); }))
            return &a;
    return nullptr;
}

// Whether `roll` in [0,1) falls under p: p = 1 always fires, p = 0 never.
bool roll(double p) {
    if (p >= 1.0) return true;
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p;
}

} // namespace

std::string_view fault_action_name(fault_action a) {
    switch (a) {
    case fault_action::error: return "error";
    case fault_action::delay: return "delay";
    case fault_action::close_connection: return "close_connection";
    }
    return "error";
}

// These sets mirror the dispatcher (broker/fault_dispatch.h): the APIs whose responses it
// can put an injected error into, and whose requests it reads topics (and partitions) from.
bool error_injectable_api(int16_t k) {
    static constexpr int16_t keys[] = {0, 1, 2, 8, 10, 11, 12, 13, 14, 16, 18, 22, 25, 26, 28, 47, 66};
    return std::find(std::begin(keys), std::end(keys), k) != std::end(keys);
}
bool per_partition_error_api(int16_t k) { return k == produce_key || k == fetch_key; }
bool topic_filterable_api(int16_t k) {
    static constexpr int16_t keys[] = {0, 1, 2, 3, 8, 19, 20, 24, 28, 47, 61};
    return std::find(std::begin(keys), std::end(keys), k) != std::end(keys);
}
bool partition_filterable_api(int16_t k) { return topic_filterable_api(k) && k != 3 && k != 19 && k != 20; }

namespace {

constexpr int64_t max_delay_ms = 300'000;

std::optional<std::string> parse_error_name(const json& v, fault_spec& s) {
    if (!v.is_string()) return std::string("'error' must be a Kafka error name such as \"NOT_LEADER_OR_FOLLOWER\"");
    auto error_name_in = v.get<std::string>();
    std::string upper = error_name_in;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const auto e = error_from_name(upper);
    if (!e) return "unknown error name '" + error_name_in + "': not a Kafka error code name";
    if (*e == error_code::none) return std::string("error 'NONE' is not an error");
    s.error = *e;
    return std::nullopt;
}

// The action and its one parameter: `action` may be left out where `error` or `delay_ms`
// says it; a fault does one thing, so the other action's parameter is refused.
std::optional<std::string> parse_action(const json& body, fault_spec& s, const protocol::api_info& api) {
    const bool has_error = body.contains("error"), has_delay = body.contains("delay_ms");
    if (body.contains("action")) {
        const auto& a = body["action"];
        const std::string name = a.is_string() ? a.get<std::string>() : a.dump();
        if (name == "error") s.action = fault_action::error;
        else if (name == "delay") s.action = fault_action::delay;
        else if (name == "close_connection") s.action = fault_action::close_connection;
        else return "unknown action '" + name + "' (actions: error, delay, close_connection)";
    } else if (has_error && has_delay) {
        return std::string("'error' and 'delay_ms' exclude each other: a fault either fails a request or delays it");
    } else if (has_error || !has_delay) {
        s.action = fault_action::error;
    } else {
        s.action = fault_action::delay;
    }
    const auto action = std::string(fault_action_name(s.action));
    if (has_error && s.action != fault_action::error)
        return "'error' and action '" + action + "' exclude each other: " +
               (s.action == fault_action::close_connection ? "a closed connection carries no error code"
                                                            : "a fault either fails a request or delays it");
    if (has_delay && s.action != fault_action::delay)
        return "'delay_ms' and action '" + action + "' exclude each other: a fault does one thing";
    switch (s.action) {
    case fault_action::error:
        if (!has_error)
            return std::string("'error' is required (a Kafka error name such as \"NOT_LEADER_OR_FOLLOWER\"), "
                               "or 'delay_ms', or \"action\": \"close_connection\"");
        if (!error_injectable_api(api.api_key))
            return "errors cannot be injected into " + std::string(api.name) +
                   ": the broker has no place for an error code in its response; use \"delay_ms\" or "
                   "\"action\": \"close_connection\"";
        return parse_error_name(body["error"], s);
    case fault_action::delay: {
        if (!has_delay) return std::string("action 'delay' needs 'delay_ms'");
        const auto& d = body["delay_ms"];
        if (!d.is_number_integer() || (d.is_number_unsigned() && d.get<uint64_t>() > INT64_MAX) || d.get<int64_t>() < 0 ||
            d.get<int64_t>() > max_delay_ms)
            return "'delay_ms' must be an integer within [0, " + std::to_string(max_delay_ms) + "]";
        s.delay_ms = d.get<int64_t>();
        return std::nullopt;
    }
    case fault_action::close_connection: return std::nullopt;
    }
    return std::nullopt;
}

} // namespace

std::variant<fault_spec, std::string> parse_fault_spec(const json& body) {
    if (!body.is_object()) return std::string("the body must be a JSON object, e.g. {\"api\": \"Produce\", \"error\": \"NOT_LEADER_OR_FOLLOWER\"}");
    static constexpr std::string_view known[] = {"api", "action", "error", "delay_ms", "topic", "partition", "client_id", "count", "probability"};
    for (const auto& [k, v] : body.items())
        if (std::find(std::begin(known), std::end(known), k) == std::end(known))
            return "unknown field '" + k + "' (fields: api, action, error, delay_ms, topic, partition, client_id, count, probability)";
    fault_spec s;
    if (!body.contains("api") || !body["api"].is_string()) return std::string("'api' is required: a Kafka API name such as \"Produce\"");
    const auto api_name = body["api"].get<std::string>();
    const auto* api = api_by_name(api_name);
    if (!api) return "unknown api '" + api_name + "': not a Kafka API this broker serves";
    s.api_key = api->api_key;
    if (auto msg = parse_action(body, s, *api)) return *msg;
    if (body.contains("topic")) {
        if (!topic_filterable_api(api->api_key))
            return "'topic' does not apply to " + std::string(api->name) + ": its requests name no topics";
        if (!body["topic"].is_string()) return std::string("'topic' must be a string");
        s.topic = body["topic"].get<std::string>();
        if (!config::is_valid_topic_name(*s.topic)) return "'topic': '" + *s.topic + "' is not a valid topic name";
    }
    if (body.contains("partition")) {
        if (!partition_filterable_api(api->api_key))
            return "'partition' does not apply to " + std::string(api->name) + ": its requests name no partitions";
        const auto& p = body["partition"];
        if (!p.is_number_integer() || p.get<int64_t>() < 0 || p.get<int64_t>() > INT32_MAX)
            return std::string("'partition' must be an integer >= 0");
        s.partition = static_cast<int32_t>(p.get<int64_t>());
    }
    if (body.contains("client_id")) {
        if (!body["client_id"].is_string()) return std::string("'client_id' must be a string");
        s.client_id = body["client_id"].get<std::string>();
    }
    if (body.contains("count")) {
        const auto& c = body["count"];
        // unsigned values past INT64_MAX are refused too (is_number_integer holds for them).
        if (!c.is_number_integer() || (c.is_number_unsigned() && c.get<uint64_t>() > INT64_MAX) || c.get<int64_t>() < 1)
            return std::string("'count' must be an integer >= 1 (leave it out for no limit)");
        s.count = c.get<int64_t>();
    }
    if (body.contains("probability")) {
        const auto& p = body["probability"];
        if (!p.is_number() || !(p.get<double>() >= 0.0 && p.get<double>() <= 1.0))
            return std::string("'probability' must be a number within [0, 1]");
        s.probability = p.get<double>();
    }
    return s;
}

json fault_json(const fault& f) {
    const auto* api = protocol::find_api(f.spec.api_key);
    const auto& s = f.spec;
    return {{"id", f.id},
            {"api", api ? std::string(api->name) : std::to_string(s.api_key)},
            {"action", std::string(fault_action_name(s.action))},
            {"error", s.action == fault_action::error ? json(std::string(error_name(s.error))) : json(nullptr)},
            {"error_code", s.action == fault_action::error ? json(to_wire(s.error)) : json(nullptr)},
            {"delay_ms", s.action == fault_action::delay ? json(s.delay_ms) : json(nullptr)},
            {"topic", s.topic ? json(*s.topic) : json(nullptr)},
            {"partition", s.partition ? json(*s.partition) : json(nullptr)},
            {"client_id", s.client_id ? json(*s.client_id) : json(nullptr)},
            {"count", s.count ? json(*s.count) : json(nullptr)},
            {"remaining", s.count ? json(std::max<int64_t>(0, *s.count - static_cast<int64_t>(f.fired))) : json(nullptr)},
            {"probability", s.probability},
            {"fired", f.fired},
            {"armed", f.armed()}};
}

std::vector<error_code> fault_injector::inject(int16_t api_key, std::string_view client_id,
                                               std::span<const target> targets) {
    std::vector<error_code> out;
    std::lock_guard lock(mu_);
    bool exhausted = false;
    for (auto& f : faults_) {
        const auto& s = f.spec;
        if (s.api_key != api_key || s.action != fault_action::error || !f.armed()) continue;
        if (s.client_id && *s.client_id != client_id) continue;
        auto matches = [&s](const target& t) {
            return (!s.topic || *s.topic == t.topic) && (!s.partition || *s.partition == t.partition);
        };
        if (std::none_of(targets.begin(), targets.end(), matches) || !roll(s.probability)) continue;
        if (out.empty()) out.assign(targets.size(), error_code::none);
        bool applied = false;
        for (size_t i = 0; i < targets.size(); ++i)
            if (out[i] == error_code::none && matches(targets[i])) {
                out[i] = s.error;
                applied = true;
            }
        if (!applied) continue; // an earlier fault took every partition this one matches
        ++f.fired;
        ++totals_[{api_key, s.error}];
        if (!f.armed()) exhausted = true;
    }
    if (exhausted) recount_armed();
    return out;
}

std::optional<fault_injector::decision> fault_injector::decide(int16_t api_key, std::string_view client_id,
                                                              std::span<const target> targets) {
    std::lock_guard lock(mu_);
    for (auto& f : faults_) {
        const auto& s = f.spec;
        if (s.api_key != api_key || !f.armed()) continue;
        if (s.action == fault_action::error && per_partition_error_api(api_key)) continue; // inject()'s
        if (s.client_id && *s.client_id != client_id) continue;
        if (s.topic || s.partition) {
            auto matches = [&s](const target& t) {
                return (!s.topic || *s.topic == t.topic) && (!s.partition || *s.partition == t.partition);
            };
            if (std::none_of(targets.begin(), targets.end(), matches)) continue;
        }
        if (!roll(s.probability)) continue;
        ++f.fired;
        if (s.action == fault_action::error) ++totals_[{api_key, s.error}];
        else ++disruptions_[{api_key, s.action}];
        decision d{f.id, s.action, s.error, s.delay_ms};
        if (!f.armed()) recount_armed();
        return d;
    }
    return std::nullopt;
}

fault fault_injector::add(fault_spec spec) {
    std::lock_guard lock(mu_);
    fault f{next_id_++, std::move(spec), 0};
    faults_.push_back(f);
    recount_armed();
    return f;
}

std::vector<fault> fault_injector::list() const {
    std::lock_guard lock(mu_);
    return faults_;
}

std::optional<fault> fault_injector::remove(uint64_t id) {
    std::lock_guard lock(mu_);
    auto it = std::find_if(faults_.begin(), faults_.end(), [id](const fault& f) { return f.id == id; });
    if (it == faults_.end()) return std::nullopt;
    fault f = *it;
    faults_.erase(it);
    recount_armed();
    return f;
}

size_t fault_injector::clear() {
    std::lock_guard lock(mu_);
    const size_t n = faults_.size();
    faults_.clear();
    recount_armed();
    return n;
}

std::map<std::pair<int16_t, error_code>, uint64_t> fault_injector::injected_totals() const {
    std::lock_guard lock(mu_);
    return totals_;
}

std::map<std::pair<int16_t, fault_action>, uint64_t> fault_injector::disruption_totals() const {
    std::lock_guard lock(mu_);
    return disruptions_;
}

void fault_injector::recount_armed() {
    armed_.store(static_cast<int>(std::count_if(faults_.begin(), faults_.end(), [](const fault& f) { return f.armed(); })),
                 std::memory_order_relaxed);
}

} // namespace brook::broker
