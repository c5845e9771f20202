#pragma once
// Per-job metrics of a `brook sql run` process in the Prometheus text format, served on
// --metrics-addr (command.cc). Each job's thread publishes a snapshot of its numbers (about once
// a second, from its progress callback) and observes checkpoint durations; a scrape, on the HTTP
// listener's thread, renders every job's latest snapshot. One mutex guards the snapshots; the
// job threads never wait on a scrape for longer than a copy.
//
// Families (label job = "<N>-<sink table>", as the state directory names it):
//   brook_sql_records_in_total, brook_sql_rows_out_total, brook_sql_late_rows_total (counters),
//   brook_sql_open_windows, brook_sql_state_bytes, brook_sql_key_groups (gauges),
//   brook_sql_watermark_lag_seconds{partition} (wall clock minus each source partition's
//   watermark, for partitions this worker reads that have one),
//   brook_sql_checkpoint_duration_seconds (histogram).
#include <map>
#include <mutex>
#include <string>

#include "http/metrics.h"
#include "stream/job.h"

namespace brook::stream {

class job_metrics {
public:
    void publish(const std::string& job, const job_progress& p);
    void observe_checkpoint(const std::string& job, double seconds);
    // The exposition text of every job's latest numbers, as of now_epoch_ms.
    std::string render(int64_t now_epoch_ms) const;

private:
    struct entry {
        job_progress last;
        http::metrics::histogram checkpoints;
    };
    entry& at(const std::string& job);
    mutable std::mutex mu_;
    std::map<std::string, entry> jobs_;
};

} // namespace brook::stream
