// Client quotas: Kafka's precedence, describe matching, alter checks, the rate sensor's window
// arithmetic and throttle time, request_percentage's thread-time clock, and the quota store's
// round trip.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <thread>

#include "broker/client_quotas.h"
#include "broker/quota_manager.h"
#include "broker/request_timer.h"
#include "storage/client_quota_store.h"
#include "test_util.h"

namespace brook::broker {
namespace {

namespace asio = boost::asio;
using storage::client_quota_entry;
const std::optional<std::string> dflt;

client_quota_entry entry(quota_entity e, std::map<std::string, double> v) { return {std::move(e), std::move(v)}; }

TEST(ClientQuotas, PrecedenceFollowsKafka) {
    std::vector<client_quota_entry> q = {
        entry({{"client-id", dflt}}, {{"producer_byte_rate", 8}}),
        entry({{"client-id", "c"}}, {{"producer_byte_rate", 7}}),
        entry({{"user", dflt}}, {{"producer_byte_rate", 6}}),
        entry({{"user", dflt}, {"client-id", dflt}}, {{"producer_byte_rate", 5}}),
        entry({{"user", dflt}, {"client-id", "c"}}, {{"producer_byte_rate", 4}}),
        entry({{"user", "u"}}, {{"producer_byte_rate", 3}}),
        entry({{"user", "u"}, {"client-id", dflt}}, {{"producer_byte_rate", 2}}),
        entry({{"user", "u"}, {"client-id", "c"}}, {{"producer_byte_rate", 1}, {"consumer_byte_rate", 9}}),
    };
    // Removing the best match each time walks Kafka's order 1..8.
    for (double want = 1; want <= 8; ++want) {
        auto r = resolve_quota(q, quota_type::produce, "u", "c");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->bound, want);
        auto it = std::ranges::find_if(q, [&](const auto& e) { return e.values.count("producer_byte_rate") && e.values.at("producer_byte_rate") == want; });
        it->values.erase("producer_byte_rate");
    }
    EXPECT_FALSE(resolve_quota(q, quota_type::produce, "u", "c"));
    EXPECT_EQ(resolve_quota(q, quota_type::fetch, "u", "c")->bound, 9);
    EXPECT_FALSE(resolve_quota(q, quota_type::fetch, "u", "other"));
}

TEST(ClientQuotas, TagsNameWhatTheEntityCountsFor) {
    std::vector<client_quota_entry> q = {entry({{"client-id", dflt}}, {{"producer_byte_rate", 8}})};
    auto r = resolve_quota(q, quota_type::produce, anonymous_user, "app");
    EXPECT_EQ(r->user_tag, "");
    EXPECT_EQ(r->client_tag, "app"); // each client-id its own budget under a default quota
    q = {entry({{"user", dflt}}, {{"producer_byte_rate", 8}})};
    r = resolve_quota(q, quota_type::produce, anonymous_user, "app");
    EXPECT_EQ(r->user_tag, "ANONYMOUS");
    EXPECT_EQ(r->client_tag, ""); // shared by all the user's client-ids
}

TEST(ClientQuotas, AlterChecks) {
    const quota_entity c{{"client-id", "c"}};
    EXPECT_FALSE(check_alter(c, {{"producer_byte_rate", 1024, false}, {"consumer_byte_rate", 1, false}}));
    EXPECT_FALSE(check_alter(c, {{"producer_byte_rate", 0, true}}));
    EXPECT_TRUE(check_alter(c, {{"producer_byte_rate", -1, false}}));
    EXPECT_TRUE(check_alter(c, {{"producer_byte_rate", 0, false}}));
    EXPECT_TRUE(check_alter(c, {{"producer_byte_rate", NAN, false}}));
    EXPECT_TRUE(check_alter(c, {{"producer_byte_rate", INFINITY, false}}));
    EXPECT_TRUE(check_alter(c, {{"producer_byte_rate", 1.5, false}}));
    EXPECT_TRUE(check_alter(c, {{"bogus", 1, false}}));
    // request_percentage: a positive number, fractions allowed (Kafka: a double)
    EXPECT_FALSE(check_alter(c, {{"request_percentage", 50, false}}));
    EXPECT_FALSE(check_alter(c, {{"request_percentage", 0.5, false}}));
    EXPECT_FALSE(check_alter(c, {{"request_percentage", 250, false}})); // more than one thread
    EXPECT_TRUE(check_alter(c, {{"request_percentage", 0, false}}));
    EXPECT_TRUE(check_alter(c, {{"request_percentage", -5, false}}));
    EXPECT_TRUE(check_alter(c, {{"request_percentage", NAN, false}}));
    EXPECT_TRUE(check_alter(c, {{"producer_byte_rate", 1, false}, {"producer_byte_rate", 2, false}}));
    EXPECT_TRUE(check_alter({}, {{"producer_byte_rate", 1, false}}));
    EXPECT_TRUE(check_alter({{"ip", "1.2.3.4"}}, {{"producer_byte_rate", 1, false}}));
    EXPECT_TRUE(check_alter({{"client-id", ""}}, {{"producer_byte_rate", 1, false}}));
    auto bad = check_alter(c, {{"bogus", 1, false}});
    EXPECT_EQ(bad->error, error_code::invalid_request);
    EXPECT_NE(bad->message.find("bogus"), std::string::npos);
}

TEST(ClientQuotas, ApplyAlterAddsRemovesAndDropsEmptyEntities) {
    std::vector<client_quota_entry> q;
    const quota_entity c{{"client-id", "c"}};
    apply_alter(q, c, {{"producer_byte_rate", 10, false}, {"consumer_byte_rate", 20, false}});
    ASSERT_EQ(q.size(), 1u);
    apply_alter(q, c, {{"producer_byte_rate", 0, true}});
    EXPECT_EQ(q[0].values, (std::map<std::string, double>{{"consumer_byte_rate", 20}}));
    apply_alter(q, c, {{"consumer_byte_rate", 0, true}});
    EXPECT_TRUE(q.empty());
    apply_alter(q, c, {{"consumer_byte_rate", 0, true}}); // removing what is not there: nothing
    EXPECT_TRUE(q.empty());
}

TEST(ClientQuotas, DescribeMatching) {
    const quota_entity c{{"client-id", "c"}}, d{{"client-id", dflt}}, uc{{"user", "u"}, {"client-id", "c"}};
    const std::vector<quota_filter_component> exact{{"client-id", 0, "c"}}, deflt{{"client-id", 1, dflt}},
        any{{"client-id", 2, dflt}}, none;
    EXPECT_TRUE(filter_matches(exact, false, c));
    EXPECT_TRUE(filter_matches(exact, false, uc));
    EXPECT_FALSE(filter_matches(exact, true, uc));
    EXPECT_FALSE(filter_matches(exact, false, d));
    EXPECT_TRUE(filter_matches(deflt, false, d));
    EXPECT_FALSE(filter_matches(deflt, false, c));
    EXPECT_TRUE(filter_matches(any, false, d));
    EXPECT_TRUE(filter_matches(any, false, uc));
    EXPECT_FALSE(filter_matches({{"user", 2, dflt}}, false, c));
    EXPECT_TRUE(filter_matches(none, false, uc));
    EXPECT_FALSE(filter_matches(none, true, uc)); // strict with no component: nothing has no parts
    EXPECT_TRUE(check_filter({{"client-id", 0, dflt}}));
    EXPECT_TRUE(check_filter({{"client-id", 1, "x"}}));
    EXPECT_TRUE(check_filter({{"client-id", 3, dflt}}));
    EXPECT_TRUE(check_filter({{"client-id", 2, dflt}, {"client-id", 2, dflt}}));
    EXPECT_TRUE(check_filter({{"ip", 2, dflt}}));
    EXPECT_FALSE(check_filter({{"user", 2, dflt}, {"client-id", 0, "c"}}));
}

TEST(RateSensor, SpreadsAFirstBurstOverTheWholeSpanLikeKafka) {
    rate_sensor s(11, 1000);
    const int64_t t0 = 1'000'000;
    s.record(10'000, t0);
    auto m = s.measure_at(t0);
    EXPECT_EQ(m.window_ms, 10'000); // at least samples - 1 whole windows
    EXPECT_DOUBLE_EQ(m.per_second, 1000.0);
    EXPECT_EQ(s.throttle_ms(1000.0, t0), 0); // exactly at the quota
    EXPECT_EQ(s.measure_at(t0 + 100).window_ms, 10'100);
    s.record(1000, t0);
    // rate 1100/s against 1000/s over 10 s: 1 s of silence brings it back
    EXPECT_EQ(s.throttle_ms(1000.0, t0), 1000);
    // after the span the first window no longer counts
    EXPECT_EQ(s.measure_at(t0 + 11'000).per_second, 0);
}

TEST(RateSensor, UnrecordAndCap) {
    rate_sensor s(3, 1000);
    s.record(1'000'000, 5'000);
    EXPECT_EQ(s.throttle_ms(1.0, 5'000), 3 * 1000); // capped at the sampled span
    s.record(-2'000'000, 5'000);                    // never below zero
    EXPECT_EQ(s.measure_at(5'000).per_second, 0);
}

TEST(RateSensor, RecordsFromManyThreadsWithoutLoss) {
    rate_sensor s(11, 1'000'000); // one window for the whole test
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
        ts.emplace_back([&] {
            for (int i = 0; i < 100'000; ++i) s.record(1, 500);
        });
    for (auto& t : ts) t.join();
    auto m = s.measure_at(500);
    EXPECT_DOUBLE_EQ(m.per_second * static_cast<double>(m.window_ms) / 1000.0, 400'000.0);
}

TEST(QuotaManager, ConnectionsFollowTheQuotaSet) {
    quota_manager qm;
    qm.configure(11, 1000);
    EXPECT_FALSE(qm.active());
    connection_quotas c;
    qm.replace({entry({{"client-id", "a"}}, {{"producer_byte_rate", 100}})});
    EXPECT_TRUE(qm.active());
    EXPECT_TRUE(qm.binds(c, "a", quota_type::produce));
    EXPECT_FALSE(qm.binds(c, "b", quota_type::produce));
    EXPECT_EQ(qm.window_limit(c, "a", quota_type::produce), 1000);
    EXPECT_EQ(qm.record(c, "a", quota_type::produce, 1000, 50'000), 0);
    EXPECT_GT(qm.record(c, "a", quota_type::produce, 100, 50'000), 0);
    // another connection of the same client shares the sensor
    connection_quotas c2;
    EXPECT_GT(qm.record(c2, "a", quota_type::produce, 1, 50'000), 0);
    qm.replace({});
    EXPECT_FALSE(qm.active());
    EXPECT_EQ(qm.record(c, "a", quota_type::produce, 1'000'000, 50'000), 0);
}

// A default client-id quota gives every client id a sensor of its own; the sensors of clients
// that left and recorded nothing within the sampled span are dropped (at most once a span),
// those of connected or recently active clients kept.
TEST(QuotaManager, IdleSensorsNoConnectionHoldsAreDropped) {
    quota_manager qm;
    qm.configure(2, 1000); // a 2 s span
    qm.replace({entry({{"client-id", dflt}}, {{"producer_byte_rate", 100}})});
    const int64_t t0 = 1'000'000;
    connection_quotas held;
    qm.record(held, "held", quota_type::produce, 1, t0);
    for (int i = 0; i < 100; ++i) {
        connection_quotas gone;
        qm.record(gone, "client-" + std::to_string(i), quota_type::produce, 1, t0);
    }
    EXPECT_EQ(qm.sensor_count(), 101u);
    {
        connection_quotas recent;
        qm.record(recent, "recent", quota_type::produce, 1, t0 + 2'500); // t0's windows are out of the span
        EXPECT_EQ(qm.sensor_count(), 2u);                                 // held + recent
        connection_quotas back;
        qm.record(back, "client-0", quota_type::produce, 1, t0 + 3'000); // within the span of the last pass
        EXPECT_EQ(qm.sensor_count(), 3u);
    }
    connection_quotas late;
    qm.record(late, "late", quota_type::produce, 1, t0 + 5'000);
    EXPECT_EQ(qm.sensor_count(), 2u); // held + late
    // The connection that held its sensor records on into it and is throttled past its quota.
    EXPECT_GT(qm.record(held, "held", quota_type::produce, 250, t0 + 5'000), 0);
    EXPECT_EQ(qm.sensor_count(), 2u);
}

TEST(QuotaManager, RequestPercentageIsMicrosecondsOfThreadTime) {
    quota_manager qm;
    qm.configure(11, 1000);
    connection_quotas c;
    qm.replace({entry({{"client-id", "a"}}, {{"request_percentage", 1}})});
    EXPECT_TRUE(qm.binds(c, "a", quota_type::request));
    EXPECT_FALSE(qm.binds(c, "a", quota_type::produce));
    EXPECT_EQ(resolve_quota(qm.entries(), quota_type::request, anonymous_user, "a")->bound, 1);
    // 1 % of a thread = 10 ms per second: over the 10 s minimum span, 100 ms pass, more throttles
    EXPECT_EQ(qm.record(c, "a", quota_type::request, 100'000, 50'000), 0);
    const int64_t t = qm.record(c, "a", quota_type::request, 10'000, 50'000);
    EXPECT_NEAR(t, 1000, 1); // 10 % over the quota over 10 s: 1 s of silence
    EXPECT_EQ(quota_label(quota_type::request), "request");
    EXPECT_EQ(quota_type_of("request_percentage"), quota_type::request);
}

asio::awaitable<void> busy_then_wait(std::chrono::milliseconds busy, std::chrono::milliseconds wait) {
    auto spin = [](std::chrono::milliseconds d) {
        const auto end = std::chrono::steady_clock::now() + d;
        while (std::chrono::steady_clock::now() < end) {
        }
    };
    spin(busy);
    asio::steady_timer t(co_await asio::this_coro::executor, wait);
    co_await t.async_wait(asio::use_awaitable);
    spin(busy);
}

TEST(RequestTimer, ChargesTheSlicesOnTheThreadNotTheWaits) {
    asio::io_context io;
    auto clock = std::make_shared<request_clock>();
    auto other = std::make_shared<request_clock>();
    bool done = false;
    asio::co_spawn(timed_executor(io.get_executor(), clock), busy_then_wait(std::chrono::milliseconds(20),
                                                                            std::chrono::milliseconds(200)),
                   [&](std::exception_ptr) { done = true; });
    // another timed request running while the first waits is charged to itself only
    asio::co_spawn(timed_executor(io.get_executor(), other),
                   busy_then_wait(std::chrono::milliseconds(30), std::chrono::milliseconds(1)), asio::detached);
    io.run();
    ASSERT_TRUE(done);
    const double ms = static_cast<double>(clock->ns) / 1e6;
    EXPECT_GE(ms, 40);
    EXPECT_LT(ms, 150); // not the 200 ms wait, nor the other request's 60 ms (loaded machine: slack)
    EXPECT_GE(static_cast<double>(other->ns) / 1e6, 60);
    EXPECT_EQ(charged_ns(*clock), clock->ns); // not running: nothing in flight
}

TEST(ClientQuotaStore, RoundTripAndMalformed) {
    storage::test::temp_dir dir;
    storage::client_quota_store store(dir.path);
    EXPECT_TRUE(store.load()->empty());
    std::vector<client_quota_entry> q = {entry({{"client-id", dflt}, {"user", "u"}}, {{"producer_byte_rate", 1024}})};
    ASSERT_TRUE(store.save(q));
    EXPECT_EQ(*store.load(), q);
    std::filesystem::resize_file(store.path(), 10);
    EXPECT_FALSE(store.load());
}

} // namespace
} // namespace brook::broker
