// brook_bench: Kafka-protocol benchmark driver (librdkafka client). Three modes:
//   brook_bench --bootstrap HOST:PORT --workloads P1,C1     one target, rows + JSON lines
//   brook_bench --all [--quick]                              mock peer, Brook, ceilings, ratios
//   brook_bench --micro [--micro-cases CRC,V100]             in-process CPU work (micro.h)
// Progress goes to stderr; stdout holds the JSON lines and the tables.
#include <unistd.h>
#include "micro.h"
#include "process.h"
#include "report.h"
#include "workloads.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bb = brook::bench;

namespace {

struct options {
  std::string bootstrap;
  std::string workloads = "P1,P2,P3,C1,L1";
  std::string mock_workloads = "P1,P2,P3";
  std::string target = "broker";
  std::string brook_bin = "build/brook";
  std::string mock_bin;
  std::string data_base = "/tmp";
  std::string micro_cases = "CRC,V100,V1K,P";
  std::string topic_prefix;
  int broker_pid = -1;
  int smp = 2;
  double scale = 1.0;
  uint64_t records = 0;
  bool quick = false;
  bool json_only = false;
  bool all = false;
  bool micro = false;
  bool no_create = false;
  bool keep_data = false;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

class runner {
 public:
  explicit runner(const options& o) : o_(o) {}

  void run(const bb::bench_context& ctx, const std::vector<std::string>& names) {
    for (const auto& n : names) {
      const bb::workload* w = bb::find_workload(n);
      if (w == nullptr) {
        std::fprintf(stderr, "unknown workload %s\n", n.c_str());
        continue;
      }
      // Start each workload with no dirty pages from the previous one: gigabytes still being
      // written back make every fdatasync wait behind them, and that belongs to the previous
      // workload, not this one (L1 after C1 showed ~270 ms ack tails from it alone).
      ::sync();
      progress(fmt::format("[{}] {} against {} ...", n, w->description, ctx.target));
      for (auto& r : w->run(ctx)) add(std::move(r));
    }
  }

  void add(bb::run_result r) {
    std::printf("%s\n", bb::json_line(r).c_str());
    std::fflush(stdout);
    progress(fmt::format("  {} {}: {:.0f} rec/s, {:.1f} MB/s{}{}{}", r.workload, r.target, r.records_per_s(),
                         r.mb_per_s(),
                         r.has_latency ? fmt::format(", p99 {:.3f} ms", r.p99_ms) : std::string(),
                         r.spread_pct ? fmt::format(", {:.2f} ns/rec", r.ns_per_record()) : std::string(),
                         r.ok ? std::string() : " FAILED: " + r.error));
    rows_.push_back(std::move(r));
  }

  void progress(const std::string& s) const {
    if (!o_.json_only) std::fprintf(stderr, "%s\n", s.c_str());
  }

  void finish_micro() const {
    if (!o_.json_only) std::printf("\n%s", bb::format_micro_table(rows_).c_str());
  }

  void finish(bool summary) const {
    nlohmann::json sj;
    std::string text = summary ? bb::format_summary(rows_, &sj) : std::string();
    if (o_.json_only) {
      if (summary) std::printf("%s\n", sj.dump().c_str());
      return;
    }
    std::printf("\n%s", bb::format_table(rows_).c_str());
    if (summary) std::printf("\n%s", text.c_str());
  }

  [[nodiscard]] bool all_ok() const {
    for (const auto& r : rows_) {
      if (!r.ok) return false;
    }
    return true;
  }

 private:
  const options& o_;
  std::vector<bb::run_result> rows_;
};

bb::bench_context base_context(const options& o) {
  bb::bench_context ctx;
  ctx.quick = o.quick;
  ctx.scale = o.scale;
  if (o.records > 0) ctx.records = o.records;
  ctx.topic_prefix = o.topic_prefix;
  ctx.data_dir = o.data_base;
  return ctx;
}

std::string tail_file(const std::string& path, size_t max_bytes = 2000) {
  std::ifstream f(path);
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

void run_mock(const options& o, runner& run) {
  auto names = split(o.mock_workloads);
  bb::bench_context ctx = base_context(o);
  ctx.target = "mock";
  ctx.create_topics = false;
  std::vector<std::string> argv = {o.mock_bin};
  for (const auto& [t, n] : bb::topics_for(ctx, names)) argv.push_back(fmt::format("--topic={}:{}", t, n));
  std::string err;
  auto mock = bb::child_process::spawn(argv, true, "", &err);
  if (!mock) {
    run.progress("mock peer: " + err);
    return;
  }
  auto line = mock->read_line(std::chrono::seconds(10));
  if (!line || line->rfind("bootstrap=", 0) != 0) {
    run.progress(fmt::format("mock peer {} did not print its bootstrap address", o.mock_bin));
    return;
  }
  ctx.bootstrap = line->substr(10);
  ctx.broker_pid = mock->pid();
  run.progress(fmt::format("mock peer pid {} at {}", mock->pid(), ctx.bootstrap));
  run.run(ctx, names);
  mock->stop();
}

void run_brook(const options& o, const std::string& dir, runner& run) {
  if (!std::filesystem::exists(o.brook_bin)) {
    run.progress(fmt::format("Brook binary {} not found: Brook rows skipped", o.brook_bin));
    return;
  }
  int port = bb::pick_free_port();
  std::vector<std::string> argv = {o.brook_bin,
                                   "serve",
                                   "--data-dir",
                                   dir + "/data",
                                   "--kafka-addr",
                                   fmt::format("127.0.0.1:{}", port),
                                   "--admin-addr",
                                   fmt::format("127.0.0.1:{}", bb::pick_free_port()),
                                   "--schema-registry-addr",
                                   fmt::format("127.0.0.1:{}", bb::pick_free_port()),
                                   "--smp",
                                   std::to_string(o.smp)};
  std::string log = dir + "/brook.log";
  std::string err;
  auto brook = bb::child_process::spawn(argv, false, log, &err);
  if (!brook) {
    run.progress("brook: " + err);
    return;
  }
  if (!bb::wait_for_port("127.0.0.1", port, std::chrono::seconds(20)) || !brook->running()) {
    run.progress(fmt::format("Brook did not start listening on {}; log tail:\n{}", port, tail_file(log)));
    return;
  }
  bb::bench_context ctx = base_context(o);
  ctx.target = "brook";
  ctx.bootstrap = fmt::format("127.0.0.1:{}", port);
  ctx.broker_pid = brook->pid();
  run.progress(fmt::format("Brook pid {} at {} (--smp {}, data {})", brook->pid(), ctx.bootstrap, o.smp, dir));
  run.run(ctx, split(o.workloads));
  if (!brook->running()) run.progress(fmt::format("Brook exited during the run; log tail:\n{}", tail_file(log)));
  brook->stop();
}

// In-process cases, one after the other on this thread; rows go through the same add().
void run_micro(const options& o, runner& run) {
  bb::micro_context ctx;
  ctx.quick = o.quick;
  ctx.scale = o.scale;
  ctx.data_dir = o.data_base;
  for (const auto& n : split(o.micro_cases)) {
    const bb::micro_case* c = bb::find_micro_case(n);
    if (c == nullptr) {
      bb::run_result r;
      r.workload = n;
      r.target = "micro";
      r.ok = false;
      r.error = "unknown micro case";
      run.add(std::move(r));
      continue;
    }
    run.progress(fmt::format("[{}] {} ...", n, c->description));
    for (auto& r : c->run(ctx)) run.add(std::move(r));
  }
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"Brook benchmark driver (librdkafka client)"};
  app.add_option("--bootstrap", o.bootstrap, "Broker to measure, HOST:PORT (single-target mode)");
  app.add_option("--workloads", o.workloads, "Comma-separated workloads (P1,P2,P3,C1,L1,TX,RAW)")->capture_default_str();
  app.add_option("--target-name", o.target, "Label of the target in the output (single-target mode)")->capture_default_str();
  app.add_option("--broker-pid", o.broker_pid, "Broker pid for CPU/RSS sampling (single-target mode)");
  app.add_flag("--no-create-topics", o.no_create, "Do not send CreateTopics (brokers without it, e.g. the mock)");
  app.add_flag("--micro", o.micro, "In-process micro benchmarks of the broker's CPU work (no broker, no client)");
  app.add_option("--micro-cases", o.micro_cases, "Comma-separated micro cases (CRC,V100,V1K,P)")->capture_default_str();
  app.add_flag("--all", o.all, "Mock peer, then Brook, then ceilings; prints a summary with ratios");
  app.add_option("--brook-bin", o.brook_bin, "Brook binary for --all")->capture_default_str();
  app.add_option("--mock-bin", o.mock_bin, "brook_mock_cluster binary (default: beside brook_bench)");
  app.add_option("--mock-workloads", o.mock_workloads, "Workloads run against the mock in --all")->capture_default_str();
  app.add_option("--smp", o.smp, "Brook shards in --all")->capture_default_str();
  app.add_option("--data-dir", o.data_base, "Base for temp data dirs and the disk ceiling file")->capture_default_str();
  app.add_option("--topic-prefix", o.topic_prefix, "Topic name prefix (default: bench-<run id>)");
  app.add_option("--scale", o.scale, "Multiply every record count")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--records", o.records, "Use exactly N records in every workload");
  app.add_flag("--quick", o.quick, "Small counts: a smoke run under a minute");
  app.add_flag("--json-only", o.json_only, "Only JSON lines on stdout");
  app.add_flag("--keep-data", o.keep_data, "Keep Brook's temp data dir after --all");
  CLI11_PARSE(app, argc, argv);

  if (o.mock_bin.empty()) o.mock_bin = bb::self_dir() + "/brook_mock_cluster";
  if (o.topic_prefix.empty()) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    o.topic_prefix = fmt::format("bench-{:x}", std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  }
  runner run(o);

  if (o.micro) {
    run_micro(o, run);
    run.finish_micro();
    return run.all_ok() ? 0 : 1;
  }
  if (!o.all) {
    if (o.bootstrap.empty()) {
      std::fprintf(stderr, "need --bootstrap HOST:PORT or --all\n");
      return 2;
    }
    bb::bench_context ctx = base_context(o);
    ctx.bootstrap = o.bootstrap;
    ctx.target = o.target;
    ctx.broker_pid = o.broker_pid;
    ctx.create_topics = !o.no_create;
    run.run(ctx, split(o.workloads));
    run.finish(false);
    return run.all_ok() ? 0 : 1;
  }

  std::string dir = bb::make_temp_dir(o.data_base, "brook-bench-");
  if (dir.empty()) {
    std::fprintf(stderr, "cannot create a temp dir under %s\n", o.data_base.c_str());
    return 2;
  }
  run_mock(o, run);
  run_brook(o, dir, run);
  {
    bb::bench_context ctx = base_context(o);
    ctx.data_dir = dir;
    run.progress("[RAW] physical ceilings ...");
    for (auto& r : bb::find_workload("RAW")->run(ctx)) run.add(std::move(r));
  }
  if (!o.keep_data) bb::remove_tree(dir);
  run.finish(true);
  return run.all_ok() ? 0 : 1;
}
