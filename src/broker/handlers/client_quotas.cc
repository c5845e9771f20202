// DescribeClientQuotas (48) and AlterClientQuotas (49): client quotas per user / client-id
// (broker/client_quotas.h for the rules, client_quotas_admin.cc for the controller side).
#include "broker/handlers/handlers.h"

namespace brook::broker {
namespace {

quota_entity entity_of(const std::vector<protocol::AlterClientQuotasRequest::EntityData>& parts,
                       std::optional<std::string>& duplicate) {
    quota_entity e;
    for (const auto& p : parts)
        if (!e.emplace(p.EntityType, p.EntityName).second) duplicate = p.EntityType;
    return e;
}

} // namespace

asio::awaitable<protocol::DescribeClientQuotasResponse> handle_describe_client_quotas(request_context& ctx,
                                                                                      protocol::DescribeClientQuotasRequest& req) {
    protocol::DescribeClientQuotasResponse resp;
    resp.ThrottleTimeMs = 0;
    std::vector<quota_filter_component> filter;
    for (const auto& c : req.Components) filter.push_back({c.EntityType, c.MatchType, c.Match});
    if (auto bad = check_filter(filter)) {
        resp.ErrorCode = to_wire(bad->error);
        resp.ErrorMessage = bad->message;
        resp.Entries = std::nullopt;
        co_return resp;
    }
    resp.ErrorCode = 0;
    auto& entries = resp.Entries.emplace();
    for (const auto& e : ctx.b.quotas().entries()) {
        if (!filter_matches(filter, req.Strict, e.entity)) continue;
        auto& out = entries.emplace_back();
        for (const auto& [type, name] : e.entity) {
            auto& part = out.Entity.emplace_back();
            part.EntityType = type;
            part.EntityName = name;
        }
        for (const auto& [key, value] : e.values) {
            auto& v = out.Values.emplace_back();
            v.Key = key;
            v.Value = value;
        }
    }
    co_return resp;
}

asio::awaitable<protocol::AlterClientQuotasResponse> handle_alter_client_quotas(request_context& ctx,
                                                                                protocol::AlterClientQuotasRequest& req) {
    protocol::AlterClientQuotasResponse resp;
    resp.ThrottleTimeMs = 0;
    std::vector<broker::quota_alteration> alterations;
    for (const auto& entry : req.Entries) {
        std::optional<std::string> duplicate;
        broker::quota_alteration a{entity_of(entry.Entity, duplicate), {}, std::nullopt};
        for (const auto& op : entry.Ops) a.ops.push_back({op.Key, op.Value, op.Remove});
        if (duplicate)
            a.refused = broker::config_outcome{error_code::invalid_request,
                                               "entity type '" + *duplicate + "' appears twice in the entity"};
        alterations.push_back(std::move(a));
    }
    auto outcomes = co_await ctx.b.alter_client_quotas(std::move(alterations), req.ValidateOnly);
    for (size_t i = 0; i < req.Entries.size(); ++i) {
        auto& out = resp.Entries.emplace_back();
        const auto& o = outcomes[i];
        out.ErrorCode = to_wire(o.error);
        out.ErrorMessage = o.error == error_code::none ? std::nullopt : std::optional<std::string>(o.message);
        for (const auto& p : req.Entries[i].Entity) {
            auto& part = out.Entity.emplace_back();
            part.EntityType = p.EntityType;
            part.EntityName = p.EntityName;
        }
    }
    co_return resp;
}

} // namespace brook::broker
