#include "stream/job_metrics.h"

#include "stream/watermark.h"

namespace brook::stream {

job_metrics::entry& job_metrics::at(const std::string& job) {
    auto it = jobs_.find(job);
    if (it == jobs_.end()) {
        it = jobs_.emplace(job, entry{}).first;
        it->second.checkpoints = http::metrics::histogram(http::metrics::latency_buckets_seconds());
    }
    return it->second;
}

void job_metrics::publish(const std::string& job, const job_progress& p) {
    std::lock_guard lock(mu_);
    at(job).last = p;
}

void job_metrics::observe_checkpoint(const std::string& job, double seconds) {
    std::lock_guard lock(mu_);
    at(job).checkpoints.observe(seconds);
}

std::string job_metrics::render(int64_t now_epoch_ms) const {
    using http::metrics::metric_type;
    std::lock_guard lock(mu_);
    http::metrics::exposition x;
    auto each = [&](std::string_view name, metric_type type, std::string_view help, auto value) {
        x.family(name, type, help);
        for (const auto& [job, e] : jobs_) x.sample({{"job", job}}, double(value(e.last)));
    };
    each("brook_sql_records_in_total", metric_type::counter, "Source records read by this worker",
         [](const job_progress& p) { return p.records_in; });
    each("brook_sql_rows_out_total", metric_type::counter, "Rows written to the sink",
         [](const job_progress& p) { return p.rows_out; });
    each("brook_sql_late_rows_total", metric_type::counter, "Rows that missed a closed window (written to late-data.topic if set)",
         [](const job_progress& p) { return p.late_rows; });
    each("brook_sql_open_windows", metric_type::gauge, "Window x key panes held in state",
         [](const job_progress& p) { return p.open_windows; });
    each("brook_sql_state_bytes", metric_type::gauge, "RocksDB's estimate of the job's local state (0 without --state-dir)",
         [](const job_progress& p) { return p.state_bytes; });
    each("brook_sql_key_groups", metric_type::gauge, "Key groups this worker owns (exactly-once windowed jobs)",
         [](const job_progress& p) { return p.key_groups.size(); });
    x.family("brook_sql_watermark_lag_seconds", metric_type::gauge,
             "Wall clock minus the watermark of each source partition this worker reads");
    for (const auto& [job, e] : jobs_)
        for (const auto& [p, wm] : e.last.source_watermarks) {
            if (wm == no_watermark || wm == end_of_time) continue;
            const std::string part = std::to_string(p);
            x.sample({{"job", job}, {"partition", part}}, double(now_epoch_ms - wm) / 1000.0);
        }
    x.family("brook_sql_checkpoint_duration_seconds", metric_type::histogram,
             "Duration of a checkpoint (exactly-once: the transaction's offsets and commit)");
    for (const auto& [job, e] : jobs_) x.sample({{"job", job}}, e.checkpoints);
    return std::move(x).take();
}

} // namespace brook::stream
