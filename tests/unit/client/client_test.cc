// The parts of src/client that need no broker: config application, error values, and the
// fail-fast path of an unreachable cluster.
#include <gtest/gtest.h>

#include <chrono>

#include "client/admin.h"
#include "client/handle.h"
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
