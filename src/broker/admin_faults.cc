// The fault injection routes of the admin API (/v1/faults; broker/fault_injector.h), served
// only when admin.fault.injection.enable is set: a production broker must not be one HTTP
// request away from failing its clients' writes.
#include <charconv>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/logger.h"
#include "broker/admin_routes.h"
#include "broker/broker.h"

namespace brook::broker {
namespace {

using nlohmann::json;

http::response disabled() {
    return http::error_response(403, "fault injection is disabled: start the broker with "
                                     "--set admin.fault.injection.enable=true to use /v1/faults");
}

std::optional<uint64_t> parse_id(const std::string& s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

} // namespace

void add_fault_routes(http::router& routes, broker& b) {
    const bool enabled = b.config().admin_fault_injection_enable;
    routes.add("POST", "/v1/faults", [&b, enabled](http::request& req) -> asio::awaitable<http::response> {
        if (!enabled) co_return disabled();
        auto body = http::parse_json_body(req);
        if (body.error) co_return *body.error;
        auto spec = parse_fault_spec(*body.value);
        if (auto* msg = std::get_if<std::string>(&spec)) co_return http::error_response(400, *msg);
        auto f = b.faults().add(std::get<fault_spec>(std::move(spec)));
        auto out = fault_json(f);
        log::broker.warn({{"fault_id", f.id}, {"api", out["api"].get<std::string>()}, {"action", std::string(fault_action_name(f.spec.action))}}, "fault injection: added fault {}: {}", f.id, out.dump());
        auto resp = http::json_response(out, 201);
        resp.headers.emplace_back("Location", "/v1/faults/" + std::to_string(f.id));
        co_return resp;
    });
    routes.add("GET", "/v1/faults", [&b, enabled](http::request&) -> asio::awaitable<http::response> {
        if (!enabled) co_return disabled();
        json out = json::array();
        for (const auto& f : b.faults().list()) out.push_back(fault_json(f));
        co_return http::json_response(out);
    });
    routes.add("DELETE", "/v1/faults", [&b, enabled](http::request&) -> asio::awaitable<http::response> {
        if (!enabled) co_return disabled();
        const auto n = b.faults().clear();
        if (n) log::broker.warn({{"faults", n}}, "fault injection: removed all {} faults", n);
        co_return http::json_response({{"removed", n}});
    });
    routes.add("GET", "/v1/faults/{id}", [&b, enabled](http::request& req) -> asio::awaitable<http::response> {
        if (!enabled) co_return disabled();
        auto id = parse_id(req.param("id"));
        if (!id) co_return http::error_response(400, "fault id '" + req.param("id") + "' is not a number");
        for (const auto& f : b.faults().list())
            if (f.id == *id) co_return http::json_response(fault_json(f));
        co_return http::error_response(404, "fault " + std::to_string(*id) + " does not exist");
    });
    routes.add("DELETE", "/v1/faults/{id}", [&b, enabled](http::request& req) -> asio::awaitable<http::response> {
        if (!enabled) co_return disabled();
        auto id = parse_id(req.param("id"));
        if (!id) co_return http::error_response(400, "fault id '" + req.param("id") + "' is not a number");
        auto f = b.faults().remove(*id);
        if (!f) co_return http::error_response(404, "fault " + std::to_string(*id) + " does not exist");
        log::broker.warn({{"fault_id", f->id}, {"fired", f->fired}}, "fault injection: removed fault {} (fired {} times)", f->id, f->fired);
        co_return http::json_response(fault_json(*f));
    });
}

} // namespace brook::broker
