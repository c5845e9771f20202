#include "broker/metrics_scrape.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "base/clock.h"
#include "broker/admin_state.h"
#include "broker/broker.h"
#include "broker/fanout.h"
#include "http/metrics.h"
#include "http/process_metrics.h"
#include "protocol/api_table.h"

namespace brook::broker {
namespace {

using http::metrics::exposition;
using http::metrics::histogram;
using http::metrics::metric_type;

struct partition_row {
    std::string topic;
    int32_t index = 0;
    int64_t high_watermark = 0;
    int64_t log_start = 0;
    int64_t last_stable = 0;
    uint64_t size_bytes = 0;
    uint64_t segments = 0;
    partition::traffic_counters traffic;
};

// What a shard hands back: copies, so merging happens off the shard.
struct shard_figures {
    shard_metrics metrics;
    flusher::sync_stats sync;
    std::vector<partition_row> partitions;
};


shard_figures collect_shard(shard_state& st) {
    // Fetched-bytes counters of deleted topics go here, on the shard that owns them, so topic
    // churn does not grow the map without bound.
    std::erase_if(st.metrics.topic_bytes_out, [&st](const auto& kv) { return !st.topic(kv.first); });
    shard_figures f;
    f.metrics = st.metrics;
    f.sync = st.flush->stats();
    for (const auto& [topic, parts] : st.partitions)
        for (const auto& p : parts) {
            if (!p) continue;
            auto& log = p->log();
            f.partitions.push_back({topic, p->index(), p->high_watermark().value(), log.log_start().value(),
                                    p->last_stable_offset().value(), log.size_bytes(), log.segment_count(), p->traffic});
        }
    return f;
}

std::string_view api_name(int16_t key) {
    const auto* api = protocol::find_api(key);
    return api ? api->name : std::string_view("unknown");
}

void write_kafka(exposition& out, const std::vector<shard_figures>& shards) {
    std::map<std::pair<int16_t, int16_t>, uint64_t> requests;
    std::map<int16_t, histogram> durations;
    std::map<std::pair<int16_t, std::string_view>, uint64_t> errors;
    std::map<std::string, int64_t, std::less<>> connections;
    std::map<std::pair<std::string_view, std::string>, shard_metrics::throttle_stats> throttles;
    for (const auto& s : shards) {
        for (const auto& [k, t] : s.metrics.throttles) {
            throttles[k].throttled += t.throttled;
            throttles[k].seconds += t.seconds;
        }
        for (const auto& [key, a] : s.metrics.apis) {
            for (size_t v = 0; v < a.requests_by_version.size(); ++v)
                if (a.requests_by_version[v]) requests[{key, static_cast<int16_t>(v)}] += a.requests_by_version[v];
            durations[key].merge(a.duration);
        }
        for (const auto& [k, n] : s.metrics.errors) errors[k] += n;
        for (const auto& [sw, n] : s.metrics.connections) connections[sw] += n;
    }
    out.family("brook_kafka_requests_total", metric_type::counter, "Kafka requests served, by API and version.");
    for (const auto& [k, n] : requests) {
        auto v = std::to_string(k.second);
        out.sample({{"api", api_name(k.first)}, {"version", v}}, static_cast<double>(n));
    }
    out.family("brook_kafka_request_errors_total", metric_type::counter,
               "Kafka request errors by API and error: top-level and per-partition (Produce, Fetch) error codes, "
               "and CONNECTION_CLOSED for requests that made the broker close the connection.");
    for (const auto& [k, n] : errors) out.sample({{"api", api_name(k.first)}, {"error", k.second}}, static_cast<double>(n));
    out.family("brook_kafka_request_duration_seconds", metric_type::histogram,
               "Time from a request's arrival to its response being ready, by API (includes a Fetch's long-poll wait "
               "and an acks=all Produce's wait for fsync).");
    for (const auto& [key, h] : durations) out.sample({{"api", api_name(key)}}, h);
    out.family("brook_connections", metric_type::gauge,
               "Open Kafka connections by client software (KIP-511 ClientSoftwareName; unknown before ApiVersions v3+).");
    for (const auto& [sw, n] : connections) out.sample({{"client_software", sw}}, static_cast<double>(n));
    out.family("brook_client_quota_throttle_time_seconds_total", metric_type::counter,
               "Throttle time given to clients over a client quota (KIP-219: sent as throttle_time_ms, the "
               "connection muted for as long), by quota (produce, fetch) and client id.");
    for (const auto& [k, t] : throttles) out.sample({{"quota", k.first}, {"client_id", k.second}}, t.seconds);
    out.family("brook_client_quota_throttled_requests_total", metric_type::counter,
               "Responses that carried a quota throttle time, by quota (produce, fetch) and client id.");
    for (const auto& [k, t] : throttles)
        out.sample({{"quota", k.first}, {"client_id", k.second}}, static_cast<double>(t.throttled));

    histogram fsync, batch;
    for (const auto& s : shards) {
        fsync.merge(s.sync.fsync_seconds);
        batch.merge(s.sync.commit_batch);
    }
    out.family("brook_fsync_duration_seconds", metric_type::histogram, "Duration of each fdatasync of a log file.");
    out.sample({}, fsync);
    out.family("brook_group_commit_batch_size", metric_type::histogram,
               "acks=all produce requests completed by one group-commit sync round.");
    out.sample({}, batch);
}

void write_partitions(exposition& out, std::vector<partition_row>& parts, const std::vector<shard_figures>& shards) {
    std::sort(parts.begin(), parts.end(),
              [](const auto& a, const auto& b) { return std::tie(a.topic, a.index) < std::tie(b.topic, b.index); });
    struct topic_sum {
        uint64_t bytes_in = 0, records_in = 0, bytes_out = 0;
    };
    std::map<std::string, topic_sum> topics;
    for (const auto& p : parts) {
        auto& t = topics[p.topic];
        t.bytes_in += p.traffic.bytes_in;
        t.records_in += p.traffic.records_in;
    }
    for (const auto& s : shards)
        for (const auto& [topic, n] : s.metrics.topic_bytes_out)
            if (auto it = topics.find(topic); it != topics.end()) it->second.bytes_out += n; // deleted topics drop out
    auto per_topic = [&](const char* name, const char* help, uint64_t topic_sum::*field) {
        out.family(name, metric_type::counter, help);
        for (const auto& [t, s] : topics) out.sample({{"topic", t}}, static_cast<double>(s.*field));
    };
    per_topic("brook_topic_bytes_in_total", "Record batch bytes appended to the topic (since the broker started).",
              &topic_sum::bytes_in);
    per_topic("brook_topic_records_in_total", "Records appended to the topic (since the broker started).",
              &topic_sum::records_in);
    per_topic("brook_topic_bytes_out_total", "Record batch bytes returned by Fetch from the topic.", &topic_sum::bytes_out);

    auto per_partition = [&](const char* name, const char* help, auto value) {
        out.family(name, metric_type::gauge, help);
        for (const auto& p : parts) {
            auto idx = std::to_string(p.index);
            out.sample({{"topic", p.topic}, {"partition", idx}}, static_cast<double>(value(p)));
        }
    };
    per_partition("brook_partition_high_watermark", "Offset after the last record visible to consumers.",
                  [](const partition_row& p) { return p.high_watermark; });
    per_partition("brook_partition_log_start_offset", "First offset still in the log.",
                  [](const partition_row& p) { return p.log_start; });
    per_partition("brook_partition_last_stable_offset", "First offset of the oldest open transaction, else the high watermark.",
                  [](const partition_row& p) { return p.last_stable; });
    per_partition("brook_partition_size_bytes", "Bytes of the partition's segment files.",
                  [](const partition_row& p) { return p.size_bytes; });
    per_partition("brook_partition_segments", "Segments in the partition's log.", [](const partition_row& p) { return p.segments; });
}

// `lags[i]` belongs to the i-th committed offset of `groups`, in order.
void write_groups(exposition& out, const std::vector<group_snapshot>& groups,
                  const std::vector<std::optional<partition_lag>>& lags) {
    out.family("brook_consumer_group_members", metric_type::gauge, "Members of the consumer group.");
    for (const auto& g : groups) out.sample({{"group", g.group_id}}, static_cast<double>(g.members.size()));
    out.family("brook_consumer_group_state", metric_type::gauge, "1 for the group's current state (Kafka's state names).");
    for (const auto& g : groups) out.sample({{"group", g.group_id}, {"state", g.state}}, 1);
    out.family("brook_consumer_group_rebalances_total", metric_type::counter,
               "Rebalances the group started since the broker loaded it.");
    for (const auto& g : groups) out.sample({{"group", g.group_id}}, static_cast<double>(g.signals.rebalances_total));
    out.family("brook_consumer_group_rebalances_in_window", metric_type::gauge,
               "Rebalances the group started within the last 5 minutes (the window group.rebalance.storm.threshold "
               "is checked against).");
    for (const auto& g : groups)
        out.sample({{"group", g.group_id}}, static_cast<double>(g.signals.rebalances_in_window));

    auto per_offset = [&](const char* name, const char* help, auto value) {
        out.family(name, metric_type::gauge, help);
        size_t i = 0;
        for (const auto& g : groups)
            for (const auto& [tp, committed] : g.committed) {
                const auto& l = lags[i++];
                if (!l) continue; // topic gone, or no position
                auto idx = std::to_string(tp.second);
                out.sample({{"group", g.group_id}, {"topic", tp.first}, {"partition", idx}}, value(*l));
            }
    };
    per_offset("brook_consumer_group_lag_records",
               "High watermark minus the group's committed offset, per partition with a committed offset.",
               [](const partition_lag& l) { return static_cast<double>(l.lag); });
    per_offset("brook_consumer_group_lag_seconds",
               "Age of the oldest unconsumed record: now minus the timestamp of the first record at or after the "
               "committed offset; 0 when the lag is 0.",
               [](const partition_lag& l) { return l.lag_seconds; });
}

// Only where injection is enabled: elsewhere the families would always be empty.
void write_faults(exposition& out, broker& b) {
    if (!b.config().admin_fault_injection_enable) return;
    out.family("brook_faults_injected_total", metric_type::counter,
               "Requests failed on purpose by the admin API's fault injection (/v1/faults), by API and injected error.");
    for (const auto& [k, n] : b.faults().injected_totals())
        out.sample({{"api", api_name(k.first)}, {"error", error_name(k.second)}}, static_cast<double>(n));
    out.family("brook_faults_disruptions_total", metric_type::counter,
               "Requests delayed or connections closed on purpose by the admin API's fault injection, by API and action.");
    for (const auto& [k, n] : b.faults().disruption_totals())
        out.sample({{"api", api_name(k.first)}, {"action", std::string(fault_action_name(k.second))}}, static_cast<double>(n));
    const auto faults = b.faults().list();
    out.family("brook_faults_armed", metric_type::gauge, "Injected faults that can still fire.");
    out.sample({}, static_cast<double>(std::count_if(faults.begin(), faults.end(), [](const fault& f) { return f.armed(); })));
}

void write_offline(exposition& out, const broker& b) {
    const auto offline = b.offline().list();
    out.family("brook_partitions_offline", metric_type::gauge,
               "Partitions this broker knows but cannot serve (failed to open; /v1/partitions/offline says why).");
    out.sample({}, static_cast<double>(offline.size()));
    out.family("brook_partition_offline", metric_type::gauge, "1 for each offline partition.");
    for (const auto& e : offline) out.sample({{"topic", e.topic}, {"partition", std::to_string(e.partition)}}, 1.0);
}

} // namespace

namespace {
asio::awaitable<exposition> scrape(broker& b, bool keep_families) {
    std::vector<shard_figures> shards(b.shard_count());
    std::vector<unsigned> all(b.shard_count());
    std::iota(all.begin(), all.end(), 0u);
    // Each shard writes only its own slot; the join (posted back here) orders the writes
    // before the reads below.
    co_await on_shards(b, all, [&b, &shards](unsigned s) -> asio::awaitable<void> {
        shards[s] = collect_shard(b.shard(s));
        co_return;
    });
    const auto now = wall_clock_now();
    const std::optional<std::string> every_group;
    auto groups = co_await snapshot_groups(b, every_group, now);
    std::vector<std::pair<group::topic_partition, int64_t>> committed;
    for (const auto& g : groups) committed.insert(committed.end(), g.committed.begin(), g.committed.end());
    auto lags = co_await compute_lags(b, committed, now);

    std::vector<partition_row> parts;
    for (auto& s : shards) std::move(s.partitions.begin(), s.partitions.end(), std::back_inserter(parts));
    exposition out(keep_families);
    write_kafka(out, shards);
    write_partitions(out, parts, shards);
    write_groups(out, groups, lags);
    write_faults(out, b);
    write_offline(out, b);
    http::metrics::write_process_metrics(out);
    http::metrics::write_disk_metrics(out, b.config().data_dir);
    co_return out;
}
} // namespace

asio::awaitable<std::string> scrape_metrics(broker& b) {
    auto out = co_await scrape(b, false);
    co_return std::move(out).take();
}

asio::awaitable<exposition> scrape_metric_families(broker& b) { co_return co_await scrape(b, true); }

} // namespace brook::broker
