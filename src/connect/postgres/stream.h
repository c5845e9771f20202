#pragma once
// Streaming from the slot: pgoutput messages → Debezium events → Kafka transactions.
//
// Batching: a Kafka transaction holds whole Postgres transactions only. It is committed, with
// the end LSN of its last Postgres transaction as the stored position, when it holds
// max.batch.size records, when poll.interval.ms passed since its first one, or when the stream
// is silent for 20 ms (caught up); only then is that LSN confirmed to Postgres. Transactions whose commit ends at or
// before the stored position are skipped (a restart may see them again). When nothing is in
// flight and a keepalive reports a newer WAL position, that position is stored and confirmed
// (at most once per status interval), so a quiet slot does not pin WAL.
// Threads: runs on the source's thread until `stop` is set or a failure.
#include <atomic>
#include <functional>
#include <map>
#include <string>

#include "connect/error.h"
#include "connect/postgres/catalog.h"
#include "connect/postgres/events.h"
#include "connect/postgres/options.h"
#include "connect/postgres/pg_conn.h"
#include "connect/postgres/replication.h"
#include "connect/postgres/txn_writer.h"

namespace brook::connect::pg {

struct stream_context {
    const cdc_options& o;
    std::string db;
    connection& meta;       // catalog lookups when a Relation message announces a change
    txn_writer& writer;
    replication_session& repl;
    std::map<std::string, table_info> tables; // by qualified name, from start-up
    const std::atomic<bool>& stop;
    // Called for a table first seen in the stream (its topic must exist before events go in).
    std::function<status(const table_info&)> new_table;
    // --format avro: every Relation is checked against (and registered in) the registry before
    // a record uses it; a change the registry refuses stops the stream with nothing of that
    // Postgres transaction committed. Null for json.
    avro_catalog* avro = nullptr;
    // Counters for --metrics-addr (may be null): changes committed.
    std::atomic<int64_t>* committed_changes = nullptr;
};

status stream_changes(stream_context& ctx, lsn stored);

} // namespace brook::connect::pg
