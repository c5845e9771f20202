#include "stream/job_common.h"

#include <chrono>

namespace brook::stream {

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

client::config with_properties(client::config cfg, const kafka_options& k) {
    for (const auto& kv : k.properties) cfg.push_back(kv);
    return cfg;
}

std::optional<std::string> describe_source(client::admin& a, const job_plan& plan, client::topic_info& out) {
    const kafka_options& src = plan.source.kafka;
    auto topic = a.describe_topic(src.topic, timeout_ms);
    if (!topic) {
        if (topic.err().unreachable) return "cannot reach the brokers at " + src.bootstrap + " (check --brokers or 'properties.bootstrap.servers')";
        return "source topic '" + src.topic + "' of table '" + plan.source.name + "': " + topic.err().message;
    }
    out = std::move(*topic);
    return std::nullopt;
}

std::optional<std::string> end_offsets(client::admin& a, const kafka_options& src, const client::topic_info& topic,
                                       std::map<int32_t, int64_t>& out) {
    for (const auto& p : topic.partitions) {
        auto w = a.query_watermarks({src.topic, p.partition}, timeout_ms);
        if (!w) return "end offsets of " + src.topic + ": " + w.err().message;
        out[p.partition] = w->high;
    }
    return std::nullopt;
}

client::record late_record(const client::record& in, const std::string& topic, const std::vector<window>& missed, int64_t wm) {
    client::record r;
    r.topic = topic;
    r.key = in.key;
    r.value = in.value;
    r.timestamp_ms = in.timestamp_ms;
    r.headers = in.headers;
    for (const auto& w : missed) {
        r.headers.push_back({"brook.window.start", std::to_string(w.start)});
        r.headers.push_back({"brook.window.end", std::to_string(w.end)});
    }
    r.headers.push_back({"brook.watermark", std::to_string(wm)});
    r.headers.push_back({"brook.source", in.topic + "/" + std::to_string(in.partition) + "/" + std::to_string(in.offset)});
    return r;
}

std::string window_fingerprint(const job_plan& p) {
    return "window " + std::to_string(int(p.spec.kind)) + "/" + std::to_string(p.spec.size) + "/" + std::to_string(p.spec.slide) + "/" +
           std::to_string(p.spec.gap) + "/" + std::to_string(p.spec.offset) + "/" + std::to_string(p.spec.grace) + ", " +
           std::to_string(p.keys.size()) + " keys, " + std::to_string(p.aggs.size()) + " aggregates";
}

} // namespace brook::stream
