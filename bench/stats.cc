#include "stats.h"

#include <bit>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace brook::bench {

int latency_histogram::bucket_of(int64_t ns) {
  if (ns < 0) ns = 0;
  auto v = static_cast<uint64_t>(ns);
  if (v < kSub) return static_cast<int>(v);
  // Power-of-two range [2^e, 2^(e+1)) with e >= kSubBits, split into kSub linear buckets.
  int e = 63 - std::countl_zero(v);
  int shift = e - kSubBits;
  int sub = static_cast<int>((v >> shift) - kSub);  // 0..kSub-1
  return (shift + 1) * kSub + sub;
}

int64_t latency_histogram::upper_edge(int bucket) {
  if (bucket < kSub) return bucket;
  int shift = bucket / kSub - 1;
  uint64_t sub = bucket % kSub;
  uint64_t lo = (kSub + sub) << shift;
  return static_cast<int64_t>(lo + ((uint64_t{1} << shift) - 1));
}

void latency_histogram::record(int64_t ns) {
  if (ns < 0) ns = 0;
  ++counts_[bucket_of(ns)];
  ++count_;
  if (ns > max_) max_ = ns;
  if (ns < min_) min_ = ns;
}

void latency_histogram::merge(const latency_histogram& other) {
  for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  if (other.max_ > max_) max_ = other.max_;
  if (other.min_ < min_) min_ = other.min_;
}

int64_t latency_histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  if (q <= 0) return min();
  // Rank of the q-th value, 1-based, rounded up (p99 of 100 values is the 99th value).
  auto rank = static_cast<uint64_t>(q * static_cast<double>(count_) + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > count_) rank = count_;
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      int64_t edge = upper_edge(i);
      return edge < max_ ? edge : max_;
    }
  }
  return max_;
}

void run_result::set_latency(const latency_histogram& h) {
  if (h.count() == 0) return;
  has_latency = true;
  p50_ms = h.percentile(0.50) / 1e6;
  p99_ms = h.percentile(0.99) / 1e6;
  p999_ms = h.percentile(0.999) / 1e6;
  max_ms = h.max() / 1e6;
}

std::optional<proc_sample> sample_process(int pid) {
  proc_sample s;
  {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    // Field 2 (comm) may hold spaces; fields after the last ')' are space separated.
    auto rp = line.rfind(')');
    if (rp == std::string::npos) return std::nullopt;
    std::istringstream rest(line.substr(rp + 2));
    std::string field;
    // rest starts at field 3 (state); utime and stime are fields 14 and 15.
    for (int f = 3; f <= 15 && rest >> field; ++f) {
      if (f == 14) s.cpu_seconds += std::stod(field);
      if (f == 15) s.cpu_seconds += std::stod(field);
    }
    s.cpu_seconds /= static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") status >> s.peak_rss_kb;
    else if (key == "VmRSS:") status >> s.rss_kb;
    std::string rest;
    std::getline(status, rest);
  }
  return s;
}

bool reset_peak_rss(int pid) {
  std::ofstream f("/proc/" + std::to_string(pid) + "/clear_refs");
  if (!f) return false;
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](timeval t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

}  // namespace brook::bench
