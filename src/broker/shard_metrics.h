#pragma once
// What one shard counts for /metrics: Kafka requests by API and version, request errors,
// request latency by API, bytes fetched per topic, and live connections by client software.
// Bytes and records appended are counted on the partition itself (partition::traffic) and
// fsync figures in the flusher, where they happen.
//
// Plain integers owned by the shard (in shard_state): only that shard's thread writes or
// reads them, so the hot path pays an increment and no atomic or lock. A scrape hops to each
// shard, copies, and merges (broker/metrics_scrape.h).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/metrics.h"

namespace brook::broker {

struct shard_metrics {
    // Error label for a request that made the broker close the connection (malformed,
    // unknown API, unsupported version): not a Kafka error code, so spelled apart from them.
    static constexpr std::string_view connection_closed = "CONNECTION_CLOSED";
    // API key label for a request whose key the broker does not serve.
    static constexpr int16_t unknown_api = -1;

    struct api_stats {
        std::vector<uint64_t> requests_by_version; // index: request version
        http::metrics::histogram duration{http::metrics::latency_buckets_seconds()};
    };
    // By API key; grown on first use of a key (rare: once per key and shard).
    std::unordered_map<int16_t, api_stats> apis;
    // (API key, error name) -> count. Error names are static strings (error_name()).
    std::map<std::pair<int16_t, std::string_view>, uint64_t> errors;
    // Fetched bytes per topic, counted where the response is assembled (the connection's shard);
    // entries of deleted topics are dropped at the next scrape.
    std::unordered_map<std::string, uint64_t> topic_bytes_out;
    // Live connections by ClientSoftwareName ("unknown" until an ApiVersions v3+ names it).
    std::map<std::string, int64_t, std::less<>> connections;
    // Client quota throttling (quota_manager), by (quota type label, client id): responses that
    // carried a throttle time and the time summed. Only clients a quota applied to appear.
    struct throttle_stats {
        uint64_t throttled = 0;
        double seconds = 0;
    };
    std::map<std::pair<std::string_view, std::string>, throttle_stats> throttles;

    void count_request(int16_t api_key, int16_t version, double seconds) {
        auto& a = apis[api_key];
        const auto v = static_cast<size_t>(version < 0 ? 0 : version);
        if (a.requests_by_version.size() <= v) a.requests_by_version.resize(v + 1, 0);
        ++a.requests_by_version[v];
        a.duration.observe(seconds);
    }
    void count_error(int16_t api_key, std::string_view error) { ++errors[{api_key, error}]; }
    void count_throttle(std::string_view quota, std::string_view client_id, int64_t ms) {
        auto& t = throttles[{quota, std::string(client_id)}];
        ++t.throttled;
        t.seconds += static_cast<double>(ms) / 1000.0;
    }
};

// One connection's entry in shard_metrics::connections: counted while this object lives
// (it lives as long as the connection, in net::connection_info::handler_state), re-labelled
// when the client names its software. Shard thread only; shard_metrics must outlive it.
class connection_tally {
public:
    connection_tally(shard_metrics& m, std::string software) : m_(m), software_(std::move(software)) {
        ++m_.connections[software_];
    }
    ~connection_tally() { release(); }
    connection_tally(const connection_tally&) = delete;
    connection_tally& operator=(const connection_tally&) = delete;

    void relabel(std::string software) {
        if (software == software_) return;
        release();
        software_ = std::move(software);
        ++m_.connections[software_];
    }

private:
    void release() {
        auto it = m_.connections.find(software_);
        if (it != m_.connections.end() && --it->second == 0) m_.connections.erase(it);
    }
    shard_metrics& m_;
    std::string software_;
};

} // namespace brook::broker
