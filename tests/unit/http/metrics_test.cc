// metrics: the text exposition format 0.0.4 — HELP/TYPE lines, escaped label values,
// histograms as cumulative _bucket lines ending in +Inf, then _sum and _count; merging.
#include "http/metrics.h"

#include <gtest/gtest.h>

#include <array>
#include <limits>

namespace brook::http::metrics {
namespace {

TEST(metrics, counter_family_with_escaped_labels) {
    exposition out;
    out.family("brook_topic_records_in_total", metric_type::counter, "Records appended.\nPer topic \\ ok");
    out.sample({{"topic", "a\"b\\c\nd"}}, 42);
    out.sample({}, 1.5);
    EXPECT_EQ(out.text(),
              "# HELP brook_topic_records_in_total Records appended.\\nPer topic \\\\ ok\n"
              "# TYPE brook_topic_records_in_total counter\n"
              "brook_topic_records_in_total{topic=\"a\\\"b\\\\c\\nd\"} 42\n"
              "brook_topic_records_in_total 1.5\n");
}

TEST(metrics, histogram_renders_cumulative_buckets_sum_and_count) {
    static constexpr std::array<double, 3> bounds{0.001, 0.01, 0.1};
    histogram h(bounds);
    h.observe(0.0005);
    h.observe(0.001); // le is inclusive
    h.observe(0.05);
    h.observe(3);
    exposition out;
    out.family("brook_x_seconds", metric_type::histogram, "x");
    out.sample({{"api", "Produce"}}, h);
    EXPECT_EQ(out.text(),
              "# HELP brook_x_seconds x\n"
              "# TYPE brook_x_seconds histogram\n"
              "brook_x_seconds_bucket{api=\"Produce\",le=\"0.001\"} 2\n"
              "brook_x_seconds_bucket{api=\"Produce\",le=\"0.01\"} 2\n"
              "brook_x_seconds_bucket{api=\"Produce\",le=\"0.1\"} 3\n"
              "brook_x_seconds_bucket{api=\"Produce\",le=\"+Inf\"} 4\n"
              "brook_x_seconds_sum{api=\"Produce\"} 3.0515\n"
              "brook_x_seconds_count{api=\"Produce\"} 4\n");
}

TEST(metrics, merge_adds_counts_and_adopts_bounds) {
    histogram a(batch_size_buckets()), b(batch_size_buckets()), empty;
    a.observe(1);
    b.observe(3);
    b.observe(2000);
    empty.merge(a);
    empty.merge(b);
    EXPECT_EQ(empty.count(), 3u);
    EXPECT_EQ(empty.sum(), 2004);
    ASSERT_EQ(empty.counts().size(), batch_size_buckets().size() + 1);
    EXPECT_EQ(empty.counts()[0], 1u);
    EXPECT_EQ(empty.counts()[2], 1u);
    EXPECT_EQ(empty.counts().back(), 1u);
}

TEST(metrics, label_values_are_made_valid_utf8) {
    EXPECT_EQ(escape_label_value("gr\xC3\xBC\xC3\x9F \xE2\x82\xAC \xF0\x9F\x98\x80"),
              "gr\xC3\xBC\xC3\x9F \xE2\x82\xAC \xF0\x9F\x98\x80"); // kept as is
    EXPECT_EQ(escape_label_value("a\xFF" "b"), "a\xEF\xBF\xBD" "b");        // stray byte
    EXPECT_EQ(escape_label_value("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD"); // overlong '/'
    EXPECT_EQ(escape_label_value("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // surrogate
    EXPECT_EQ(escape_label_value("x\xE2\x82"), "x\xEF\xBF\xBD\xEF\xBF\xBD"); // truncated
}

TEST(metrics, values_in_the_formats_spelling) {
    EXPECT_EQ(format_value(3), "3");
    EXPECT_EQ(format_value(-2), "-2");
    EXPECT_EQ(format_value(0.25), "0.25");
    EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
    EXPECT_EQ(format_value(1e20), "1e+20");
}

TEST(metrics, bucket_presets_are_ascending) {
    for (auto b : {latency_buckets_seconds(), fsync_buckets_seconds(), batch_size_buckets()})
        EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
}

} // namespace
} // namespace brook::http::metrics
