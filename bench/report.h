#pragma once
// Output of the bench: a fixed-width table of result rows, one JSON object per row (one line,
// for scripts), and the --all summary that turns rows into ratios against peers and targets.
#include "stats.h"

#include <nlohmann/json.hpp>

#include <span>
#include <string>

namespace brook::bench {

nlohmann::json to_json(const run_result& r);
std::string json_line(const run_result& r);
std::string format_table(std::span<const run_result> rows);
// The --micro table: ns per record (per call for CRC rows), MB/s of bytes processed, the median
// repetition's seconds and the spread of the repetitions.
std::string format_micro_table(std::span<const run_result> rows);

// Ratios and the targets (P1 >= 1.0x mock, P2 >= 0.8x mock, P3 >= 500 MB/s, C1 1KB >=
// 40% of loopback, L1 p99 <= 2 ms and p99.9 <= 5 ms, RSS < 1 GiB under P3), from all rows of a
// run. Targets whose rows are missing are reported as "n/a". Returns the text and fills `out`.
std::string format_summary(std::span<const run_result> rows, nlohmann::json* out);

}  // namespace brook::bench
