// Dynamic broker configs and what DescribeConfigs reports: a broker entry beats the cluster
// default, which beats the static value; stored entries that are no longer valid are skipped;
// sources and synonyms come out in Kafka's order for topics and for the broker.
#include "broker/config_describe.h"
#include "broker/dynamic_config.h"

#include <gtest/gtest.h>

namespace brook::broker {
namespace {

const described_config& find(const std::vector<described_config>& all, const std::string& name) {
    for (const auto& d : all)
        if (d.name == name) return d;
    throw std::runtime_error("no " + name);
}

config::broker_config statics() {
    config::broker_config c;
    EXPECT_FALSE(config::set_property(c, "log.segment.bytes", "4096"));
    EXPECT_FALSE(config::set_property(c, "log.retention.ms", "1000"));
    return c;
}

TEST(dynamic_config, precedence_and_skipped_entries) {
    storage::dynamic_broker_configs stored;
    stored.cluster_default = {{"log.retention.ms", "2000"}, {"log.roll.ms", "3000"}, {"num.partitions", "4"}};
    stored.broker = {{"log.retention.ms", "5000"}, {"brook.produce.blocked.client.ids", " a, b ,,c "},
                     {"no.such", "1"}, {"message.max.bytes", "tiny"}};
    auto d = build_dynamic_config(statics(), stored);
    EXPECT_EQ(d.effective.log_retention_ms, 5000);   // broker over cluster default over static
    EXPECT_EQ(d.effective.log_roll_ms, 3000);        // cluster default over the default
    EXPECT_EQ(d.effective.log_segment_bytes, 4096);  // static
    EXPECT_EQ(d.effective.num_partitions, 1);        // not live: skipped
    EXPECT_EQ(d.blocked_client_ids, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(d.blocks_client("b"));
    EXPECT_FALSE(d.blocks_client("ab"));
    EXPECT_EQ(d.stored.broker.size(), 2u); // the unknown and the bad entry are gone
    EXPECT_FALSE(d.effective.set_explicitly.contains(std::string_view("log.roll.ms")));
}

TEST(dynamic_config, rejections_name_the_fix) {
    auto r = check_dynamic_entry("data.dir", "/x");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, error_code::invalid_request);
    EXPECT_NE(r->message.find("restart"), std::string::npos);
    r = check_dynamic_entry("log.retention.ms", "-2");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, error_code::invalid_config);
    EXPECT_EQ(check_dynamic_entry("nope", "1")->error, error_code::invalid_config);
    EXPECT_FALSE(check_dynamic_entry("log.retention.ms", "-1"));
}

TEST(config_describe, topic_sources_and_synonyms) {
    storage::dynamic_broker_configs stored;
    stored.cluster_default = {{"log.roll.ms", "3000"}};
    stored.broker = {{"log.retention.bytes", "777"}};
    auto d = build_dynamic_config(statics(), stored);
    topic_info t;
    t.name = "t";
    t.configs = {{"retention.ms", "60000"}, {"legacy.key", "x"}};
    auto all = describe_topic_configs(t, d, statics());

    const auto& ms = find(all, "retention.ms");
    EXPECT_EQ(ms.value, "60000");
    EXPECT_EQ(ms.source, config_source::dynamic_topic);
    ASSERT_EQ(ms.synonyms.size(), 3u);
    EXPECT_EQ(ms.synonyms[1].name, "log.retention.ms");
    EXPECT_EQ(ms.synonyms[1].source, config_source::static_broker);
    EXPECT_EQ(ms.synonyms[1].value, "1000");
    EXPECT_EQ(ms.synonyms[2].source, config_source::default_config);

    EXPECT_EQ(find(all, "retention.bytes").source, config_source::dynamic_broker);
    EXPECT_EQ(find(all, "retention.bytes").value, "777");
    EXPECT_EQ(find(all, "segment.ms").source, config_source::dynamic_default_broker);
    EXPECT_EQ(find(all, "segment.bytes").source, config_source::static_broker);
    EXPECT_EQ(find(all, "segment.bytes").value, "4096");
    EXPECT_EQ(find(all, "compression.type").source, config_source::default_config);
    EXPECT_EQ(find(all, "compression.type").synonyms.front().name, "compression.type");
    EXPECT_EQ(find(all, "brook.produce.enabled").value, "true");
    EXPECT_EQ(find(all, "legacy.key").source, config_source::dynamic_topic); // stored, no longer in the table
}

TEST(config_describe, broker_resource) {
    storage::dynamic_broker_configs stored;
    stored.cluster_default = {{"log.roll.ms", "3000"}};
    auto d = build_dynamic_config(statics(), stored);
    auto all = describe_broker_configs(d, statics(), false);
    EXPECT_TRUE(find(all, "data.dir").read_only);
    EXPECT_FALSE(find(all, "log.roll.ms").read_only);
    EXPECT_EQ(find(all, "log.roll.ms").source, config_source::dynamic_default_broker);
    EXPECT_EQ(find(all, "log.roll.ms").value, "3000");
    EXPECT_EQ(find(all, "log.retention.ms").source, config_source::static_broker);
    EXPECT_EQ(find(all, "num.partitions").source, config_source::default_config);
    auto defaults = describe_broker_configs(d, statics(), true);
    ASSERT_EQ(defaults.size(), 1u);
    EXPECT_EQ(defaults[0].name, "log.roll.ms");
}

} // namespace
} // namespace brook::broker
