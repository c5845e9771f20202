#pragma once
// `brook sql status [--brokers] [--format json]`: the exactly-once windowed jobs on a cluster, read
// from their consumer groups (`brook-sql-<group.id>`, docs/sql-scale-out.md) with the Kafka admin
// API — each job's group state, its workers (client.id `brook-sql-<worker>[@<metrics addr>]`),
// the key groups (repartition partitions) and source partitions each owns, the metrics endpoint a
// worker advertises, and the group's lag per partition. Works against any Kafka-compatible broker.
// Exit codes: 0 shown (also when there is no job), 1 the cluster could not be asked.
#include <string>

namespace brook::stream {

int sql_status(const std::string& brokers, bool json);

} // namespace brook::stream
