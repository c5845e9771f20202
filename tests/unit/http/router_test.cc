// router: method + path matching with {param} segments, 404 / 405 (with Allow) / 500 as JSON
// error bodies of the registry's shape, and malformed route tables refused at start-up.
#include "http/router.h"
#include "http/probes.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>

namespace brook::http {
namespace {

namespace asio = boost::asio;

response run(const router& r, std::string method, std::string path) {
    asio::io_context io;
    request req;
    req.method = std::move(method);
    req.path = std::move(path);
    auto f = asio::co_spawn(io, r.dispatch(std::move(req)), asio::use_future);
    io.run();
    return f.get();
}

router sample_router() {
    router r;
    r.add("GET", "/v1/topics", [](request&) -> asio::awaitable<response> { co_return json_response({{"list", true}}); });
    r.add("GET", "/v1/topics/{topic}", [](request& q) -> asio::awaitable<response> {
        co_return json_response({{"topic", q.param("topic")}});
    });
    r.add("DELETE", "/v1/topics/{topic}", [](request& q) -> asio::awaitable<response> {
        co_return json_response({{"deleted", q.param("topic")}});
    });
    r.add("GET", "/boom", [](request&) -> asio::awaitable<response> {
        throw std::runtime_error("kaput");
        co_return response{};
    });
    return r;
}

TEST(router, matches_literal_and_parameter_routes) {
    auto r = sample_router();
    auto a = run(r, "GET", "/v1/topics");
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(nlohmann::json::parse(a.body)["list"], true);
    auto b = run(r, "GET", "/v1/topics/orders%2Eeu");
    EXPECT_EQ(b.status, 200);
    EXPECT_EQ(nlohmann::json::parse(b.body)["topic"], "orders.eu");
    EXPECT_EQ(nlohmann::json::parse(run(r, "DELETE", "/v1/topics/x").body)["deleted"], "x");
    EXPECT_EQ(run(r, "GET", "/v1/topics/").status, 200); // trailing slash: same resource
}

TEST(router, unknown_path_is_404_with_json_error) {
    auto r = sample_router();
    auto resp = run(r, "GET", "/v2/nothing");
    EXPECT_EQ(resp.status, 404);
    EXPECT_EQ(resp.content_type, "application/json");
    auto j = nlohmann::json::parse(resp.body);
    EXPECT_EQ(j["error_code"], 404);
    EXPECT_TRUE(j["message"].is_string());
    EXPECT_EQ(run(r, "GET", "/v1/topics/a/b").status, 404); // a parameter is one segment
}

TEST(router, wrong_method_is_405_with_allow) {
    auto r = sample_router();
    auto resp = run(r, "POST", "/v1/topics/t");
    EXPECT_EQ(resp.status, 405);
    EXPECT_EQ(nlohmann::json::parse(resp.body)["error_code"], 405);
    ASSERT_EQ(resp.headers.size(), 1u);
    EXPECT_EQ(resp.headers[0].first, "Allow");
    EXPECT_EQ(resp.headers[0].second, "GET, DELETE");
}

TEST(router, throwing_handler_is_500) {
    auto r = sample_router();
    auto resp = run(r, "GET", "/boom");
    EXPECT_EQ(resp.status, 500);
    EXPECT_EQ(nlohmann::json::parse(resp.body)["error_code"], 500);
}

TEST(router, refuses_malformed_and_duplicate_routes) {
    router r;
    auto h = [](request&) -> asio::awaitable<response> { co_return response{}; };
    r.add("GET", "/a/{b}", h);
    EXPECT_THROW(r.add("GET", "/a/{b}", h), std::invalid_argument);
    EXPECT_THROW(r.add("GET", "no-slash", h), std::invalid_argument);
    EXPECT_THROW(r.add("GET", "/a/x{b}", h), std::invalid_argument);
}

TEST(message, error_response_names_a_finer_code) {
    auto resp = error_response(404, "Subject 'x' not found.", 40401);
    auto j = nlohmann::json::parse(resp.body);
    EXPECT_EQ(resp.status, 404);
    EXPECT_EQ(j["error_code"], 40401);
    EXPECT_EQ(j["message"], "Subject 'x' not found.");
}

TEST(message, bad_json_body_is_a_400) {
    request req;
    req.body = "{\"a\": ";
    auto r = parse_json_body(req);
    EXPECT_FALSE(r.value);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->status, 400);
    req.body = "{\"a\": 1}";
    auto ok = parse_json_body(req);
    ASSERT_TRUE(ok.value);
    EXPECT_EQ((*ok.value)["a"], 1);
}

} // namespace
} // namespace brook::http

namespace brook::http {
namespace {

TEST(probes, health_always_ready_only_when_the_predicate_holds) {
    bool is_ready = false;
    router r;
    add_probe_routes(r, [&] { return is_ready; }, "storage recovery");
    EXPECT_EQ(run(r, "GET", "/v1/health").status, 200);
    EXPECT_EQ(nlohmann::json::parse(run(r, "GET", "/v1/health").body)["status"], "ok");
    auto not_yet = run(r, "GET", "/v1/ready");
    EXPECT_EQ(not_yet.status, 503);
    auto j = nlohmann::json::parse(not_yet.body);
    EXPECT_EQ(j["error_code"], 503);
    EXPECT_EQ(j["message"], "not ready: storage recovery");
    is_ready = true;
    auto now = run(r, "GET", "/v1/ready");
    EXPECT_EQ(now.status, 200);
    EXPECT_EQ(nlohmann::json::parse(now.body)["status"], "ready");
}

} // namespace
} // namespace brook::http
