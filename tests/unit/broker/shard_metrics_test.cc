// shard_metrics: requests grow their version table on demand, errors count by (API, name),
// and a connection tally counts a connection once, under its latest client software, until
// it is destroyed.
#include "broker/shard_metrics.h"

#include <gtest/gtest.h>

#include <optional>

namespace brook::broker {
namespace {

TEST(shard_metrics, counts_requests_by_version_and_latency) {
    shard_metrics m;
    m.count_request(0, 9, 0.002);
    m.count_request(0, 9, 0.004);
    m.count_request(0, 3, 0.001);
    const auto& a = m.apis.at(0);
    ASSERT_EQ(a.requests_by_version.size(), 10u);
    EXPECT_EQ(a.requests_by_version[9], 2u);
    EXPECT_EQ(a.requests_by_version[3], 1u);
    EXPECT_EQ(a.duration.count(), 3u);
    m.count_error(0, "NOT_LEADER_OR_FOLLOWER");
    m.count_error(0, "NOT_LEADER_OR_FOLLOWER");
    m.count_error(shard_metrics::unknown_api, shard_metrics::connection_closed);
    EXPECT_EQ((m.errors[{0, "NOT_LEADER_OR_FOLLOWER"}]), 2u);
    EXPECT_EQ((m.errors[{-1, "CONNECTION_CLOSED"}]), 1u);
}

TEST(connection_tally, counts_a_connection_once_under_its_latest_software) {
    shard_metrics m;
    std::optional<connection_tally> a(std::in_place, m, "unknown");
    connection_tally b(m, "unknown");
    EXPECT_EQ(m.connections["unknown"], 2);
    a->relabel("librdkafka");
    a->relabel("librdkafka");
    EXPECT_EQ(m.connections["unknown"], 1);
    EXPECT_EQ(m.connections["librdkafka"], 1);
    a.reset();
    EXPECT_EQ(m.connections.count("librdkafka"), 0u); // no zero series left behind
    EXPECT_EQ(m.connections["unknown"], 1);
}

} // namespace
} // namespace brook::broker
