#pragma once
// Periodic OpenTelemetry metric export: every otel.metric.export.interval, the same scrape
// /metrics serves (broker/metrics_scrape.h) is encoded as OTLP JSON (http/otlp.h) and POSTed
// to <otel.exporter.otlp.endpoint>/v1/metrics (http/otlp_client.h).
//
// Runs as one coroutine on shard 0, so a shard never blocks on the collector: the scrape hops
// shards as a /metrics request does, and the POST is asynchronous with a timeout (the
// interval, at most 10 s). A failed export is logged once per streak of failures (and once
// when exports resume), dropped, and the next interval tries again; nothing is queued.
//
// A trace exporter would be a sibling: its own encoder next to encode_metrics, the same
// resource and post().
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "http/otlp.h"

namespace brook::config {
struct broker_config;
}

namespace brook::broker {

class broker;

struct otlp_settings {
    http::otlp::endpoint metrics_endpoint;
    std::chrono::milliseconds interval{60000};
    http::otlp::resource resource;
};

// From the otel.* properties: nullopt when the endpoint is empty (export off). Throws
// std::invalid_argument with the endpoint's problem: called at start-up only.
std::optional<otlp_settings> otlp_settings_from(const config::broker_config& cfg);

// Starts the export loop on shard 0 of `b`. The loop ends with the shard's event loop; `b`
// must outlive the shards (as it does in `brook serve`).
void start_otlp_metrics_export(broker& b, otlp_settings settings);

} // namespace brook::broker
