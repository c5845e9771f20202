#include "broker/dynamic_config.h"

#include <algorithm>

#include "base/log.h"

namespace brook::broker {

bool dynamic_config::blocks_client(std::string_view client_id) const {
    return std::find(blocked_client_ids.begin(), blocked_client_ids.end(), client_id) != blocked_client_ids.end();
}

std::vector<std::string> split_list(std::string_view s) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos <= s.size()) {
        auto comma = s.find(',', pos);
        auto item = s.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return out;
}

std::optional<config_rejection> check_dynamic_entry(std::string_view name, std::string_view value) {
    const auto* p = config::find_property(name);
    if (!p)
        return config_rejection{error_code::invalid_config,
                                "unknown broker config '" + std::string(name) + "' (see `brook serve --help-config`)"};
    if (!p->live)
        return config_rejection{error_code::invalid_request,
                                "broker config " + std::string(name) +
                                    " cannot change while Brook runs: set it with --set, the config file or BROOK_* and restart"};
    config::broker_config scratch;
    if (auto err = config::set_property(scratch, name, value)) return config_rejection{error_code::invalid_config, *err};
    return std::nullopt;
}

dynamic_config build_dynamic_config(const config::broker_config& statics, storage::dynamic_broker_configs stored) {
    dynamic_config d;
    d.effective = statics;
    // Cluster-wide defaults first, then this broker's entries over them.
    for (auto* scope : {&stored.cluster_default, &stored.broker}) {
        for (auto it = scope->begin(); it != scope->end();) {
            if (auto bad = check_dynamic_entry(it->first, it->second)) {
                spdlog::warn("ignoring dynamic broker config {}={}: {}", it->first, it->second, bad->message);
                it = scope->erase(it);
                continue;
            }
            (void)config::set_property(d.effective, it->first, it->second);
            ++it;
        }
    }
    // The static set must still tell STATIC from DEFAULT: the dynamic names are not static.
    d.effective.set_explicitly = statics.set_explicitly;
    d.blocked_client_ids = split_list(d.effective.brook_produce_blocked_client_ids);
    d.stored = std::move(stored);
    return d;
}

} // namespace brook::broker
