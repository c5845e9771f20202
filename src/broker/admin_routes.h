#pragma once
// The admin API routes that read broker state, added to the admin listener's router by
// src/app: GET /v1/health (the process is up and serving HTTP), GET /v1/ready (503 until
// `ready()` says storage is recovered and the Kafka listener is up, then 200), and
// GET /metrics (Prometheus text format 0.0.4, broker/metrics_scrape.h), and the JSON admin API
// (admin_api.cc; docs/architecture.md "Admin API and metrics" has the shapes):
//   GET /v1/brokers          [{node_id, host, port, cluster_id}]
//   GET /v1/topics           [{name, partitions, internal}]
//   GET /v1/topics/{t}       {name, internal, partitions: [{partition, high_watermark,
//                            last_stable_offset, log_start_offset, size_bytes, segments}]}; 404
//   GET /v1/groups           [{group_id, state, members, protocol_type}]
//   GET /v1/groups/{g}       {group_id, state, protocol_type, protocol, generation, leader,
//                            members: [{member_id, group_instance_id, client_id, client_host,
//                            assignment: [{topic, partitions}]}], offsets: [{topic, partition,
//                            committed_offset, log_end_offset, lag, lag_seconds}], rebalances:
//                            {total, in_window, window_seconds, in_storm, last_reason,
//                            last_trigger: {member_id, client_id, client_host}}}; 404
// Path parameters are percent-decoded.
// Fault injection (admin_faults.cc, broker/fault_injector.h; 403 unless
// admin.fault.injection.enable): POST /v1/faults (201, the fault), GET /v1/faults,
// GET /v1/faults/{id}, DELETE /v1/faults/{id}, DELETE /v1/faults.
//
// Handlers run on the shard of the admin connection; `ready` is called from any shard.
#include <functional>

#include "http/router.h"

namespace brook::broker {

class broker;

void add_admin_routes(http::router& routes, broker& b, std::function<bool()> ready);
// The JSON routes alone (add_admin_routes adds them too).
void add_admin_api_routes(http::router& routes, broker& b);
// The /v1/faults routes alone (add_admin_api_routes adds them too).
void add_fault_routes(http::router& routes, broker& b);

} // namespace brook::broker
