#pragma once
// In-process micro benchmarks of the broker's own CPU work (`brook_bench --micro`): no sockets,
// no client, no second process, so a figure moves only when the code under it does. Wall-clock
// broker runs swing +-10% on a shared 2-core VM; these are meant to be steady to a few percent.
//
// Each case runs a fixed number of iterations over data built in memory (records::batch_builder)
// five times and reports the median repetition: ns per record (per call for CRC rows) and MB/s.
// Unlike the rest of the bench this links Brook's own libraries (records, storage) and calls
// them directly; it is the one place the bench does not talk Kafka protocol.
#include "stats.h"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace brook::bench {

struct micro_context {
  bool quick = false;               // ~1/10 of the iterations: a smoke run
  double scale = 1.0;               // multiplies every iteration count
  std::string data_dir = "/tmp";    // where P* cases create (and remove) their temp log
};

struct micro_case {
  std::string_view name;
  std::string_view description;
  std::vector<run_result> (*run)(const micro_context&);
};

std::span<const micro_case> micro_cases();
const micro_case* find_micro_case(std::string_view name);

}  // namespace brook::bench
