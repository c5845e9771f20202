// IncrementalAlterConfigs (v0-1): SET, DELETE, APPEND and SUBTRACT on single keys of a resource,
// the rest untouched (KIP-339). APPEND/SUBTRACT work on list-typed configs only.
#include <algorithm>

#include "broker/dynamic_config.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"

namespace brook::broker {
namespace {

enum class op : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

using Req = protocol::IncrementalAlterConfigsRequest;

// Whether `name` is a list-typed config of the resource; nullopt when the resource has no such key.
std::optional<bool> is_list(bool topic, const std::string& name) {
    if (topic) {
        const auto* p = config::find_topic_property(name);
        if (!p) return std::nullopt;
        return p->type == config::config_type::list;
    }
    const auto* p = config::find_property(name);
    if (!p) return std::nullopt;
    return p->is_list;
}

// The value APPEND/SUBTRACT start from: the resource's own entry, else what is in force.
std::string current_value(bool topic, const std::string& name, const std::map<std::string, std::string>& entries,
                          const config::broker_config& effective) {
    if (auto it = entries.find(name); it != entries.end()) return it->second;
    if (topic) return config::find_topic_property(name)->broker_default(effective);
    return config::get_property(effective, *config::find_property(name));
}

std::string join(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : ",") + i;
    return s;
}

broker::config_outcome apply(bool topic, const std::vector<Req::AlterableConfig>& ops,
                             std::map<std::string, std::string>& entries, const config::broker_config& effective) {
    for (const auto& c : ops) {
        switch (static_cast<op>(c.ConfigOperation)) {
        case op::set: entries[c.Name] = *c.Value; break;
        case op::remove: entries.erase(c.Name); break;
        case op::append:
        case op::subtract: {
            auto items = split_list(current_value(topic, c.Name, entries, effective));
            for (const auto& item : split_list(*c.Value)) {
                auto at = std::find(items.begin(), items.end(), item);
                if (static_cast<op>(c.ConfigOperation) == op::append && at == items.end()) items.push_back(item);
                if (static_cast<op>(c.ConfigOperation) == op::subtract && at != items.end()) items.erase(at);
            }
            entries[c.Name] = join(items);
            break;
        }
        }
    }
    return {};
}

// Request-level checks of one resource's operations (before the controller sees them).
std::optional<config_resource> check_ops(bool topic, const std::vector<Req::AlterableConfig>& ops) {
    for (size_t i = 0; i < ops.size(); ++i) {
        const auto& c = ops[i];
        for (size_t j = 0; j < i; ++j)
            if (ops[j].Name == c.Name)
                return config_resource{error_code::invalid_request, "config " + c.Name + " is given more than once", topic, false};
        if (c.ConfigOperation < 0 || c.ConfigOperation > 3)
            return config_resource{error_code::invalid_request,
                                   "unknown operation " + std::to_string(c.ConfigOperation) + " for config " + c.Name +
                                       " (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)",
                                   topic, false};
        const auto o = static_cast<op>(c.ConfigOperation);
        if (o != op::remove && !c.Value)
            return config_resource{error_code::invalid_request, "null value for " + c.Name + " (only DELETE takes none)", topic, false};
        auto list = is_list(topic, c.Name);
        if (!list)
            return config_resource{error_code::invalid_config,
                                   std::string("unknown ") + (topic ? "topic config '" : "broker config '") + c.Name +
                                       (topic ? "' (see docs/configs.md)" : "' (see `brook serve --help-config`)"),
                                   topic, false};
        if ((o == op::append || o == op::subtract) && !*list)
            return config_resource{error_code::invalid_config,
                                   std::string(o == op::append ? "APPEND" : "SUBTRACT") + " is only for list configs; " + c.Name +
                                       " is not one (use SET)",
                                   topic, false};
    }
    return std::nullopt;
}

} // namespace

asio::awaitable<protocol::IncrementalAlterConfigsResponse> handle_incremental_alter_configs(request_context& ctx,
                                                                                           Req& req) {
    protocol::IncrementalAlterConfigsResponse resp;
    resp.ThrottleTimeMs = 0;
    for (size_t i = 0; i < req.Resources.size(); ++i) {
        const auto& res = req.Resources[i];
        auto& out = resp.Responses.emplace_back();
        out.ResourceType = res.ResourceType;
        out.ResourceName = res.ResourceName;
        auto r = check_alter_resource(ctx, req.Resources, i);
        if (r.error == error_code::none)
            if (auto bad = check_ops(r.is_topic, res.Configs)) r = *bad;
        if (r.error != error_code::none) {
            out.ErrorCode = to_wire(r.error);
            out.ErrorMessage = r.message;
            continue;
        }
        const bool topic = r.is_topic;
        const auto& ops = res.Configs;
        broker::config_edit edit = [topic, &ops](std::map<std::string, std::string>& entries,
                                                 const config::broker_config& effective) {
            return apply(topic, ops, entries, effective);
        };
        auto result = co_await alter_resource(ctx, r, res.ResourceName, std::move(edit), req.ValidateOnly);
        out.ErrorCode = to_wire(result.error);
        if (result.error != error_code::none) out.ErrorMessage = result.message;
    }
    co_return resp;
}

} // namespace brook::broker
