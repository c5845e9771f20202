#include "micro.h"

#include "process.h"

#include "base/crc32c.h"
#include "records/record.h"
#include "records/validate.h"
#include "storage/partition_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>

#include <time.h>

namespace brook::bench {
namespace {

constexpr int kReps = 5;

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::vector<uint8_t> out(n);
  std::mt19937 rng(seed);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

uint64_t iterations(const micro_context& ctx, uint64_t full) {
  double n = static_cast<double>(full) * ctx.scale / (ctx.quick ? 10.0 : 1.0);
  return std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(n)));
}

run_result failed(std::string workload, std::string error) {
  run_result r;
  r.workload = std::move(workload);
  r.target = "micro";
  r.ok = false;
  r.error = std::move(error);
  return r;
}

// One row from the repetitions' durations: the median one is reported, the spread says how far
// apart the fastest and slowest were (a large spread = the machine was busy, rerun).
run_result summarize(std::string workload, std::string note, uint64_t records, uint64_t bytes,
                     std::vector<double> seconds) {
  std::sort(seconds.begin(), seconds.end());
  run_result r;
  r.workload = std::move(workload);
  r.target = "micro";
  r.note = std::move(note);
  r.records = records;
  r.bytes = bytes;
  r.seconds = seconds[seconds.size() / 2];
  r.spread_pct = r.seconds > 0 ? (seconds.back() - seconds.front()) / r.seconds * 100.0 : 0.0;
  return r;
}

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU time of this thread (user + system), not wall time: on a shared 2-core VM the thread is
// preempted now and then, and that time belongs to whoever else ran, not to the code measured.
template <class F>
double time_once(F&& body) {
  double t0 = thread_cpu_seconds();
  body();
  return thread_cpu_seconds() - t0;
}

// A batch of about `target_bytes` of `value_size`-byte records (no key, no headers), as a
// non-idempotent producer sends it (what P1 produces, only bigger).
std::vector<uint8_t> make_batch(size_t value_size, size_t target_bytes, size_t* count) {
  auto value = random_bytes(value_size, 7);
  std::string_view v(reinterpret_cast<const char*>(value.data()), value.size());
  records::batch_builder b;
  // ~8 bytes of per-record framing at these sizes (length, attributes, deltas, key/value lengths).
  size_t n = (target_bytes - records::batch_header_size) / (value_size + 8);
  for (size_t i = 0; i < n; ++i) b.add(std::nullopt, v);
  *count = n;
  return b.build();
}

// ---------------------------------------------------------------------------------------------
// CRC: crc32c over one buffer, the same bytes every call (the batch CRC check of produce and of
// recovery, without the memory traffic of fresh data: this is the compute side).

run_result crc_row(const micro_context& ctx, std::string name, size_t size, uint64_t full_iters,
                   std::optional<crc32c_impl> impl = std::nullopt) {
  auto buf = random_bytes(size, 42);
  const uint64_t n = iterations(ctx, full_iters);
  std::vector<double> secs;
  uint32_t sink = 0;
  for (int rep = 0; rep < kReps; ++rep) {
    secs.push_back(time_once([&] {
      if (impl) {
        for (uint64_t i = 0; i < n; ++i) sink ^= crc32c_extend_with(*impl, 0, buf);
      } else {
        for (uint64_t i = 0; i < n; ++i) sink ^= crc32c(buf);
      }
    }));
  }
  asm volatile("" : : "r"(sink)); // the CRCs are used: the loop cannot be dropped
  return summarize(std::move(name),
                   fmt::format("crc32c over {} B, {} calls/rep; ns per call{}", size, n,
                               impl ? "; one crc32 stream (baseline)" : ""),
                   n, n * size, std::move(secs));
}

// The 1 MiB row again with one crc32 stream (what crc32c ran before the three-stream version),
// so the ratio can be read within one run.
std::vector<run_result> crc_case(const micro_context& ctx) {
  std::vector<run_result> rows = {crc_row(ctx, "CRC/1MiB", size_t(1) << 20, 2048),
                                  crc_row(ctx, "CRC/16KiB", size_t(16) << 10, 131072),
                                  crc_row(ctx, "CRC/512B", 512, 4194304)};
  if (crc32c_supported(crc32c_impl::sse42)) {
    rows.push_back(crc_row(ctx, "CRC/1MiB-1str", size_t(1) << 20, 2048, crc32c_impl::sse42));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// V: records::validate_for_produce of one 1 MB uncompressed batch, what the produce handler runs
// on the connection's shard for every partition's batch (framing, CRC, record walk).

run_result validate_row(const micro_context& ctx, std::string name, size_t value_size, uint64_t full_iters) {
  size_t count = 0;
  auto batch = make_batch(value_size, 1000000, &count);
  records::validate_limits limits;
  if (auto v = records::validate_for_produce(batch, limits); !v) {
    return failed(std::move(name), fmt::format("validate_for_produce: {}", error_name(v.error())));
  }
  const uint64_t n = iterations(ctx, full_iters);
  std::vector<double> secs;
  uint64_t bad = 0;
  for (int rep = 0; rep < kReps; ++rep) {
    secs.push_back(time_once([&] {
      for (uint64_t i = 0; i < n; ++i) bad += records::validate_for_produce(batch, limits) ? 0 : 1;
    }));
  }
  auto r = summarize(std::move(name),
                     fmt::format("{} B batch, {} x {} B records, {} batches/rep", batch.size(), count, value_size, n),
                     n * count, n * batch.size(), std::move(secs));
  r.errors = bad;
  return r;
}

std::vector<run_result> v100_case(const micro_context& ctx) { return {validate_row(ctx, "V100", 100, 400)}; }
std::vector<run_result> v1k_case(const micro_context& ctx) { return {validate_row(ctx, "V1K", 1024, 2000)}; }

// ---------------------------------------------------------------------------------------------
// P: the produce path in process — validate_for_produce then partition_log::append (acks=1: no
// fdatasync) of 1 MB batches into a fresh log per repetition. Much of it is the kernel's
// page-cache write path (see docs/performance.md's profile), whose cost swings from one
// repetition to the next on this VM far more than the user-space work does: read the V rows for
// changes in Brook's own code, this one for how much they matter next to the write.

run_result produce_row(const micro_context& ctx, std::string name, size_t value_size, uint64_t full_iters) {
  size_t count = 0;
  auto batch = make_batch(value_size, 1000000, &count);
  const uint64_t n = iterations(ctx, full_iters);
  std::vector<double> secs;
  // One extra repetition first, not counted: the first pass over fresh page-cache pages was
  // consistently the slowest (up to 2x) here.
  for (int rep = -1; rep < kReps; ++rep) {
    std::string dir = make_temp_dir(ctx.data_dir, "brook-micro-");
    if (dir.empty()) return failed(std::move(name), "cannot create a temp dir under " + ctx.data_dir);
    auto log = storage::partition_log::open(dir + "/p-0", storage::log_config{});
    if (!log) {
      remove_tree(dir);
      return failed(std::move(name), fmt::format("partition_log::open: {}", error_name(log.error())));
    }
    error_code err = error_code::none;
    storage::append_options opts;
    opts.now = timestamp_ms(1);
    const double t = time_once([&] {
      for (uint64_t i = 0; i < n && err == error_code::none; ++i) {
        auto v = records::validate_for_produce(batch, records::validate_limits{});
        if (!v) {
          err = v.error();
          break;
        }
        auto a = (*log)->append(v->bytes, v->header, opts);
        if (!a) err = a.error();
      }
    });
    if (rep >= 0) secs.push_back(t);
    log->reset(); // closes without syncing; the files go next
    remove_tree(dir);
    if (err != error_code::none) return failed(std::move(name), fmt::format("produce: {}", error_name(err)));
  }
  return summarize(std::move(name),
                   fmt::format("validate + append, {} B batches of {} x {} B, {} batches/rep, no fsync",
                               batch.size(), count, value_size, n),
                   n * count, n * batch.size(), std::move(secs));
}

std::vector<run_result> produce_case(const micro_context& ctx) {
  return {produce_row(ctx, "P/100B", 100, 256), produce_row(ctx, "P/1KB", 1024, 256)};
}

const std::vector<micro_case>& table() {
  static const std::vector<micro_case> t = {
      {"CRC", "crc32c over 1 MiB, 16 KiB and 512 B buffers (+ 1 MiB with one crc32 stream)", crc_case},
      {"V100", "validate_for_produce, 1 MB batch of 100 B records", v100_case},
      {"V1K", "validate_for_produce, 1 MB batch of 1 KiB records", v1k_case},
      {"P", "validate + partition_log::append of 1 MB batches (temp dir, no fsync)", produce_case},
  };
  return t;
}

}  // namespace

std::span<const micro_case> micro_cases() { return table(); }

const micro_case* find_micro_case(std::string_view name) {
  for (const auto& c : table()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace brook::bench
