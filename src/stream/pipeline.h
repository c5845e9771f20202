#pragma once
// One job's processing with no I/O: source rows in (with the partition they came from and the
// processing time), sink rows out. It fills computed columns, tracks watermarks per partition,
// filters, windows and aggregates, and projects into the sink's columns. The Kafka job
// (job.h) and the unit tests drive the same object, so what the tests prove is what runs.
// One thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "stream/planner.h"
#include "stream/watermark.h"
#include "stream/window_operator.h"

namespace brook::stream {

struct sink_row {
    // One value per sink column (row slots of the sink table; non-written slots NULL).
    row values;
    bool is_delete = false;
};

struct pipeline_stats {
    int64_t records_in = 0;
    int64_t filtered_out = 0;
    int64_t late_rows = 0;
    int64_t rows_out = 0;
};

class pipeline {
public:
    explicit pipeline(const job_plan& plan);

    void add_partition(int32_t p, int64_t now_ms);
    // r holds the source table's physical and metadata columns; computed ones are filled here.
    // Returns the windows the row missed (non-empty: the row is late).
    std::vector<window> on_row(int32_t p, row& r, int64_t now_ms, std::vector<sink_row>& out);
    // Processing time passed with no row (idle partitions may release the watermark).
    void on_tick(int64_t now_ms, std::vector<sink_row>& out);
    // A bounded partition reached its end.
    void finish_partition(int32_t p, int64_t now_ms, std::vector<sink_row>& out);
    // Every partition is done: the watermark jumps to the end of time and every window fires.
    void end_of_input(std::vector<sink_row>& out);

    // Key-grouped jobs (keyed_job.cc) split on_row in two. route(): the first half, on the
    // worker reading the source partition: computed columns, WHERE, group keys and aggregate
    // arguments of a row; returns false when the row is dropped (WHERE, NULL time) and sets
    // wm_candidate to what the row's WATERMARK expression gave (nullopt: nothing).
    bool route(row& r, int64_t& ts, std::vector<value>& keys, std::vector<value>& args, std::optional<int64_t>& wm_candidate);
    // The second half, on the worker owning the key group: projects window results (HAVING,
    // the sink's columns) into sink rows and counts them.
    void emit_results(std::vector<window_result>& results, std::vector<sink_row>& out) { emit(results, out); }
    void count_late() { ++stats_.late_rows; }

    int64_t watermark() const;
    size_t open_windows() const { return op_ ? op_->open_windows() : 0; }
    const pipeline_stats& stats() const { return stats_; }
    const watermark_tracker& watermarks() const { return tracker_; }
    // For checkpoints and their restore (job.cc): nullptr when the job has no window.
    window_operator* op() { return op_.get(); }
    watermark_tracker& tracker() { return tracker_; }

private:
    void emit(std::vector<window_result>& results, std::vector<sink_row>& out);
    void project(std::span<const value> in, bool is_delete, std::vector<sink_row>& out);
    void advance(int64_t now_ms, std::vector<sink_row>& out);

    const job_plan& plan_;
    watermark_tracker tracker_;
    std::unique_ptr<window_operator> op_;
    pipeline_stats stats_;
    std::vector<window_result> results_;
    std::vector<value> agg_args_;
    row ctx_;
    std::vector<window> windows_;
    int64_t last_emit_ms_ = -1;
};

} // namespace brook::stream
