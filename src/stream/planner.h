#pragma once
// Turns a parsed job file into catalog tables and one job_plan per INSERT INTO: names
// resolved, types checked, the window table function's arguments read (positional or named),
// and Flink's planning rules applied (a window needs the table's time attribute; HOP and
// CUMULATE sizes must be integral multiples of the slide/step; GROUP BY must hold window_start
// and window_end). Every refusal is an sql_error at the offending token.
#include <optional>
#include <string>
#include <vector>

#include "stream/aggregate.h"
#include "stream/ast.h"
#include "stream/catalog.h"
#include "stream/expr.h"
#include "stream/window.h"

namespace brook::stream {

struct job_plan {
    std::string name; // "INSERT INTO sink (line N)"
    table_def source;
    table_def sink;
    std::optional<bexpr> where; // over the source row (window_rows: over the row with its window)
    bool windowed = false;
    // A window TVF without aggregation: projections and WHERE over the source row followed by
    // window_start, window_end, window_time, once per window of the row, as rows arrive.
    bool window_rows = false;

    // Not windowed: one output row per input row, projections over the source row.
    // Windowed: the output row is evaluated over [keys..., window_start, window_end,
    // window_time, aggregates...].
    std::vector<bexpr> output;
    window_spec spec;
    std::vector<bexpr> keys;     // GROUP BY expressions other than the window's, over the source row
    std::vector<bexpr> agg_args; // aggregate arguments, over the source row
    std::vector<agg_call> aggs;
    std::optional<bexpr> having; // over the output row layout
    bool emit_changes = false;
    // SET 'pipeline.auto-watermark-interval': 0 moves the watermark after every row; N > 0
    // only every N ms of processing time, as Flink's periodic emission does (default 200 there).
    int64_t watermark_interval_ms = 0;
    // SET 'pipeline.max-parallelism' (Flink's name): the number of key groups of an
    // exactly-once windowed job, fixed when its topics are created (key_groups.h).
    int32_t max_parallelism = 16;

    // Which sink column each output value goes to (sink slots, in select-list order).
    std::vector<int> sink_slots;
};

struct script_plan {
    catalog cat;
    std::vector<job_plan> jobs;
    std::vector<std::string> warnings; // e.g. SET keys brook sql does not use
};

checked<script_plan> plan_script(const std::vector<statement>& stmts, const std::string& default_brokers);

} // namespace brook::stream
