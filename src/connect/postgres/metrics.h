#pragma once
// `--metrics-addr HOST:PORT` (off by default): the CDC source's figures as a Prometheus page
// (GET /metrics), served by src/http on a one-shard net::shard_set of its own.
//   brook_cdc_slot_retained_wal_bytes       pg_current_wal_lsn() - the slot's restart_lsn: WAL
//                                           Postgres keeps for this source
//   brook_cdc_slot_confirmed_lag_bytes      pg_current_wal_lsn() - confirmed_flush_lsn
//   brook_cdc_slot_lag_poll_errors_total    polls that failed (the gauges keep their last value)
//   brook_cdc_changes_committed_total       streamed changes committed to Kafka
//   brook_cdc_snapshot_table_rows{table}    rows the current/last snapshot read, per table
//   brook_cdc_snapshot_rows                 their sum
//   brook_cdc_snapshot_done                 1 once the snapshot committed (or none was needed)
// plus the process_* metrics. The slot figures are polled every second on a thread of the
// endpoint's own, over its own Postgres connection, so a scrape never waits for Postgres.
// Threads: the source's thread and the snapshot workers write the atomics; the endpoint's
// shard and the poller read them.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connect/error.h"
#include "connect/postgres/options.h"
#include "connect/postgres/snapshot.h"

namespace brook::connect::pg {

struct cdc_figures {
    std::atomic<int64_t> committed_changes{0};
    std::atomic<int64_t> retained_bytes{-1}; // -1: not known yet (no slot, or not polled)
    std::atomic<int64_t> confirmed_lag_bytes{-1};
    std::atomic<int64_t> poll_errors{0};
    std::atomic<bool> snapshot_done{false};

    // The running (or last) snapshot: table names in the order of progress->rows.
    void set_snapshot(std::vector<std::string> tables, std::shared_ptr<snapshot_progress> progress);
    std::pair<std::vector<std::string>, std::shared_ptr<snapshot_progress>> snapshot() const;

private:
    mutable std::mutex m_;
    std::vector<std::string> tables_;
    std::shared_ptr<snapshot_progress> progress_;
};

// The Prometheus text of `f` (tested without a socket).
std::string render_metrics(const cdc_figures& f);

class metrics_endpoint {
public:
    // Listens on o.metrics_addr and starts polling slot o.slot_name; a bad or busy address is a
    // usage error.
    static expected<std::unique_ptr<metrics_endpoint>> start(const cdc_options& o, cdc_figures& f);
    ~metrics_endpoint();
    uint16_t port() const;

    struct impl;

private:
    explicit metrics_endpoint(std::unique_ptr<impl> p);
    std::unique_ptr<impl> p_;
};

} // namespace brook::connect::pg
