// The topic config table: every key Kafka documents is there, each default passes its own
// validator (so DescribeConfigs never reports a value AlterConfigs would refuse), bad values get
// a message that says what a good one looks like; set_property records what was set explicitly.
#include "config/broker_config.h"

#include <gtest/gtest.h>

using namespace brook::config;

TEST(topic_config, every_kafka_key_is_known) {
    for (const char* key : {"cleanup.policy", "compression.type", "file.delete.delay.ms", "flush.messages", "flush.ms",
                            "follower.replication.throttled.replicas", "index.interval.bytes",
                            "leader.replication.throttled.replicas", "local.retention.bytes", "local.retention.ms",
                            "max.message.bytes", "message.downconversion.enable", "message.format.version",
                            "message.timestamp.after.max.ms", "message.timestamp.before.max.ms",
                            "message.timestamp.difference.max.ms", "message.timestamp.type", "min.insync.replicas",
                            "preallocate", "remote.storage.enable", "retention.bytes", "retention.ms", "segment.bytes",
                            "segment.index.bytes", "segment.jitter.ms", "segment.ms", "unclean.leader.election.enable",
                            "brook.produce.enabled"})
        EXPECT_NE(find_topic_property(key), nullptr) << key;
}

TEST(topic_config, defaults_pass_their_own_validation) {
    broker_config defaults;
    for (const auto& p : topic_properties()) {
        auto v = p.broker_default(defaults);
        EXPECT_FALSE(validate_topic_config(p.name, v)) << p.name << "=" << v;
        if (p.broker_synonym && find_property(p.broker_synonym)) // Brook's own broker property: the same value
            EXPECT_EQ(v, get_property(defaults, *find_property(p.broker_synonym))) << p.name;
    }
}

TEST(topic_config, bad_values_say_what_a_good_one_is) {
    EXPECT_EQ(validate_topic_config("retention.ms", "soon"),
              "invalid value 'soon' for topic config retention.ms: expected an integer >= -1");
    EXPECT_EQ(validate_topic_config("compression.type", "brotli"),
              "invalid value 'brotli' for topic config compression.type: expected one of producer, uncompressed, gzip, snappy, lz4, zstd");
    EXPECT_EQ(validate_topic_config("no.such", "1"), "unknown topic config 'no.such' (see docs/configs.md for the keys Brook accepts)");
    EXPECT_TRUE(validate_topic_config("min.insync.replicas", "0"));
    EXPECT_TRUE(validate_topic_config("preallocate", "yes"));
    EXPECT_TRUE(validate_topic_config("remote.storage.enable", "true"));
    EXPECT_TRUE(validate_topic_config("local.retention.ms", "-3"));
    EXPECT_FALSE(validate_topic_config("local.retention.ms", "-2"));
    EXPECT_FALSE(validate_topic_config("message.format.version", "2.8-IV1"));
    EXPECT_TRUE(validate_topic_config("message.format.version", "latest"));
}

TEST(topic_config, throttled_replicas_syntax) {
    for (const char* ok : {"", "*", "0:0", "0:0,1:0", "0:0, 1:0"})
        EXPECT_FALSE(validate_topic_config("leader.replication.throttled.replicas", ok)) << ok;
    for (const char* bad : {"0", "0:", ":0", "a:b", "0:0,", "0:0;1:0"})
        EXPECT_TRUE(validate_topic_config("follower.replication.throttled.replicas", bad)) << bad;
    EXPECT_EQ(find_topic_property("leader.replication.throttled.replicas")->type, config_type::list);
}

TEST(broker_config, set_explicitly_and_live_flags) {
    broker_config c;
    EXPECT_TRUE(c.set_explicitly.empty());
    EXPECT_TRUE(set_property(c, "log.retention.ms", "soon")); // refused: not set, so not recorded
    EXPECT_TRUE(c.set_explicitly.empty());
    ASSERT_FALSE(set_property(c, "log.retention.ms", "1000"));
    EXPECT_EQ(c.set_explicitly.count("log.retention.ms"), 1u);
    EXPECT_FALSE(c.set_explicitly.contains(std::string_view("log.segment.bytes")));
    EXPECT_TRUE(set_property(c, "log.message.timestamp.type", "WallClock"));
    EXPECT_TRUE(find_property("log.retention.ms")->live);
    EXPECT_FALSE(find_property("data.dir")->live);
    EXPECT_EQ(type_of(*find_property("brook.produce.blocked.client.ids")), config_type::list);
    EXPECT_EQ(type_of(*find_property("log.retention.ms")), config_type::int64);
    EXPECT_EQ(type_of(*find_property("auto.create.topics.enable")), config_type::boolean);
}
