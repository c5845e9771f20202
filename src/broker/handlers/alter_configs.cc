// AlterConfigs (v0-2): replaces every config of a resource with the ones given (a key left out
// returns to its default), as Kafka's legacy API does. Validated as a whole: one bad key
// rejects the resource and changes nothing.
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"

namespace brook::broker {

asio::awaitable<protocol::AlterConfigsResponse> handle_alter_configs(request_context& ctx, protocol::AlterConfigsRequest& req) {
    protocol::AlterConfigsResponse resp;
    resp.ThrottleTimeMs = 0;
    for (size_t i = 0; i < req.Resources.size(); ++i) {
        const auto& res = req.Resources[i];
        auto& out = resp.Responses.emplace_back();
        out.ResourceType = res.ResourceType;
        out.ResourceName = res.ResourceName;
        auto r = check_alter_resource(ctx, req.Resources, i);
        std::map<std::string, std::string> wanted;
        for (const auto& c : res.Configs) {
            if (r.error != error_code::none) break;
            if (!c.Value) {
                r.error = error_code::invalid_request;
                r.message = "null value for " + c.Name + ": AlterConfigs sets every key it names (leave a key out to reset it)";
            } else if (!wanted.emplace(c.Name, *c.Value).second) {
                r.error = error_code::invalid_request;
                r.message = "config " + c.Name + " is given more than once";
            }
        }
        if (r.error != error_code::none) {
            out.ErrorCode = to_wire(r.error);
            out.ErrorMessage = r.message;
            continue;
        }
        broker::config_edit edit = [&wanted](std::map<std::string, std::string>& entries, const config::broker_config&) {
            entries = wanted;
            return broker::config_outcome{};
        };
        auto result = co_await alter_resource(ctx, r, res.ResourceName, std::move(edit), req.ValidateOnly);
        out.ErrorCode = to_wire(result.error);
        if (result.error != error_code::none) out.ErrorMessage = result.message;
    }
    co_return resp;
}

} // namespace brook::broker
