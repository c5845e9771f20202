// otlp: the OTLP/HTTP JSON encoding of one scrape (counter -> cumulative monotonic sum, gauge
// -> gauge, histogram -> cumulative histogram with per-bucket counts), the resource, and the
// endpoint URL rules (/v1/metrics appended, default port 4318, https refused).
#include "http/otlp.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <limits>

namespace brook::http::otlp {
namespace {

using json = nlohmann::json;

json attr(const char* k, const char* v) { return {{"key", k}, {"value", {{"stringValue", v}}}}; }

TEST(otlp, encodes_counter_gauge_and_histogram_with_labels) {
    static constexpr std::array<double, 3> bounds{0.001, 0.01, 0.1};
    metrics::histogram h(bounds);
    h.observe(0.0005);
    h.observe(0.001); // le is inclusive
    h.observe(0.05);
    h.observe(3);
    metrics::exposition out(true);
    out.family("brook_topic_records_in_total", metrics::metric_type::counter, "Records appended.");
    out.sample({{"topic", "orders"}}, 42);
    out.family("brook_partition_high_watermark", metrics::metric_type::gauge, "HW.");
    out.sample({{"topic", "orders"}, {"partition", "0"}}, 7);
    out.family("brook_x_seconds", metrics::metric_type::histogram, "x");
    out.sample({{"api", "Produce"}}, h);

    auto got = json::parse(encode_metrics(out.families(), {"brook-test", "id-1", "host-a"}, 1000, 2000));
    json want = {{"resourceMetrics",
                  json::array({{{"resource",
                                 {{"attributes", json::array({attr("service.name", "brook-test"),
                                                              attr("service.instance.id", "id-1"),
                                                              attr("host.name", "host-a")})}}},
                                {"scopeMetrics",
                                 json::array({{{"scope", {{"name", "brook"}}},
                                               {"metrics",
                                                json::array({
                                                    {{"name", "brook_topic_records_in_total"},
                                                     {"description", "Records appended."},
                                                     {"sum",
                                                      {{"aggregationTemporality", 2},
                                                       {"isMonotonic", true},
                                                       {"dataPoints",
                                                        json::array({{{"attributes", json::array({attr("topic", "orders")})},
                                                                      {"startTimeUnixNano", "1000"},
                                                                      {"timeUnixNano", "2000"},
                                                                      {"asDouble", 42.0}}})}}}},
                                                    {{"name", "brook_partition_high_watermark"},
                                                     {"description", "HW."},
                                                     {"gauge",
                                                      {{"dataPoints",
                                                        json::array({{{"attributes", json::array({attr("topic", "orders"),
                                                                                                  attr("partition", "0")})},
                                                                      {"timeUnixNano", "2000"},
                                                                      {"asDouble", 7.0}}})}}}},
                                                    {{"name", "brook_x_seconds"},
                                                     {"description", "x"},
                                                     {"histogram",
                                                      {{"aggregationTemporality", 2},
                                                       {"dataPoints",
                                                        json::array({{{"attributes", json::array({attr("api", "Produce")})},
                                                                      {"startTimeUnixNano", "1000"},
                                                                      {"timeUnixNano", "2000"},
                                                                      {"count", "4"},
                                                                      {"sum", h.sum()}, // 3.0515 up to rounding
                                                                      // le buckets 2,2,3,4 (cumulative) -> 2,0,1,1
                                                                      {"bucketCounts", json::array({"2", "0", "1", "1"})},
                                                                      {"explicitBounds", json::array({0.001, 0.01, 0.1})}}})}}}},
                                                })}}})}}})}};
    EXPECT_EQ(got, want) << got.dump(2);
}

TEST(otlp, histogram_bucket_counts_match_the_text_format_differenced) {
    metrics::histogram h(metrics::batch_size_buckets());
    for (double v : {1.0, 1.0, 3.0, 900.0, 5000.0}) h.observe(v);
    metrics::exposition out(true);
    out.family("b", metrics::metric_type::histogram, "b");
    out.sample({}, h);
    auto got = json::parse(encode_metrics(out.families(), {}, 0, 0));
    auto counts = got["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["histogram"]["dataPoints"][0]["bucketCounts"];
    // Cumulative from the text format's _bucket lines, differenced.
    std::vector<std::string> want;
    uint64_t prev = 0;
    std::string text = out.text();
    for (size_t pos = 0; (pos = text.find("b_bucket{le=", pos)) != std::string::npos; ++pos) {
        auto sp = text.find("} ", pos);
        uint64_t c = std::stoull(text.substr(sp + 2));
        want.push_back(std::to_string(c - prev));
        prev = c;
    }
    ASSERT_EQ(want.size(), 12u); // 11 bounds + Inf
    EXPECT_EQ(counts, json(want));
    EXPECT_EQ(counts[11], "1"); // 5000 only in +Inf
}

TEST(otlp, exposition_keeps_no_families_unless_asked) {
    metrics::exposition out;
    out.family("a", metrics::metric_type::gauge, "a");
    out.sample({}, 1);
    EXPECT_TRUE(out.families().empty());
}

TEST(otlp, invalid_utf8_label_is_replaced_not_thrown) {
    metrics::exposition out(true);
    out.family("a", metrics::metric_type::gauge, "a");
    out.sample({{"group", "\xff"}}, 1);
    auto got = json::parse(encode_metrics(out.families(), {"s", "i", "h"}, 0, 0));
    EXPECT_EQ(got["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["gauge"]["dataPoints"][0]["attributes"][0]["value"]["stringValue"],
              "\xEF\xBF\xBD");
}

TEST(otlp, non_finite_values_use_the_proto3_json_spelling) {
    metrics::exposition out(true);
    out.family("a", metrics::metric_type::gauge, "a");
    out.sample({}, std::numeric_limits<double>::quiet_NaN());
    out.sample({}, std::numeric_limits<double>::infinity());
    out.sample({}, -std::numeric_limits<double>::infinity());
    auto got = json::parse(encode_metrics(out.families(), {"s", "i", "h"}, 0, 0));
    auto pts = got["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["gauge"]["dataPoints"];
    EXPECT_EQ(pts[0]["asDouble"], "NaN");
    EXPECT_EQ(pts[1]["asDouble"], "Infinity");
    EXPECT_EQ(pts[2]["asDouble"], "-Infinity");
}

TEST(otlp, endpoint_appends_signal_path) {
    auto ep = std::get<endpoint>(parse_endpoint("http://127.0.0.1:4318", "metrics"));
    EXPECT_EQ(ep.host, "127.0.0.1");
    EXPECT_EQ(ep.port, 4318);
    EXPECT_EQ(ep.target, "/v1/metrics");
    ep = std::get<endpoint>(parse_endpoint("http://collector/otel/", "traces"));
    EXPECT_EQ(ep.host, "collector");
    EXPECT_EQ(ep.port, 4318);
    EXPECT_EQ(ep.target, "/otel/v1/traces");
    ep = std::get<endpoint>(parse_endpoint("http://[::1]:9000", "metrics"));
    EXPECT_EQ(ep.host, "::1");
    EXPECT_EQ(ep.port, 9000);
}

TEST(otlp, endpoint_errors_are_precise) {
    auto err = [](std::string_view u) { return std::get<std::string>(parse_endpoint(u, "metrics")); };
    EXPECT_NE(err("https://c:4318").find("https is not supported"), std::string::npos);
    EXPECT_NE(err("c:4318").find("expected http://"), std::string::npos);
    EXPECT_NE(err("http://c:0").find("port must be 1-65535"), std::string::npos);
    EXPECT_NE(err("http://c:99999").find("port must be 1-65535"), std::string::npos);
    EXPECT_NE(err("http://c:x").find("port must be 1-65535"), std::string::npos);
    EXPECT_NE(err("http://:4318").find("missing host"), std::string::npos);
    EXPECT_NE(err("http://[::1").find("unclosed"), std::string::npos);
}

} // namespace
} // namespace brook::http::otlp
