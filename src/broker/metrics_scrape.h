#pragma once
// One /metrics scrape of the broker: visits every shard (hop there, copy its counters and
// partition gauges, come back), then the group coordinator's shard for group state and
// committed offsets, and renders everything with the process metrics in the Prometheus text
// format. Lag is computed here from the committed offsets and the partitions' high
// watermarks read in the same scrape. A scrape also drops the fetched-bytes counters of
// deleted topics (on their shard).
//
// Callable from a coroutine on any shard; costs one hop per shard plus one to the group
// shard, and work linear in partitions + committed offsets. Reads never block a shard for
// longer than copying its own figures.
#include <boost/asio/awaitable.hpp>

#include <string>

#include "http/metrics.h"

namespace brook::broker {

class broker;

boost::asio::awaitable<std::string> scrape_metrics(broker& b);
// The same scrape, with the families also kept as data (for the OTLP exporter).
boost::asio::awaitable<http::metrics::exposition> scrape_metric_families(broker& b);

} // namespace brook::broker
