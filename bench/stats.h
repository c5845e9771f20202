#pragma once
// Measuring primitives for the bench: a log-linear latency histogram (HDR-style, < 1% relative
// error, fixed memory whatever the record count) and a result row per workload run.
// Not thread-safe: each thread records into its own histogram and merges at the end.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace brook::bench {

// Records non-negative nanosecond values. Values below 2^kSubBits ns are exact; above, each
// power of two is split into 2^kSubBits buckets, so a percentile is within 1/128 of the truth.
class latency_histogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = (64 - kSubBits + 1) * kSub;

  void record(int64_t ns);
  void merge(const latency_histogram& other);
  [[nodiscard]] uint64_t count() const { return count_; }
  [[nodiscard]] int64_t max() const { return max_; }
  [[nodiscard]] int64_t min() const { return count_ ? min_ : 0; }
  // q in [0, 1]; the upper edge of the bucket holding the q-th value (0 when empty).
  [[nodiscard]] int64_t percentile(double q) const;

  // Exposed for tests: bucket index of a value and the largest value mapping to that bucket.
  static int bucket_of(int64_t ns);
  static int64_t upper_edge(int bucket);

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  int64_t max_ = 0;
  int64_t min_ = INT64_MAX;
};

// Resource use of the broker process over one workload (from /proc/<pid>).
struct proc_sample {
  double cpu_seconds = 0;      // utime + stime
  int64_t peak_rss_kb = 0;     // VmHWM
  int64_t rss_kb = 0;          // VmRSS
};
// Reads /proc/<pid>/stat and /proc/<pid>/status; nullopt if the process is gone.
std::optional<proc_sample> sample_process(int pid);
// Resets VmHWM to the current RSS (writes 5 to /proc/<pid>/clear_refs) so a peak is per
// workload. Returns false where the kernel or permissions do not allow it.
bool reset_peak_rss(int pid);
// CPU seconds this process (the driver, i.e. the client side) has used so far.
double self_cpu_seconds();

// One workload run against one target: what the table and the JSON line print.
struct run_result {
  std::string workload;    // "P1"
  std::string target;      // "mock", "brook", "ceiling", or the bootstrap string
  std::string note;        // short description of the configuration
  uint64_t records = 0;
  uint64_t bytes = 0;      // payload bytes moved (value bytes; keys are not used)
  double seconds = 0;
  uint64_t errors = 0;     // failed deliveries / mismatches
  bool has_latency = false;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
  std::optional<double> broker_cpu_s;
  std::optional<double> broker_peak_rss_mb;
  double client_cpu_s = 0;
  bool ok = true;
  std::string error;       // why the run failed, when !ok
  // Micro rows (brook_bench --micro): (slowest - fastest) / median repetition, in percent.
  std::optional<double> spread_pct;

  [[nodiscard]] double records_per_s() const { return seconds > 0 ? records / seconds : 0; }
  [[nodiscard]] double mb_per_s() const { return seconds > 0 ? bytes / 1e6 / seconds : 0; }
  [[nodiscard]] double ns_per_record() const { return records > 0 ? seconds * 1e9 / records : 0; }
  [[nodiscard]] std::optional<double> broker_cpu_s_per_mb() const {
    if (!broker_cpu_s || bytes == 0) return std::nullopt;
    return *broker_cpu_s / (bytes / 1e6);
  }
  void set_latency(const latency_histogram& h);
};

}  // namespace brook::bench
