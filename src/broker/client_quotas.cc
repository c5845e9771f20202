#include "broker/client_quotas.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace brook::broker {
namespace {

constexpr std::array<std::string_view, quota_type_count> keys = {"producer_byte_rate", "consumer_byte_rate",
                                                                   "request_percentage"};
constexpr std::array<std::string_view, quota_type_count> labels = {"produce", "fetch", "request"};

bool known_entity_type(std::string_view t) { return t == user_entity_type || t == client_id_entity_type; }

std::string unknown_type_message(std::string_view t) {
    if (t == "ip")
        return "entity type 'ip' is not supported by Brook (no connection-rate quotas); use 'user' or 'client-id'";
    return fmt::format("unknown entity type '{}': use 'user' or 'client-id'", t);
}

const storage::client_quota_entry* find_entry(const std::vector<storage::client_quota_entry>& entries,
                                              const quota_entity& e) {
    auto it = std::ranges::find_if(entries, [&](const auto& x) { return x.entity == e; });
    return it == entries.end() ? nullptr : &*it;
}

} // namespace

std::string_view quota_key(quota_type t) { return keys[static_cast<size_t>(t)]; }
std::string_view quota_label(quota_type t) { return labels[static_cast<size_t>(t)]; }

std::optional<quota_type> quota_type_of(std::string_view key) {
    for (size_t i = 0; i < keys.size(); ++i)
        if (keys[i] == key) return static_cast<quota_type>(i);
    return std::nullopt;
}

std::string describe_entity(const quota_entity& e) {
    std::string out;
    for (const auto& [type, name] : e) out += fmt::format("{}{}={}", out.empty() ? "" : ",", type, name ? *name : "<default>");
    return out;
}

std::optional<quota_rejection> check_alter(const quota_entity& entity, const std::vector<quota_op>& ops) {
    if (entity.empty()) return quota_rejection{error_code::invalid_request, "invalid empty client quota entity"};
    for (const auto& [type, name] : entity) {
        if (!known_entity_type(type)) return quota_rejection{error_code::invalid_request, unknown_type_message(type)};
        if (name && name->empty())
            return quota_rejection{error_code::invalid_request,
                                   fmt::format("empty {} name: name an entity, or use null for the default entity", type)};
    }
    std::vector<std::string_view> seen;
    for (const auto& op : ops) {
        auto t = quota_type_of(op.key);
        if (!t)
            return quota_rejection{error_code::invalid_request,
                                   fmt::format("invalid quota key '{}': use producer_byte_rate, consumer_byte_rate or "
                                               "request_percentage", op.key)};
        if (std::ranges::find(seen, op.key) != seen.end())
            return quota_rejection{error_code::invalid_request, fmt::format("duplicate quota key '{}'", op.key)};
        seen.push_back(op.key);
        if (op.remove) continue;
        if (!std::isfinite(op.value) || op.value <= 0)
            return quota_rejection{error_code::invalid_request,
                                   fmt::format("quota {} must be a positive number, not {}", op.key, op.value)};
        if (*t != quota_type::request && op.value != std::floor(op.value))
            return quota_rejection{error_code::invalid_request,
                                   fmt::format("quota {} is bytes per second: a whole number, not {}", op.key, op.value)};
    }
    return std::nullopt;
}

void apply_alter(std::vector<storage::client_quota_entry>& entries, const quota_entity& entity,
                 const std::vector<quota_op>& ops) {
    auto it = std::ranges::find_if(entries, [&](const auto& x) { return x.entity == entity; });
    if (it == entries.end()) {
        entries.push_back({entity, {}});
        it = std::prev(entries.end());
    }
    for (const auto& op : ops) {
        if (op.remove) it->values.erase(op.key);
        else it->values[op.key] = op.value;
    }
    if (it->values.empty()) entries.erase(it);
}

std::optional<quota_rejection> check_filter(const std::vector<quota_filter_component>& components) {
    std::vector<std::string_view> seen;
    for (const auto& c : components) {
        if (c.entity_type.empty()) return quota_rejection{error_code::invalid_request, "empty filter component entity type"};
        if (!known_entity_type(c.entity_type)) return quota_rejection{error_code::invalid_request, unknown_type_message(c.entity_type)};
        if (std::ranges::find(seen, c.entity_type) != seen.end())
            return quota_rejection{error_code::invalid_request, fmt::format("duplicate {} filter component", c.entity_type)};
        seen.push_back(c.entity_type);
        switch (c.match_type) {
        case 0:
            if (!c.match) return quota_rejection{error_code::invalid_request, "match type EXACT (0) needs a match name, not null"};
            break;
        case 1:
            if (c.match) return quota_rejection{error_code::invalid_request, "match type DEFAULT (1) takes a null match name"};
            break;
        case 2:
            if (c.match) return quota_rejection{error_code::invalid_request, "match type SPECIFIED (2) takes a null match name"};
            break;
        default:
            return quota_rejection{error_code::invalid_request,
                                   fmt::format("unknown match type {}: 0 exact, 1 default, 2 any", c.match_type)};
        }
    }
    return std::nullopt;
}

bool filter_matches(const std::vector<quota_filter_component>& components, bool strict, const quota_entity& entity) {
    for (const auto& c : components) {
        auto it = entity.find(c.entity_type);
        if (it == entity.end()) return false;
        if (c.match_type == 0 && it->second != c.match) return false;
        if (c.match_type == 1 && it->second) return false;
    }
    if (strict)
        for (const auto& [type, name] : entity)
            if (std::ranges::none_of(components, [&](const auto& c) { return c.entity_type == type; })) return false;
    return true;
}

std::optional<resolved_quota> resolve_quota(const std::vector<storage::client_quota_entry>& entries, quota_type t,
                                            std::string_view user, std::string_view client_id) {
    if (entries.empty()) return std::nullopt;
    using name = std::optional<std::string>;
    const name u{std::string(user)}, c{std::string(client_id)}, dflt;
    const std::string ut(user_entity_type), ct(client_id_entity_type);
    struct candidate {
        quota_entity entity;
        bool by_user, by_client;
    };
    const candidate order[] = {
        {{{ut, u}, {ct, c}}, true, true},       {{{ut, u}, {ct, dflt}}, true, true}, {{{ut, u}}, true, false},
        {{{ut, dflt}, {ct, c}}, true, true},    {{{ut, dflt}, {ct, dflt}}, true, true},
        {{{ut, dflt}}, true, false},            {{{ct, c}}, false, true},           {{{ct, dflt}}, false, true},
    };
    const auto key = std::string(quota_key(t));
    for (const auto& cand : order) {
        const auto* e = find_entry(entries, cand.entity);
        if (!e) continue;
        auto v = e->values.find(key);
        if (v == e->values.end()) continue;
        return resolved_quota{v->second, cand.by_user ? std::string(user) : "", cand.by_client ? std::string(client_id) : ""};
    }
    return std::nullopt;
}

} // namespace brook::broker
