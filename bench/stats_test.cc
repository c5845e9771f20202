#include "report.h"
#include "stats.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace brook::bench {
namespace {

TEST(LatencyHistogram, EmptyIsZero) {
  latency_histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  latency_histogram h;
  for (int i = 1; i <= 100; ++i) h.record(i);
  EXPECT_EQ(h.percentile(0.5), 50);
  EXPECT_EQ(h.percentile(0.99), 99);
  EXPECT_EQ(h.percentile(1.0), 100);
  EXPECT_EQ(h.min(), 1);
}

TEST(LatencyHistogram, LargeValuesWithinOnePercent) {
  latency_histogram h;
  // 1..100000 µs in ns: p50 = 50 ms, p99 = 99 ms, p99.9 = 99.9 ms.
  for (int64_t i = 1; i <= 100000; ++i) h.record(i * 1000);
  auto near = [](int64_t got, double want) { return std::abs(got - want) <= want / 100; };
  EXPECT_TRUE(near(h.percentile(0.5), 50e6)) << h.percentile(0.5);
  EXPECT_TRUE(near(h.percentile(0.99), 99e6)) << h.percentile(0.99);
  EXPECT_TRUE(near(h.percentile(0.999), 99.9e6)) << h.percentile(0.999);
  EXPECT_EQ(h.max(), 100000 * 1000);
}

TEST(LatencyHistogram, BucketEdgesAreMonotoneAndContainTheirValues) {
  for (int64_t v : {0LL, 1LL, 127LL, 128LL, 129LL, 255LL, 256LL, 1000LL, 123456789LL, (1LL << 40) + 12345}) {
    int b = latency_histogram::bucket_of(v);
    EXPECT_GE(latency_histogram::upper_edge(b), v) << v;
    if (b > 0) {
      EXPECT_LT(latency_histogram::upper_edge(b - 1), v) << v;
    }
  }
}

TEST(LatencyHistogram, OutlierShowsInTail) {
  latency_histogram h;
  for (int i = 0; i < 999; ++i) h.record(1'000'000);  // 1 ms
  h.record(500'000'000);                             // one 500 ms stall
  EXPECT_LE(h.percentile(0.99), 1'010'000);
  EXPECT_GE(h.percentile(1.0), 495'000'000);
}

TEST(LatencyHistogram, MergeAddsCounts) {
  latency_histogram a, b;
  for (int i = 0; i < 10; ++i) a.record(10);
  for (int i = 0; i < 10; ++i) b.record(20);
  a.merge(b);
  EXPECT_EQ(a.count(), 20u);
  EXPECT_EQ(a.percentile(0.5), 10);
  EXPECT_EQ(a.percentile(0.75), 20);
}

TEST(ProcSample, ReadsOwnProcess) {
  auto s = sample_process(getpid());
  ASSERT_TRUE(s.has_value());
  EXPECT_GT(s->peak_rss_kb, 0);
  EXPECT_GE(s->peak_rss_kb, s->rss_kb);
  EXPECT_GE(s->cpu_seconds, 0.0);
  EXPECT_FALSE(sample_process(0x7ffffff0).has_value());
}

TEST(Report, RatiosAgainstTargets) {
  auto row = [](std::string w, std::string t, uint64_t rec, uint64_t bytes, double s) {
    run_result r;
    r.workload = std::move(w);
    r.target = std::move(t);
    r.records = rec;
    r.bytes = bytes;
    r.seconds = s;
    return r;
  };
  std::vector<run_result> rows = {row("P1", "mock", 1000, 100000, 1.0), row("P1", "brook", 1200, 120000, 1.0),
                                  row("P2", "mock", 1000, 100000, 1.0), row("P2", "brook", 500, 50000, 1.0),
                                  row("TCP", "ceiling", 10, 1'000'000'000, 1.0),
                                  row("C1/1KB", "brook", 1, 500'000'000, 1.0)};
  nlohmann::json j;
  format_summary(rows, &j);
  auto entry = [&](std::string_view what) {
    for (const auto& e : j["summary"]) {
      if (e["what"] == what) return e;
    }
    return nlohmann::json();
  };
  EXPECT_DOUBLE_EQ(entry("P1 Brook/mock records/s")["value"].get<double>(), 1.2);
  EXPECT_TRUE(entry("P1 Brook/mock records/s")["met"].get<bool>());
  EXPECT_FALSE(entry("P2 Brook/mock records/s")["met"].get<bool>());
  EXPECT_DOUBLE_EQ(entry("C1 1KB MB/s / loopback MB/s")["value"].get<double>(), 0.5);
  EXPECT_TRUE(entry("L1 p99 end-to-end")["value"].is_null());
  auto line = nlohmann::json::parse(json_line(rows[1]));
  EXPECT_EQ(line["workload"], "P1");
  EXPECT_DOUBLE_EQ(line["records_per_s"].get<double>(), 1200.0);
}

}  // namespace
}  // namespace brook::bench
