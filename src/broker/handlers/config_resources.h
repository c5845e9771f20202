#pragma once
// The config resources DescribeConfigs, AlterConfigs and IncrementalAlterConfigs name, checked
// once for all three: topics (type 2) and this broker (type 4; name = node id, or "" for the
// cluster-wide dynamic defaults). Broker loggers (8) and unknown types get INVALID_REQUEST
// with a message saying what Brook serves instead.
#include <charconv>
#include <string>

#include "broker/handlers/handlers.h"

namespace brook::broker {

inline constexpr int8_t resource_topic = 2;
inline constexpr int8_t resource_broker = 4;
inline constexpr int8_t resource_broker_logger = 8;

struct config_resource {
    error_code error = error_code::none;
    std::string message;
    bool is_topic = false;
    bool cluster_default = false; // broker resource named ""
};

inline config_resource check_config_resource(const request_context& ctx, int8_t type, const std::string& name) {
    config_resource r;
    switch (type) {
    case resource_topic:
        r.is_topic = true;
        if (!config::is_valid_topic_name(name)) {
            r.error = error_code::invalid_topic_exception;
            r.message = "topic name '" + name + "' is not valid: use 1-249 of [a-zA-Z0-9._-]";
        }
        return r;
    case resource_broker: {
        if (name.empty()) {
            r.cluster_default = true;
            return r;
        }
        int32_t id = -1;
        auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
        const int32_t self = ctx.b.config().node_id;
        if (ec != std::errc() || p != name.data() + name.size()) {
            r.error = error_code::invalid_request;
            r.message = "broker id must be an integer, but it is: '" + name + "'";
        } else if (id != self) {
            r.error = error_code::invalid_request;
            r.message = "unexpected broker id, expected " + std::to_string(self) + " or empty string, but received " + name;
        }
        return r;
    }
    case resource_broker_logger:
        r.error = error_code::invalid_request;
        r.message = "BROKER_LOGGER resources are not supported by Brook: its log level is the log.level property, set at start-up";
        return r;
    default:
        r.error = error_code::invalid_request;
        r.message = "unsupported config resource type " + std::to_string(type) + " (Brook serves 2 = topic and 4 = broker)";
        return r;
    }
}

// Resource `i` of an alter request, checked as above and against the request's other
// resources: one named twice gets INVALID_REQUEST on every copy (Kafka's answer, rather than
// a guess which one was meant).
template <class Resources>
config_resource check_alter_resource(const request_context& ctx, const Resources& all, size_t i) {
    auto r = check_config_resource(ctx, all[i].ResourceType, all[i].ResourceName);
    if (r.error != error_code::none) return r;
    for (size_t j = 0; j < all.size(); ++j) {
        if (j != i && all[j].ResourceType == all[i].ResourceType && all[j].ResourceName == all[i].ResourceName) {
            r.error = error_code::invalid_request;
            r.message = "the request names this resource more than once";
            break;
        }
    }
    return r;
}

// Runs `edit` against the resource (topic or broker scope) on the controller.
inline asio::awaitable<broker::config_outcome> alter_resource(request_context& ctx, const config_resource& r,
                                                              const std::string& name, broker::config_edit edit,
                                                              bool validate_only) {
    if (r.is_topic) co_return co_await ctx.b.alter_topic_configs(name, std::move(edit), validate_only);
    co_return co_await ctx.b.alter_broker_configs(r.cluster_default, std::move(edit), validate_only);
}

} // namespace brook::broker
