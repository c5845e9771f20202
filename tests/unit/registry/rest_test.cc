#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "harness.h"
#include "registry/rest.h"

namespace brook::registry {
namespace {

// A store that was never started: not ready, no threads, no broker.
struct unstarted {
    store s{testing::fake_types(), store_options{"127.0.0.1:1"}};
    http::router r;
    unstarted() { add_routes(r, s); }
    http::response call(std::string method, std::string path, std::string body = {}) {
        boost::asio::io_context io;
        http::request req;
        req.method = std::move(method);
        req.path = std::move(path);
        req.body = std::move(body);
        auto f = boost::asio::co_spawn(io, r.dispatch(std::move(req)), boost::asio::use_future);
        io.run();
        return f.get();
    }
};

TEST(Rest, NotReadyAnswers503With50002) {
    unstarted u;
    for (auto [m, p] : {std::pair{"GET", "/subjects"}, {"GET", "/schemas/ids/1"}, {"POST", "/subjects/s/versions"},
                        {"GET", "/config"}, {"PUT", "/mode"}}) {
        auto r = u.call(m, p, "{}");
        EXPECT_EQ(r.status, 503) << m << " " << p;
        EXPECT_EQ(nlohmann::json::parse(r.body)["error_code"], 50002) << p;
        EXPECT_EQ(r.content_type, "application/vnd.schemaregistry.v1+json");
    }
}

TEST(Rest, RootMetadataAndTypesAnswerWhileLoading) {
    unstarted u;
    EXPECT_EQ(u.call("GET", "/").body, "{}");
    EXPECT_EQ(u.call("GET", "/v1/metadata/id").status, 200);
    EXPECT_EQ(u.call("GET", "/schemas/types").body, R"(["AVRO","JSON"])");
}

TEST(Rest, EveryConfluentRouteIsDeclared) {
    unstarted u;
    const std::pair<const char*, const char*> routes[] = {
        {"GET", "/schemas"}, {"GET", "/schemas/ids/1/schema"}, {"GET", "/schemas/ids/1/versions"},
        {"GET", "/schemas/ids/1/subjects"}, {"POST", "/subjects/s"}, {"DELETE", "/subjects/s"},
        {"GET", "/subjects/s/versions"}, {"GET", "/subjects/s/versions/1"}, {"DELETE", "/subjects/s/versions/1"},
        {"GET", "/subjects/s/versions/1/schema"}, {"GET", "/subjects/s/versions/1/referencedby"},
        {"PUT", "/config"}, {"DELETE", "/config"}, {"GET", "/config/s"}, {"PUT", "/config/s"}, {"DELETE", "/config/s"},
        {"POST", "/compatibility/subjects/s/versions/1"}, {"POST", "/compatibility/subjects/s/versions"},
        {"GET", "/mode"}, {"DELETE", "/mode"}, {"GET", "/mode/s"}, {"PUT", "/mode/s"}, {"DELETE", "/mode/s"}};
    for (auto [m, p] : routes) EXPECT_TRUE(u.r.find(m, p).target) << m << " " << p;
    EXPECT_FALSE(u.r.find("GET", "/subjects/s").target) << "Confluent has no GET on a subject";
}

} // namespace
} // namespace brook::registry
