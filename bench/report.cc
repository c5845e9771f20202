#include "report.h"

#include <fmt/format.h>

#include <optional>

namespace brook::bench {
namespace {

std::string opt(const std::optional<double>& v, const char* f) {
  return v ? fmt::format(fmt::runtime(f), *v) : std::string("-");
}

const run_result* find(std::span<const run_result> rows, std::string_view workload, std::string_view target) {
  for (const auto& r : rows) {
    if (r.ok && r.workload == workload && r.target == target) return &r;
  }
  return nullptr;
}

}  // namespace

nlohmann::json to_json(const run_result& r) {
  nlohmann::json j = {{"bench", "brook"},
                      {"workload", r.workload},
                      {"target", r.target},
                      {"ok", r.ok},
                      {"records", r.records},
                      {"bytes", r.bytes},
                      {"seconds", r.seconds},
                      {"records_per_s", r.records_per_s()},
                      {"mb_per_s", r.mb_per_s()},
                      {"errors", r.errors},
                      {"client_cpu_s", r.client_cpu_s},
                      {"note", r.note}};
  if (r.has_latency) {
    j["p50_ms"] = r.p50_ms;
    j["p99_ms"] = r.p99_ms;
    j["p999_ms"] = r.p999_ms;
    j["max_ms"] = r.max_ms;
  }
  if (r.broker_cpu_s) j["broker_cpu_s"] = *r.broker_cpu_s;
  if (auto v = r.broker_cpu_s_per_mb()) j["broker_cpu_s_per_mb"] = *v;
  if (r.broker_peak_rss_mb) j["broker_peak_rss_mb"] = *r.broker_peak_rss_mb;
  if (r.spread_pct) {
    j["ns_per_record"] = r.ns_per_record();
    j["spread_pct"] = *r.spread_pct;
  }
  if (!r.ok) j["error"] = r.error;
  return j;
}

std::string json_line(const run_result& r) { return to_json(r).dump(); }

std::string format_table(std::span<const run_result> rows) {
  std::string out = fmt::format("{:<14} {:<8} {:>10} {:>12} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9} {:>8}  {}\n",
                                "workload", "target", "records", "records/s", "MB/s", "p50 ms", "p99 ms",
                                "p99.9 ms", "brk CPU", "CPU s/MB", "RSS MiB", "note");
  for (const auto& r : rows) {
    if (!r.ok && r.records == 0) {
      out += fmt::format("{:<14} {:<8} FAILED: {}\n", r.workload, r.target, r.error);
      continue;
    }
    auto lat = [&](double v) { return r.has_latency ? fmt::format("{:.3f}", v) : std::string("-"); };
    out += fmt::format("{:<14} {:<8} {:>10} {:>12.0f} {:>9.1f} {:>9} {:>9} {:>9} {:>8} {:>9} {:>8}  {}{}\n",
                       r.workload, r.target, r.records, r.records_per_s(), r.mb_per_s(), lat(r.p50_ms),
                       lat(r.p99_ms), lat(r.p999_ms), opt(r.broker_cpu_s, "{:.2f}"),
                       opt(r.broker_cpu_s_per_mb(), "{:.4f}"), opt(r.broker_peak_rss_mb, "{:.0f}"), r.note,
                       r.ok ? "" : "  [FAILED: " + r.error + "]");
  }
  return out;
}

std::string format_micro_table(std::span<const run_result> rows) {
  std::string out = fmt::format("{:<14} {:>12} {:>10} {:>10} {:>9} {:>8}  {}\n", "case", "records", "ns/rec",
                                "MB/s", "seconds", "spread", "note");
  for (const auto& r : rows) {
    if (!r.ok) {
      out += fmt::format("{:<14} FAILED: {}\n", r.workload, r.error);
      continue;
    }
    out += fmt::format("{:<14} {:>12} {:>10.2f} {:>10.1f} {:>9.4f} {:>7.1f}%  {}{}\n", r.workload, r.records,
                       r.ns_per_record(), r.mb_per_s(), r.seconds, r.spread_pct.value_or(0), r.note,
                       r.errors ? fmt::format("  [{} errors]", r.errors) : std::string());
  }
  return out;
}

std::string format_summary(std::span<const run_result> rows, nlohmann::json* out) {
  struct line {
    std::string what;
    std::optional<double> value;
    std::string unit;
    std::string target;
    std::optional<bool> met;
  };
  std::vector<line> lines;
  auto ratio = [&](std::string what, const run_result* a, const run_result* b, double (run_result::*m)() const,
                   double want) {
    line l{std::move(what), std::nullopt, "x", fmt::format(">= {:.2f}x", want), std::nullopt};
    if (a && b && (b->*m)() > 0) {
      l.value = (a->*m)() / (b->*m)();
      l.met = *l.value >= want;
    }
    lines.push_back(l);
  };
  const auto* p1b = find(rows, "P1", "brook");
  const auto* p1m = find(rows, "P1", "mock");
  const auto* p2b = find(rows, "P2", "brook");
  const auto* p2m = find(rows, "P2", "mock");
  const auto* p3b = find(rows, "P3", "brook");
  const auto* p3m = find(rows, "P3", "mock");
  const auto* c1k = find(rows, "C1/1KB", "brook");
  const auto* c1s = find(rows, "C1/100B", "brook");
  const auto* tcp = find(rows, "TCP", "ceiling");
  const auto* l1 = find(rows, "L1", "brook");
  ratio("P1 Brook/mock records/s", p1b, p1m, &run_result::records_per_s, 1.0);
  ratio("P2 Brook/mock records/s", p2b, p2m, &run_result::records_per_s, 0.8);
  ratio("P3 Brook/mock MB/s", p3b, p3m, &run_result::mb_per_s, 0.0);
  lines.back().target = "(info)";
  lines.back().met.reset();
  lines.push_back({"P3 Brook MB/s", p3b ? std::optional(p3b->mb_per_s()) : std::nullopt, "MB/s", ">= 500",
                   p3b ? std::optional(p3b->mb_per_s() >= 500) : std::nullopt});
  // The machine's own limits for the produce paths (ceilings measured in this run).
  ratio("P1 Brook MB/s / page-cache write MB/s", p1b, find(rows, "PAGECACHE", "ceiling"), &run_result::mb_per_s, 0.0);
  lines.back().target = "(info)";
  lines.back().met.reset();
  ratio("P3 Brook MB/s / disk MB/s (8 MiB syncs)", p3b, find(rows, "DISK/sync128", "ceiling"), &run_result::mb_per_s,
        0.0);
  lines.back().target = "(info)";
  lines.back().met.reset();
  ratio("C1 1KB MB/s / loopback MB/s", c1k, tcp, &run_result::mb_per_s, 0.40);
  ratio("C1 100B MB/s / loopback MB/s", c1s, tcp, &run_result::mb_per_s, 0.0);
  lines.back().target = "(info)";
  lines.back().met.reset();
  lines.push_back({"L1 p99 end-to-end", l1 && l1->has_latency ? std::optional(l1->p99_ms) : std::nullopt, "ms",
                   "<= 2", l1 && l1->has_latency ? std::optional(l1->p99_ms <= 2.0) : std::nullopt});
  lines.push_back({"L1 p99.9 end-to-end", l1 && l1->has_latency ? std::optional(l1->p999_ms) : std::nullopt, "ms",
                   "<= 5", l1 && l1->has_latency ? std::optional(l1->p999_ms <= 5.0) : std::nullopt});
  // The host's floor for L1: the same schedule through a process that only forwards bytes.
  if (const auto* relay = find(rows, "RELAY", "ceiling"); relay && relay->has_latency) {
    lines.push_back({"L1 floor p99 (relay, no Kafka)", relay->p99_ms, "ms", "(info)", std::nullopt});
    lines.push_back({"L1 floor p99.9 (relay, no Kafka)", relay->p999_ms, "ms", "(info)", std::nullopt});
  }
  std::optional<double> rss = p3b ? p3b->broker_peak_rss_mb : std::nullopt;
  lines.push_back({"Brook peak RSS under P3", rss, "MiB", "< 1024", rss ? std::optional(*rss < 1024) : std::nullopt});
  for (const char* w : {"P1", "P2", "P3"}) {
    const auto* b = find(rows, w, "brook");
    const auto* m = find(rows, w, "mock");
    lines.push_back({fmt::format("{} broker CPU s/MB Brook (mock {})", w,
                                 m && m->broker_cpu_s_per_mb() ? fmt::format("{:.4f}", *m->broker_cpu_s_per_mb())
                                                               : std::string("-")),
                     b ? b->broker_cpu_s_per_mb() : std::nullopt, "s/MB", "(info)", std::nullopt});
  }

  std::string text = fmt::format("{:<40} {:>10} {:<5} {:<10} {}\n", "summary", "value", "unit", "target", "met");
  nlohmann::json j = nlohmann::json::array();
  for (const auto& l : lines) {
    text += fmt::format("{:<40} {:>10} {:<5} {:<10} {}\n", l.what, l.value ? fmt::format("{:.3f}", *l.value) : "n/a",
                        l.unit, l.target, l.met ? (*l.met ? "yes" : "NO") : "-");
    nlohmann::json e = {{"what", l.what}, {"unit", l.unit}, {"target", l.target}};
    e["value"] = l.value ? nlohmann::json(*l.value) : nlohmann::json(nullptr);
    e["met"] = l.met ? nlohmann::json(*l.met) : nlohmann::json(nullptr);
    j.push_back(e);
  }
  if (out) *out = {{"bench", "brook"}, {"summary", j}};
  return text;
}

}  // namespace brook::bench
