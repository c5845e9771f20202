// The JSON admin API: brokers, topics, groups (admin_routes.h lists the shapes).
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "broker/admin_routes.h"
#include "broker/admin_state.h"
#include "broker/broker.h"

namespace brook::broker {
namespace {

using nlohmann::json;

// Path parameters arrive raw; ids may hold any character, so clients percent-encode them.
std::string percent_decode(const std::string& in) {
    std::string out;
    for (size_t i = 0; i < in.size(); ++i) {
        auto hex = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        if (in[i] == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
            out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

json optional_string(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json group_detail(const group_snapshot& g, const std::vector<std::optional<partition_lag>>& lags) {
    json members = json::array();
    for (const auto& m : g.members) {
        json assignment = json::array();
        for (const auto& [topic, parts] : m.assignment) assignment.push_back({{"topic", topic}, {"partitions", parts}});
        members.push_back({{"member_id", m.member_id},
                           {"group_instance_id", optional_string(m.group_instance_id)},
                           {"client_id", m.client_id},
                           {"client_host", m.client_host},
                           {"assignment", std::move(assignment)}});
    }
    json offsets = json::array();
    for (size_t i = 0; i < g.committed.size(); ++i) {
        const auto& [tp, committed] = g.committed[i];
        const auto& l = lags[i];
        offsets.push_back({{"topic", tp.first},
                           {"partition", tp.second},
                           {"committed_offset", committed},
                           {"log_end_offset", l ? json(l->log_end) : json(nullptr)},
                           {"lag", l ? json(l->lag) : json(nullptr)},
                           {"lag_seconds", l ? json(l->lag_seconds) : json(nullptr)}});
    }
    const auto& s = g.signals;
    return {{"group_id", g.group_id},
            {"state", g.state},
            {"protocol_type", g.protocol_type},
            {"protocol", optional_string(g.protocol)},
            {"generation", g.generation},
            {"leader", optional_string(g.leader)},
            {"members", std::move(members)},
            {"offsets", std::move(offsets)},
            {"rebalances",
             {{"total", s.rebalances_total},
              {"in_window", s.rebalances_in_window},
              {"window_seconds", g.rebalance_window_ms / 1000},
              {"in_storm", s.in_storm},
              {"last_reason", s.last_rebalance_reason},
              {"last_trigger",
               {{"member_id", s.last_trigger.member_id},
                {"client_id", s.last_trigger.client_id},
                {"client_host", s.last_trigger.client_host}}}}}};
}

} // namespace

void add_admin_api_routes(http::router& routes, broker& b) {
    routes.add("GET", "/v1/brokers", [&b](http::request&) -> asio::awaitable<http::response> {
        const auto& a = b.advertised();
        co_return http::json_response(json::array(
            {{{"node_id", b.config().node_id}, {"host", a.host}, {"port", a.port}, {"cluster_id", b.cluster_id()}}}));
    });
    routes.add("GET", "/v1/topics", [&b](http::request&) -> asio::awaitable<http::response> {
        json out = json::array();
        const auto topics = co_await list_topics(b);
        for (const auto& t : topics)
            out.push_back({{"name", t.name}, {"partitions", t.partitions}, {"internal", t.internal}});
        co_return http::json_response(out);
    });
    routes.add("GET", "/v1/topics/{topic}", [&b](http::request& req) -> asio::awaitable<http::response> {
        const auto name = percent_decode(req.param("topic"));
        auto parts = co_await describe_topic(b, name);
        if (!parts) co_return http::error_response(404, "topic '" + name + "' does not exist");
        json list = json::array();
        for (const auto& p : *parts) {
            auto cause = b.offline().cause(name, p.partition);
            list.push_back({{"partition", p.partition},
                            {"high_watermark", p.high_watermark},
                            {"last_stable_offset", p.last_stable_offset},
                            {"log_start_offset", p.log_start_offset},
                            {"size_bytes", p.size_bytes},
                            {"segments", p.segments},
                            {"offline", cause ? json(*cause) : json(nullptr)}});
        }
        co_return http::json_response({{"name", name}, {"internal", is_internal_topic(name)}, {"partitions", list}});
    });
    routes.add("GET", "/v1/groups", [&b](http::request&) -> asio::awaitable<http::response> {
        json out = json::array();
        const std::optional<std::string> all;
        const auto groups = co_await snapshot_groups(b, all, wall_clock_now());
        for (const auto& g : groups)
            out.push_back({{"group_id", g.group_id},
                           {"state", g.state},
                           {"members", g.members.size()},
                           {"protocol_type", g.protocol_type}});
        co_return http::json_response(out);
    });
    routes.add("GET", "/v1/groups/{group}", [&b](http::request& req) -> asio::awaitable<http::response> {
        const auto id = percent_decode(req.param("group"));
        const auto now = wall_clock_now();
        const std::optional<std::string> only = id;
        auto groups = co_await snapshot_groups(b, only, now);
        if (groups.empty()) co_return http::error_response(404, "consumer group '" + id + "' does not exist");
        auto lags = co_await compute_lags(b, groups[0].committed, now);
        co_return http::json_response(group_detail(groups[0], lags));
    });
    // Partitions the broker knows but cannot serve, with why (offline_partitions.h).
    routes.add("GET", "/v1/partitions/offline", [&b](http::request&) -> asio::awaitable<http::response> {
        json out = json::array();
        for (const auto& e : b.offline().list())
            out.push_back({{"topic", e.topic}, {"partition", e.partition}, {"cause", e.cause}});
        co_return http::json_response(out);
    });
    add_fault_routes(routes, b);
}

} // namespace brook::broker
