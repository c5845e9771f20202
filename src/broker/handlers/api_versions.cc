#include "broker/connection_state.h"
#include "broker/handlers/handlers.h"

namespace brook::broker {

protocol::ApiVersionsResponse handle_api_versions(request_context& ctx, const protocol::ApiVersionsRequest& req) {
    // KIP-511: v3+ names the client's software; connections are counted by it in /metrics.
    if (!req.ClientSoftwareName.empty())
        if (auto* state = static_cast<connection_state*>(ctx.conn.handler_state.get()))
            state->tally.relabel(req.ClientSoftwareName);
    protocol::ApiVersionsResponse resp;
    resp.ErrorCode = 0;
    for (const auto& api : protocol::served_apis()) {
        auto& k = resp.ApiKeys.emplace_back();
        k.ApiKey = api.api_key;
        k.MinVersion = api.min_version;
        k.MaxVersion = api.max_version;
    }
    resp.ThrottleTimeMs = 0;
    return resp;
}

} // namespace brook::broker
