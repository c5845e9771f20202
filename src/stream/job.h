#pragma once
// One running INSERT INTO: reads the source table's topic through a librdkafka consumer
// (src/client), runs the pipeline, and writes sink rows and late rows through a producer.
//
// (An exactly-once windowed aggregation is run instead by run_keyed_job as one worker of a
// consumer group over key groups: keyed_job.cc, docs/sql-scale-out.md. What follows is the
// single-process path of every other job.)
// Source: every partition of the topic is assigned (no consumer-group rebalancing), from
// the offsets scan.startup.mode names; with scan.bounded.mode = latest-offset each partition
// ends at the end offset seen at start, and the job finishes once all have, after firing every
// open window (Flink's end-of-input watermark). Otherwise it runs until job_options::stop is set.
// Delivery is at least once: the job waits for every write to be acknowledged before it
// reports success.
// State: in memory; with a state directory, a checkpoint every interval (and when the job
// stops or finishes) first waits for every write so far to be acknowledged, then stores the
// window panes changed since the previous one, the next offsets and the watermarks in RocksDB
// (state_store.h), then commits the offsets to the source's properties.group.id if it has one
// (progress for lag tools; without a state directory nothing is committed). A job started
// again on the same directory resumes from its last checkpoint, so rows written after it are
// written again (at least once, never lost).
// Exactly-once sinks (kafka_options::exactly_once, needs a state directory and the source's
// group.id): each checkpoint is one Kafka transaction holding the rows and late rows since the
// previous one and the input offsets; the RocksDB checkpoint is staged before the commit and
// applied after, and reconciled with the group's committed transaction at start (README.md).
// One thread runs a job; job_options::stop may be set from any thread (a signal handler).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "stream/planner.h"

namespace brook::stream {

struct job_progress {
    int64_t records_in = 0;
    int64_t rows_out = 0;
    int64_t late_rows = 0;
    int64_t watermark = 0; // no_watermark before the first
    size_t open_windows = 0;
    uint64_t state_bytes = 0; // with a state directory: RocksDB's live data
    bool finished = false;
    std::vector<int32_t> key_groups;             // key-grouped jobs: the key groups this worker owns
    std::map<int32_t, int64_t> source_watermarks; // per source partition this worker reads
};

struct job_options {
    // Called about once a second and at the end, on the job's thread (terminal progress).
    std::function<void(const job_progress&)> on_progress;
    const std::atomic<bool>* stop = nullptr; // set: finish without firing open windows
    std::string state_dir;                   // "": state in memory only
    int64_t checkpoint_interval_ms = 10000;
    // Key-grouped jobs: advertised in the worker's client.id for `brook sql status`.
    std::string metrics_addr;
    // Called after each committed checkpoint with its duration (ms), on the job's thread.
    std::function<void(int64_t)> on_checkpoint;
};

// 0: finished (bounded) or stopped; 1: a broker, topic or record error (printed to stderr).
// An exactly-once windowed aggregation runs as one worker of a consumer group over key groups
// (keyed_job.cc, docs/sql-scale-out.md); every other job as described above.
int run_job(const job_plan& plan, const job_options& opts);
int run_keyed_job(const job_plan& plan, const job_options& opts);
// Whether run_job runs plan as a key-grouped worker.
bool is_keyed(const job_plan& plan);

} // namespace brook::stream
