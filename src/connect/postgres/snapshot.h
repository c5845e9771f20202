#pragma once
// The initial snapshot: every row of the captured tables as of one exported snapshot, read in
// primary-key ranges by parallel workers. Each worker opens its own connection and imports the
// snapshot (SET TRANSACTION SNAPSHOT), so all of them see exactly the database state at the
// slot's consistent point — the stream that follows starts there, and snapshot ∪ stream has no
// gap and no overlap.
//
// Threads: run_snapshot is called on the source's thread and returns when every worker is done.
// Workers encode rows into records; the calling thread alone hands them to `sink` (the
// transactional producer is single-threaded), in batches, through a bounded queue.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client/record.h"
#include "connect/error.h"
#include "connect/postgres/catalog.h"
#include "connect/postgres/events.h"
#include "connect/postgres/options.h"

namespace brook::connect::pg {

// Live progress for --metrics-addr: rows read per table (in `tables` order), written by the
// workers, read by the metrics endpoint's thread.
struct snapshot_progress {
    explicit snapshot_progress(size_t tables) : rows(tables) {}
    std::vector<std::atomic<int64_t>> rows;
    std::atomic<bool> done{false};
};

struct snapshot_stats {
    std::vector<std::pair<std::string, int64_t>> rows_per_table; // qualified name, rows
    int64_t rows = 0;
    double seconds = 0;
};

// `sink` gets each record; the very last one has source.snapshot "last". Returning a failure
// from sink stops the snapshot. `position` fills source (ts_ms, lsn) for every record.
// `avro` (--format avro) holds every table's registered schemas; `progress` (may be null) is
// counted as rows are read.
expected<snapshot_stats> run_snapshot(const cdc_options& o, const std::string& db, const std::string& snapshot_name,
                                      const std::vector<table_info>& tables, const source_position& position,
                                      const std::function<status(client::record&&)>& sink,
                                      const avro_catalog* avro = nullptr, snapshot_progress* progress = nullptr);

} // namespace brook::connect::pg
