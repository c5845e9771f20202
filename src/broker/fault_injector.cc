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

bool injectable_api(int16_t api_key) { return api_key == produce_key || api_key == fetch_key; }

std::variant<fault_spec, std::string> parse_fault_spec(const json& body) {
    if (!body.is_object()) return std::string("the body must be a JSON object, e.g. {\"api\": \"Produce\", \"error\": \"NOT_LEADER_OR_FOLLOWER\"}");
    static constexpr std::string_view known[] = {"api", "error", "topic", "partition", "client_id", "count", "probability"};
    for (const auto& [k, v] : body.items())
        if (std::find(std::begin(known), std::end(known), k) == std::end(known))
            return "unknown field '" + k + "' (fields: api, error, topic, partition, client_id, count, probability)";
    fault_spec s;
    if (!body.contains("api") || !body["api"].is_string()) return std::string("'api' is required: a Kafka API name such as \"Produce\"");
    const auto api_name = body["api"].get<std::string>();
    const auto* api = api_by_name(api_name);
    if (!api) return "unknown api '" + api_name + "': not a Kafka API this broker serves";
    if (!injectable_api(api->api_key)) return "api '" + std::string(api->name) + "' is not supported for injection (supported: Produce, Fetch)";
    s.api_key = api->api_key;
    if (!body.contains("error") || !body["error"].is_string()) return std::string("'error' is required: a Kafka error name such as \"NOT_LEADER_OR_FOLLOWER\"");
    auto error_name_in = body["error"].get<std::string>();
    std::string upper = error_name_in;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const auto e = error_from_name(upper);
    if (!e) return "unknown error name '" + error_name_in + "': not a Kafka error code name";
    if (*e == error_code::none) return std::string("error 'NONE' is not an error");
    s.error = *e;
    if (body.contains("topic")) {
        if (!body["topic"].is_string()) return std::string("'topic' must be a string");
        s.topic = body["topic"].get<std::string>();
        if (!config::is_valid_topic_name(*s.topic)) return "'topic': '" + *s.topic + "' is not a valid topic name";
    }
    if (body.contains("partition")) {
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
            {"error", std::string(error_name(s.error))},
            {"error_code", to_wire(s.error)},
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
        if (s.api_key != api_key || !f.armed()) continue;
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

void fault_injector::recount_armed() {
    armed_.store(static_cast<int>(std::count_if(faults_.begin(), faults_.end(), [](const fault& f) { return f.armed(); })),
                 std::memory_order_relaxed);
}

} // namespace brook::broker
