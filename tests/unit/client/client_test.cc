// The parts of src/client that need no broker: config application, error values, and the
// fail-fast path of an unreachable cluster.
#include <gtest/gtest.h>

#include <chrono>

#include "client/admin.h"
#include "client/handle.h"
#include "client/consumer.h"
#include "client/producer.h"

using namespace brook::client;

TEST(client_config, bad_key_is_an_error_naming_it) {
    auto conf = make_conf({{"bootstrap.servers", "x:1"}, {"no.such.property", "1"}});
    ASSERT_FALSE(conf);
    EXPECT_NE(conf.err().message.find("no.such.property"), std::string::npos) << conf.err().message;
}

TEST(client_config, later_pairs_win) {
    auto p = producer::create({{"bootstrap.servers", "x:1"}, {"acks", "1"}, {"enable.idempotence", "false"}});
    ASSERT_TRUE(p) << p.err().message;
}

// librdkafka's own lines stay quiet (callers print what failed) unless the caller asked for
// them with 'debug' (a SQL table's 'properties.debug').
TEST(client_config, librdkafka_logs_only_with_debug) {
    for (bool debug : {false, true}) {
        auto cfg = base_config("127.0.0.1:1");
        if (debug) cfg.emplace_back("debug", "conf");
        testing::internal::CaptureStderr();
        {
            auto p = producer::create(cfg);
            ASSERT_TRUE(p) << p.err().message;
        }
        const std::string err = testing::internal::GetCapturedStderr();
        if (debug) EXPECT_NE(err.find("|CONF|"), std::string::npos) << err;
        else EXPECT_EQ(err, "");
    }
}

TEST(client_error, names_and_unreachable) {
    error e = make_error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    EXPECT_EQ(e.code_name(), "UNKNOWN_TOPIC_OR_PART");
    EXPECT_FALSE(e.unreachable);
    EXPECT_EQ(make_error(RD_KAFKA_RESP_ERR__TRANSPORT).code_name(), "TRANSPORT");
    EXPECT_TRUE(make_error(RD_KAFKA_RESP_ERR__TRANSPORT).unreachable);
    // A timeout alone says nothing about the address (a slow CreateTopics times out too).
    EXPECT_FALSE(make_error(RD_KAFKA_RESP_ERR__TIMED_OUT).unreachable);
}

TEST(client_admin, unreachable_cluster_fails_within_the_timeout) {
    auto a = admin::create(base_config("127.0.0.1:1"));
    ASSERT_TRUE(a);
    auto t0 = std::chrono::steady_clock::now();
    auto c = a->describe_cluster(1500);
    ASSERT_FALSE(c);
    EXPECT_TRUE(c.err().unreachable) << c.err().code_name();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

// --- transactions: the state machine and error classification without a broker -------------

TEST(client_txn, init_without_transactional_id_is_an_error) {
    auto p = producer::create(base_config("127.0.0.1:1"));
    ASSERT_TRUE(p);
    auto s = p->init_transactions(1000);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.err().code, RD_KAFKA_RESP_ERR__NOT_CONFIGURED) << s.err().code_name();
    EXPECT_FALSE(s.err().fatal);
}

TEST(client_txn, begin_before_init_is_a_state_error) {
    auto cfg = base_config("127.0.0.1:1");
    cfg.emplace_back("transactional.id", "t-begin");
    auto p = producer::create(cfg);
    ASSERT_TRUE(p);
    auto s = p->begin_transaction();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.err().code, RD_KAFKA_RESP_ERR__STATE) << s.err().code_name();
    EXPECT_FALSE(s.err().retriable);
    EXPECT_FALSE(s.err().abortable);
}

TEST(client_txn, init_against_nothing_times_out_and_may_be_retried) {
    auto cfg = base_config("127.0.0.1:1");
    cfg.emplace_back("transactional.id", "t-init");
    auto p = producer::create(cfg);
    ASSERT_TRUE(p);
    auto t0 = std::chrono::steady_clock::now();
    auto s = p->init_transactions(1000);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.err().code, RD_KAFKA_RESP_ERR__TIMED_OUT) << s.err().code_name();
    EXPECT_TRUE(s.err().retriable);
    EXPECT_FALSE(s.err().fatal);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(client_txn, garbage_group_metadata_is_an_error) {
    auto cfg = base_config("127.0.0.1:1");
    cfg.emplace_back("transactional.id", "t-md");
    auto p = producer::create(cfg);
    ASSERT_TRUE(p);
    auto s = p->send_offsets_to_transaction({{{"t", 0}, 1}}, group_metadata{"not metadata"}, 1000);
    ASSERT_FALSE(s);
    EXPECT_NE(s.err().message, "");
}

TEST(client_txn, group_metadata_is_a_value_the_producer_reads_back) {
    auto c = consumer::create({{"bootstrap.servers", "127.0.0.1:1"}, {"group.id", "g-md"}});
    ASSERT_TRUE(c) << c.err().message;
    auto md = c->txn_group_metadata();
    ASSERT_TRUE(md) << md.err().message;
    EXPECT_FALSE(md->bytes.empty());
    auto cfg = base_config("127.0.0.1:1");
    cfg.emplace_back("transactional.id", "t-md2");
    auto p = producer::create(cfg);
    ASSERT_TRUE(p);
    // Parsed fine; refused only because no transaction is open.
    auto s = p->send_offsets_to_transaction({{{"t", 0}, 1}}, *md, 1000);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.err().code, RD_KAFKA_RESP_ERR__STATE) << s.err().code_name() << " " << s.err().message;
}
