// DescribeConfigs (v0-4): every config of a topic or of this broker, with its source, synonyms
// (v1+, when asked), type and documentation (v3+, documentation when asked).
#include <algorithm>

#include "broker/config_describe.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"

namespace brook::broker {

asio::awaitable<protocol::DescribeConfigsResponse> handle_describe_configs(request_context& ctx,
                                                                         protocol::DescribeConfigsRequest& req) {
    using Resp = protocol::DescribeConfigsResponse;
    Resp resp;
    resp.ThrottleTimeMs = 0;
    const int16_t v = ctx.version();
    const auto dyn = ctx.shard.dynamic;
    for (const auto& res : req.Resources) {
        auto& out = resp.Results.emplace_back();
        out.ResourceType = res.ResourceType;
        out.ResourceName = res.ResourceName;
        auto checked = check_config_resource(ctx, res.ResourceType, res.ResourceName);
        std::vector<described_config> entries;
        if (checked.error == error_code::none) {
            if (checked.is_topic) {
                if (auto t = ctx.shard.topic(res.ResourceName)) {
                    entries = describe_topic_configs(*t, *dyn, ctx.b.config());
                } else {
                    checked.error = error_code::unknown_topic_or_partition;
                    checked.message = "topic '" + res.ResourceName + "' does not exist";
                }
            } else {
                entries = describe_broker_configs(*dyn, ctx.b.config(), checked.cluster_default);
            }
        }
        out.ErrorCode = to_wire(checked.error);
        if (checked.error != error_code::none) {
            out.ErrorMessage = checked.message;
            continue;
        }
        for (auto& e : entries) {
            // Keys nobody knows are left out, as Kafka does.
            if (res.ConfigurationKeys &&
                std::find(res.ConfigurationKeys->begin(), res.ConfigurationKeys->end(), e.name) == res.ConfigurationKeys->end())
                continue;
            auto& c = out.Configs.emplace_back();
            c.Name = e.name;
            c.Value = e.sensitive ? std::nullopt : e.value;
            c.ReadOnly = e.read_only;
            c.IsDefault = e.source == config_source::default_config;
            c.ConfigSource = static_cast<int8_t>(e.source);
            c.IsSensitive = e.sensitive;
            c.ConfigType = static_cast<int8_t>(e.type);
            if (v >= 3 && req.IncludeDocumentation) c.Documentation = e.doc;
            if (v >= 1 && req.IncludeSynonyms)
                for (auto& s : e.synonyms) {
                    auto& syn = c.Synonyms.emplace_back();
                    syn.Name = s.name;
                    syn.Value = e.sensitive ? std::nullopt : s.value;
                    syn.Source = static_cast<int8_t>(s.source);
                }
        }
    }
    co_return resp;
}

} // namespace brook::broker
