#pragma once
// The workloads the bench runs, one function each, found by name in a registry table. A
// workload takes a context (where to connect, how much to do, which process is the broker) and
// returns one or more result rows. Adding a workload = one function + one registry line.
#include "kafka.h"
#include "stats.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace brook::bench {

struct bench_context {
  std::string bootstrap;
  std::string target = "broker";     // label in the table: "mock", "brook", ...
  std::string topic_prefix = "bench";
  double scale = 1.0;                  // multiplies every record count
  std::optional<uint64_t> records;     // overrides every record count
  bool quick = false;
  bool create_topics = true;           // false against the mock (no CreateTopics there)
  int broker_pid = -1;                 // for /proc CPU and RSS; -1 = unknown
  std::string data_dir = "/tmp";       // where the disk ceiling writes its file

  // Record count for a workload whose full-size default is `full` (quick: `quick_n`).
  [[nodiscard]] uint64_t count(uint64_t full, uint64_t quick_n) const;
  [[nodiscard]] std::string topic(std::string_view name) const;
};

// Broker CPU / peak RSS and client CPU over a span of a workload, written into a result row.
class resource_probe {
 public:
  explicit resource_probe(const bench_context& ctx);
  void finish(run_result& r) const;

 private:
  int pid_;
  std::optional<proc_sample> start_;
  double client_start_;
};

struct workload {
  std::string_view name;
  std::string_view description;
  int partitions;                        // of each topic it uses
  std::vector<std::string_view> topics;  // topic suffixes (ctx.topic(suffix) gives the name)
  std::vector<run_result> (*run)(const bench_context&);
};

std::span<const workload> registry();
const workload* find_workload(std::string_view name);

// Topic names (with partition counts) the given workloads use, for pre-creating on the mock.
std::vector<std::pair<std::string, int>> topics_for(const bench_context& ctx, std::span<const std::string> names);

// L1's load, shared with the RELAY ceiling so both measure the same schedule.
struct l1_schedule {
  double rate = 20'000;      // records per second, each sent at its intended time
  size_t record_size = 100;  // bytes of value; the first 16 carry intended send time and sequence
  uint64_t records = 0;      // 30 s full, 2 s quick
  uint64_t warmup = 0;       // the first second is not measured
};
l1_schedule l1_schedule_for(const bench_context& ctx);
// steady_clock now in nanoseconds: the time L1 and RELAY carry in each message.
int64_t now_ns();

// A row that says why a workload could not run.
run_result failed(std::string workload, const bench_context& ctx, std::string error);

struct consume_options {
  std::string isolation_level = "read_uncommitted";
  bool contiguous = true;  // offsets must arrive without gaps (false where control batches sit)
  std::string note;        // the row's note ("catch-up read, N B records" when empty)
};
// Reads `expect` records of partition 0 of `topic` from offset 0 (assign, no group) as fast as
// the consumer goes; one row with the rate timed from the first record.
run_result consume_all(const bench_context& ctx, const std::string& workload, const std::string& topic,
                       uint64_t expect, size_t record_size, const consume_options& opts = {});

// TX (txn_workloads.cc): transactional produce against idempotent produce, and the cost of
// read_committed fetch.
std::vector<run_result> tx(const bench_context& ctx);

// Physical ceilings, not Kafka workloads: raw loopback TCP and raw disk append + fdatasync, and
// L1's schedule through a process that only forwards bytes (the host's latency floor).
std::vector<run_result> loopback_ceiling(const bench_context& ctx);
std::vector<run_result> relay_ceiling(const bench_context& ctx);
std::vector<run_result> disk_ceiling(const bench_context& ctx);

}  // namespace brook::bench
