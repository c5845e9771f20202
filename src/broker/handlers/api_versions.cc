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
        // Produce is advertised from v0 though v0-v2 (message formats 0 and 1) are not served and
        // close the connection like any unsupported version: librdkafka (< 2.10, e.g. Debian's
        // 2.0.2) sends gzip, snappy and lz4 batches uncompressed unless the broker's Produce range
        // includes v0 ("Broker does not support compression type gzip: not compressing batch";
        // librdkafka#4956). Kafka 4.0, which also dropped v0-v2, advertises v0 for the same reason
        // (KAFKA-18659). tests/integration/test_topic_compression.py sees the codecs stored.
        if (api.api_key == protocol::ProduceRequest::api_key) k.MinVersion = 0;
        k.MaxVersion = api.max_version;
    }
    resp.ThrottleTimeMs = 0;
    return resp;
}

} // namespace brook::broker
