#pragma once
// The runtime around txn::txn_coordinator: the coordinator lives on the shard that owns
// `__transaction_state` partition 0 and runs on a coord::runtime there (load by replay, records
// durable before any answer, timers at their deadline; the log cleaner keeps the topic small). After a call's
// records are durable, its marker jobs run in the background: markers into every partition of
// the transaction (write_txn_markers), retried until they are durable, then the completion
// record. Transactions found half-ended at start-up (PrepareCommit/PrepareAbort) are completed
// the same way once the shards run.
//
// Handlers on any shard reach it by hopping to shard() (net::run_on) and calling coordinator()
// and apply() there.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>

#include "coord/runtime.h"
#include "txn/txn_coordinator.h"

namespace brook::broker {

namespace asio = boost::asio;

class broker;

class txn_service {
public:
    explicit txn_service(broker& b);
    ~txn_service();

    unsigned shard() const;
    // Replays __transaction_state into a fresh coordinator. Before the shards run.
    void load();
    // Starts the timers and completes the transactions the load found half-ended.
    void start();

    // Owner shard only.
    txn::txn_coordinator& coordinator() { return *coordinator_; }
    // Makes fx.records durable, then starts fx.markers in the background; none. If the append
    // fails the coordinator is reloaded from the log, the transactions the reload finds
    // half-ended get their markers (again: marker writes and completion are idempotent), and
    // the append's error is returned for the caller to answer.
    asio::awaitable<error_code> apply(txn::effects fx);

private:
    // Writes the job's markers, then its completion record; after `pause`.
    asio::awaitable<void> complete(txn::marker_job job, std::chrono::milliseconds pause);
    asio::awaitable<void> on_deadline(timestamp_ms now);
    void run_markers(std::vector<txn::marker_job> jobs, std::chrono::milliseconds pause = {});
    std::unique_ptr<txn::txn_coordinator> make_coordinator();

    broker& b_;
    std::unique_ptr<txn::txn_coordinator> coordinator_;
    std::unique_ptr<coord::runtime> runtime_;
    std::vector<txn::marker_job> after_load_; // Prepare* transactions found by load()
};

} // namespace brook::broker
