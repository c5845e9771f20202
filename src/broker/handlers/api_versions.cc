#include "broker/handlers/handlers.h"

namespace brook::broker {

protocol::ApiVersionsResponse handle_api_versions(request_context&, const protocol::ApiVersionsRequest&) {
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
