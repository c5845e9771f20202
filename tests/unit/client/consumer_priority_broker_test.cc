// client::consumer's priority lane against a real broker. Skipped unless BROOK_TEST_BOOTSTRAP
// names one: tests/integration/test_client_consumer.py starts Brook and runs these.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>

#include "client/admin.h"
#include "client/consumer.h"
#include "client/producer.h"

using namespace brook::client;

namespace {
std::string bootstrap() {
    const char* b = std::getenv("BROOK_TEST_BOOTSTRAP");
    return b ? b : "";
}

void create(const std::string& topic) {
    auto a = admin::create(base_config(bootstrap()));
    ASSERT_TRUE(a);
    auto s = a->create_topic({topic, 1, 1, {}}, 10000);
    ASSERT_TRUE(s || s.err().code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) << s.err().message;
}

void produce(const std::string& topic, int n, const std::string& tag) {
    auto p = producer::create(base_config(bootstrap()));
    ASSERT_TRUE(p) << p.err().message;
    for (int i = 0; i < n; ++i) {
        record r;
        r.topic = topic;
        r.partition = 0;
        r.value = tag + std::to_string(i);
        ASSERT_TRUE(p->send(r));
    }
    for (const auto& d : p->flush(10000)) ASSERT_FALSE(d.failed) << d.failed->message;
}
} // namespace

class client_consumer_broker : public ::testing::Test {
protected:
    void SetUp() override {
        if (bootstrap().empty()) GTEST_SKIP() << "BROOK_TEST_BOOTSTRAP not set";
    }
};

// A backlog of the other topic is prefetched first; records of the priority topic that arrive
// later are still returned before any more of it, and nothing of either is lost or reordered.
// (With one shared queue the backlog came first, and librdkafka's queued.min.messages, counted
// over that queue, kept the later topic from being fetched at all until the backlog drained.)
TEST_F(client_consumer_broker, priority_topic_is_served_before_a_prefetched_backlog) {
    const std::string bulk = "cp.bulk", prio = "cp.prio";
    create(bulk);
    create(prio);
    constexpr int bulk_n = 5000, prio_n = 10;
    produce(bulk, bulk_n, "b");

    auto cfg = base_config(bootstrap());
    cfg.emplace_back("group.id", "cp-priority");
    cfg.emplace_back("queued.min.messages", "1000");
    cfg.emplace_back("enable.auto.commit", "false");
    std::vector<bool> rebalances;
    auto c = consumer::create(
        cfg, [&](bool assigned, std::vector<partition_offset>&) { rebalances.push_back(assigned); }, prio);
    ASSERT_TRUE(c) << c.err().message;
    ASSERT_TRUE(c->subscribe({bulk, prio}));

    std::set<int64_t> bulk_seen;
    int64_t last_bulk = -1;
    auto take = [&](const record& r) {
        if (r.topic != bulk) return;
        EXPECT_GT(r.offset, last_bulk);
        last_bulk = r.offset;
        bulk_seen.insert(r.offset);
    };
    // Assigned and fetching: the first bulk record is here (and a backlog behind it).
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30); bulk_seen.empty();) {
        ASSERT_LT(std::chrono::steady_clock::now(), until) << "no record of " << bulk;
        auto ev = c->poll(100);
        ASSERT_TRUE(ev) << ev.err().message;
        if (auto* r = std::get_if<record>(&*ev)) {
            ASSERT_EQ(r->topic, bulk);
            take(*r);
        }
    }
    ASSERT_EQ(rebalances, std::vector<bool>{true});

    produce(prio, prio_n, "p");
    // Not polling meanwhile: the fetcher fills both lanes in the background.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));

    int prio_seen = 0, bulk_before_prio = 0;
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
         prio_seen < prio_n || int(bulk_seen.size()) < bulk_n;) {
        ASSERT_LT(std::chrono::steady_clock::now(), until) << prio_seen << " of " << prio << ", " << bulk_seen.size() << " of " << bulk;
        auto ev = c->poll(100);
        ASSERT_TRUE(ev) << ev.err().message;
        auto* r = std::get_if<record>(&*ev);
        if (!r) continue;
        if (r->topic == prio) {
            EXPECT_EQ(r->offset, prio_seen);
            EXPECT_EQ(r->value, "p" + std::to_string(prio_seen));
            ++prio_seen;
        } else {
            if (prio_seen < prio_n) ++bulk_before_prio;
            take(*r);
        }
    }
    EXPECT_EQ(bulk_before_prio, 0);
    EXPECT_EQ(int(bulk_seen.size()), bulk_n);
    ASSERT_TRUE(c->close());
    EXPECT_EQ(rebalances, (std::vector<bool>{true, false}));
}
