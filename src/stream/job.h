#pragma once
// One running INSERT INTO: reads the source table's topic through a librdkafka consumer
// (src/client), runs the pipeline, and writes sink rows and late rows through a producer.
//
// Source: every partition of the topic is assigned (no consumer-group rebalancing yet), from
// the offsets scan.startup.mode names; with scan.bounded.mode = latest-offset each partition
// ends at the end offset seen at start, and the job finishes once all have, after firing every
// open window (Flink's end-of-input watermark). Otherwise it runs until stop() is called.
// Delivery is at least once: the job waits for every write to be acknowledged before it
// reports success; nothing is committed to the source group, and window state lives in
// memory only (a restarted job starts over from scan.startup.mode).
// One thread runs a job; stop() may be called from any thread (a signal handler's flag).
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "stream/planner.h"

namespace brook::stream {

struct job_progress {
    int64_t records_in = 0;
    int64_t rows_out = 0;
    int64_t late_rows = 0;
    int64_t watermark = 0; // no_watermark before the first
    size_t open_windows = 0;
    bool finished = false;
};

struct job_options {
    // Called about once a second and at the end, on the job's thread (terminal progress).
    std::function<void(const job_progress&)> on_progress;
    const std::atomic<bool>* stop = nullptr; // set: finish without firing open windows
};

// 0: finished (bounded) or stopped; 1: a broker, topic or record error (printed to stderr).
int run_job(const job_plan& plan, const job_options& opts);

} // namespace brook::stream
