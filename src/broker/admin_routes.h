#pragma once
// The admin API routes that read broker state, added to the admin listener's router by
// src/app: GET /v1/health (the process is up and serving HTTP), GET /v1/ready (503 until
// `ready()` says storage is recovered and the Kafka listener is up, then 200), and
// GET /metrics (Prometheus text format 0.0.4, broker/metrics_scrape.h).
//
// Handlers run on the shard of the admin connection; `ready` is called from any shard.
#include <functional>

#include "http/router.h"

namespace brook::broker {

class broker;

void add_admin_routes(http::router& routes, broker& b, std::function<bool()> ready);

} // namespace brook::broker
