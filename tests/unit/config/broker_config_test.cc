#include "config/broker_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace brook::config;

TEST(broker_config, set_and_get) {
    broker_config c;
    EXPECT_FALSE(set_property(c, "num.partitions", "3"));
    EXPECT_EQ(c.num_partitions, 3);
    EXPECT_FALSE(set_property(c, "auto.create.topics.enable", "false"));
    EXPECT_FALSE(c.auto_create_topics_enable);
    EXPECT_EQ(get_property(c, *find_property("num.partitions")), "3");
}

TEST(broker_config, bad_values_say_what_to_fix) {
    broker_config c;
    auto e = set_property(c, "num.partitions", "zero");
    ASSERT_TRUE(e);
    EXPECT_NE(e->find("not an integer"), std::string::npos);
    e = set_property(c, "num.partitions", "0");
    ASSERT_TRUE(e);
    EXPECT_NE(e->find("within"), std::string::npos);
    e = set_property(c, "no.such.thing", "1");
    ASSERT_TRUE(e);
    EXPECT_NE(e->find("unknown property"), std::string::npos);
    EXPECT_TRUE(set_property(c, "auto.create.topics.enable", "maybe"));
}

TEST(broker_config, group_commit_delay) {
    broker_config c;
    EXPECT_EQ(c.group_commit_delay_us, 1000);
    EXPECT_FALSE(set_property(c, "group.commit.delay.us", "0")); // sync again at once
    EXPECT_EQ(c.group_commit_delay_us, 0);
    auto e = set_property(c, "group.commit.delay.us", "-1");
    ASSERT_TRUE(e);
    EXPECT_NE(e->find("within"), std::string::npos);
    EXPECT_TRUE(set_property(c, "group.commit.delay.us", "100001")); // a 0.1 s wait per round is a mistake
}

TEST(broker_config, log_flush_interval) {
    broker_config c;
    EXPECT_EQ(c.log_flush_interval_ms, 5);
    EXPECT_FALSE(set_property(c, "log.flush.interval.ms", "0")); // sync acks=1 data back to back
    EXPECT_EQ(c.log_flush_interval_ms, 0);
    auto e = set_property(c, "log.flush.interval.ms", "-1");
    ASSERT_TRUE(e);
    EXPECT_NE(e->find("within"), std::string::npos);
    // Consumers wait this long for acks=1 data: more than 10 s is a mistake, not a tuning.
    EXPECT_TRUE(set_property(c, "log.flush.interval.ms", "10001"));
}

TEST(broker_config, transaction_properties) {
    broker_config c;
    EXPECT_EQ(c.transaction_max_timeout_ms, 900000); // Kafka's defaults
    EXPECT_EQ(c.transactional_id_expiration_ms, 604800000);
    EXPECT_EQ(c.producer_id_expiration_ms, 86400000);
    EXPECT_FALSE(set_property(c, "transaction.max.timeout.ms", "10000"));
    EXPECT_EQ(c.transaction_max_timeout_ms, 10000);
    EXPECT_TRUE(set_property(c, "transaction.max.timeout.ms", "0")); // no transaction could start
    EXPECT_TRUE(set_property(c, "producer.id.expiration.ms", "-5"));
    EXPECT_FALSE(set_property(c, "transactional.id.expiration.ms", "3600000"));
    EXPECT_EQ(c.transactional_id_expiration_ms, 3600000);
}

TEST(broker_config, yaml_then_env_precedence) {
    auto path = std::string(testing::TempDir()) + "/brook-config-test.yaml";
    std::ofstream(path) << "num.partitions: 4\nlog:\n  segment:\n    bytes: 4096\n";
    broker_config c;
    ASSERT_FALSE(apply_yaml_file(c, path));
    EXPECT_EQ(c.num_partitions, 4);
    EXPECT_EQ(c.log_segment_bytes, 4096);
    std::string var = "BROOK_NUM_PARTITIONS=7";
    char* env[] = {var.data(), nullptr};
    ASSERT_FALSE(apply_environment(c, env));
    EXPECT_EQ(c.num_partitions, 7);
    std::remove(path.c_str());
    EXPECT_TRUE(apply_yaml_file(c, path)); // missing file is an error with a message
}

TEST(broker_config, otel_environment_and_brook_override) {
    broker_config c;
    EXPECT_EQ(c.otel_exporter_otlp_endpoint, "");
    EXPECT_EQ(c.otel_metric_export_interval, 60000);
    EXPECT_EQ(c.otel_service_name, "brook");
    std::string ep = "OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318", iv = "OTEL_METRIC_EXPORT_INTERVAL=500",
                sn = "OTEL_SERVICE_NAME=edge", brook = "BROOK_OTEL_SERVICE_NAME=core";
    char* env[] = {ep.data(), iv.data(), sn.data(), brook.data(), nullptr};
    ASSERT_FALSE(apply_otel_environment(c, env));
    EXPECT_EQ(c.otel_exporter_otlp_endpoint, "http://collector:4318");
    EXPECT_EQ(c.otel_metric_export_interval, 500);
    EXPECT_EQ(c.otel_service_name, "edge");
    ASSERT_FALSE(apply_environment(c, env)); // serve's order: OTEL_* first, BROOK_* wins
    EXPECT_EQ(c.otel_service_name, "core");
    std::string bad = "OTEL_METRIC_EXPORT_INTERVAL=fast";
    char* bad_env[] = {bad.data(), nullptr};
    auto err = apply_otel_environment(c, bad_env);
    ASSERT_TRUE(err);
    EXPECT_NE(err->find("OTEL_METRIC_EXPORT_INTERVAL"), std::string::npos) << *err;
}

TEST(topic_names, kafka_rules) {
    EXPECT_TRUE(is_valid_topic_name("orders"));
    EXPECT_TRUE(is_valid_topic_name("a.b_c-D9"));
    EXPECT_FALSE(is_valid_topic_name(""));
    EXPECT_FALSE(is_valid_topic_name("."));
    EXPECT_FALSE(is_valid_topic_name(".."));
    EXPECT_FALSE(is_valid_topic_name("bad/name"));
    EXPECT_FALSE(is_valid_topic_name(std::string(250, 'a')));
    EXPECT_TRUE(is_valid_topic_name(std::string(249, 'a')));
}

TEST(topic_names, dot_and_underscore_collide) {
    EXPECT_TRUE(topic_names_collide("a.b", "a_b"));
    EXPECT_TRUE(topic_names_collide("a_b.c", "a.b_c"));
    EXPECT_FALSE(topic_names_collide("a.b", "a.b")); // the same topic, not a collision
    EXPECT_FALSE(topic_names_collide("a.b", "a-b"));
    EXPECT_FALSE(topic_names_collide("a.b", "a.bc"));
}

TEST(topic_config, validation) {
    EXPECT_FALSE(validate_topic_config("retention.ms", "1000"));
    EXPECT_TRUE(validate_topic_config("retention.ms", "soon"));
    EXPECT_TRUE(validate_topic_config("no.such", "1"));
}

TEST(topic_config, cleaner_settings) {
    for (const char* ok : {"delete", "compact", "compact,delete", "delete,compact", "compact, delete"})
        EXPECT_FALSE(validate_topic_config("cleanup.policy", ok)) << ok;
    for (const char* bad : {"", "compacted", "compact,", "delete;compact", ",delete"})
        EXPECT_TRUE(validate_topic_config("cleanup.policy", bad)) << bad;
    auto both = parse_cleanup_policy("compact,delete");
    ASSERT_TRUE(both);
    EXPECT_TRUE(both->compact && both->del);
    auto compact = parse_cleanup_policy("compact");
    ASSERT_TRUE(compact);
    EXPECT_TRUE(compact->compact && !compact->del);
    EXPECT_FALSE(validate_topic_config("min.cleanable.dirty.ratio", "0.25"));
    EXPECT_FALSE(validate_topic_config("min.cleanable.dirty.ratio", "1"));
    EXPECT_TRUE(validate_topic_config("min.cleanable.dirty.ratio", "1.5"));
    EXPECT_TRUE(validate_topic_config("min.cleanable.dirty.ratio", "half"));
    EXPECT_FALSE(validate_topic_config("delete.retention.ms", "0"));
    EXPECT_TRUE(validate_topic_config("delete.retention.ms", "-1"));
    EXPECT_FALSE(validate_topic_config("min.compaction.lag.ms", "1000"));
    EXPECT_TRUE(validate_topic_config("min.compaction.lag.ms", "-5"));
    EXPECT_FALSE(validate_topic_config("max.compaction.lag.ms", "60000"));
    EXPECT_TRUE(validate_topic_config("max.compaction.lag.ms", "0"));
}
