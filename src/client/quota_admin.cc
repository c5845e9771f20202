#include "client/quota_admin.h"

#include "client/kafka_connection.h"

namespace brook::client {
namespace {

constexpr int unsupported_version = 35; // Kafka's UNSUPPORTED_VERSION

} // namespace

struct quota_admin::impl {
    kafka_connection conn;
    int16_t describe_version = 0;
    int16_t alter_version = 0;
};

quota_admin::quota_admin(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
quota_admin::quota_admin(quota_admin&&) noexcept = default;
quota_admin& quota_admin::operator=(quota_admin&&) noexcept = default;
quota_admin::~quota_admin() = default;

outcome<quota_admin> quota_admin::connect(const std::string& brokers, int timeout_ms) {
    auto c = kafka_connection::connect(brokers, timeout_ms);
    if (!c) return c.err();
    using D = protocol::DescribeClientQuotasRequest;
    using A = protocol::AlterClientQuotasRequest;
    auto dv = c->common_version(D::api_key, D::min_version, D::max_version);
    auto av = c->common_version(A::api_key, A::min_version, A::max_version);
    if (!dv || !av)
        return error{unsupported_version,
                     "the broker at " + c->address() + " does not serve " +
                         (!dv ? "DescribeClientQuotas (Kafka API 48)" : "AlterClientQuotas (Kafka API 49)") +
                         ": client quotas need a broker that does (Apache Kafka 2.6+, Redpanda, Brook)"};
    return quota_admin(std::make_unique<impl>(impl{std::move(*c), *dv, *av}));
}

outcome<std::vector<quota_entry>> quota_admin::describe(const std::vector<quota_filter_part>& filter, bool strict,
                                                        int timeout_ms) {
    protocol::DescribeClientQuotasRequest req;
    for (const auto& f : filter) {
        auto& c = req.Components.emplace_back();
        c.EntityType = f.type;
        c.MatchType = static_cast<int8_t>(f.how == quota_filter_part::match::exact            ? 0
                                          : f.how == quota_filter_part::match::default_entity ? 1
                                                                                              : 2);
        if (f.how == quota_filter_part::match::exact) c.Match = f.name;
        else c.Match = std::nullopt;
    }
    req.Strict = strict;
    auto resp = impl_->conn.call(req, impl_->describe_version, timeout_ms);
    if (!resp) return resp.err();
    if (resp->ErrorCode != 0)
        return error{resp->ErrorCode, resp->ErrorMessage.value_or("DescribeClientQuotas failed")};
    std::vector<quota_entry> out;
    if (resp->Entries)
        for (const auto& e : *resp->Entries) {
            auto& entry = out.emplace_back();
            for (const auto& p : e.Entity) entry.entity.push_back({p.EntityType, p.EntityName});
            for (const auto& v : e.Values) entry.values.emplace_back(v.Key, v.Value);
        }
    return out;
}

status quota_admin::alter(const std::vector<quota_entity_part>& entity, const std::vector<quota_change>& changes,
                          bool validate_only, int timeout_ms) {
    protocol::AlterClientQuotasRequest req;
    auto& e = req.Entries.emplace_back();
    for (const auto& p : entity) {
        auto& part = e.Entity.emplace_back();
        part.EntityType = p.type;
        part.EntityName = p.name;
    }
    for (const auto& c : changes) {
        auto& op = e.Ops.emplace_back();
        op.Key = c.key;
        op.Value = c.value.value_or(0);
        op.Remove = !c.value;
    }
    req.ValidateOnly = validate_only;
    auto resp = impl_->conn.call(req, impl_->alter_version, timeout_ms);
    if (!resp) return resp.err();
    if (resp->Entries.size() != 1) return error{-195, "AlterClientQuotas: the broker answered for " + std::to_string(resp->Entries.size()) + " entities, not 1"};
    const auto& r = resp->Entries.front();
    if (r.ErrorCode != 0) return error{r.ErrorCode, r.ErrorMessage.value_or("AlterClientQuotas failed")};
    return ok{};
}

} // namespace brook::client
