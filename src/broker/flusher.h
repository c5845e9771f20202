#pragma once
// Group commit for one shard. acks=all produces call wait_durable(); the flusher runs
// fdatasync for every partition with waiters on a helper thread (so the shard keeps
// serving), then releases every waiter whose offset is now durable. Everything else that must
// become durable comes here too, by request_sync: acks=0/1 appends (the high watermark is the
// durable offset, so consumers wait for this sync) and a segment roll's syncs
// (storage::flush_work), which never run on the shard. A round wakes the fetches waiting on
// each partition whose durable offset it advanced. Produces that arrive
// while a sync is running share the next one: one fdatasync per partition per round,
// however many producers wait. A round first starts writeback on every file
// (sync_file_range), then fdatasyncs them one by one: the device sees all the data at once
// and the later fdatasyncs find their journal commit already done.
//
// Rounds are not run back to back: when produces are already waiting as a round ends, the
// next one starts after `delay` (PostgreSQL's commit_delay). A lone producer never waits for
// it; a stream of them shares fewer, larger syncs. Measured on the 2-vCPU VM of
// docs/performance.md: back-to-back rounds (~2 500/s) froze the whole VM for ~10 ms every
// 100 ms, and the delay took L1's p99 from 10-17 ms to 4.5-6 ms. Rounds that only serve
// requests (nobody waits on them) start at least `interval` (log.flush.interval.ms) after the
// previous round, so a stream of acks=1 produces costs one fdatasync per partition per
// interval; an idle flusher serves a request at once, and an acks=all wait never waits for
// the interval.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <memory>
#include <unordered_set>
#include <vector>

#include "base/named_type.h"
#include "http/metrics.h"
#include "broker/partition.h"

namespace brook::broker {

class flusher {
public:
    explicit flusher(asio::io_context& shard, std::chrono::microseconds delay = std::chrono::microseconds(0),
                     std::chrono::milliseconds interval = std::chrono::milliseconds(0));
    ~flusher();

    struct durable_point {
        std::shared_ptr<partition> p;
        offset upto;
    };
    // Completes once everything in `p` below `upto` is on stable storage. Shard thread only.
    asio::awaitable<void> wait_durable(std::shared_ptr<partition> p, offset upto);
    // The same for several partitions at once: all join the same sync round (awaiting them
    // one by one would cost one round each).
    asio::awaitable<void> wait_durable(std::vector<durable_point> points);
    // Makes everything appended to `p` so far durable within `interval` (plus the sync),
    // without anyone waiting for it: acks=0/1 appends, a roll's syncs. Shard thread only.
    void request_sync(std::shared_ptr<partition> p);
    // Joins the sync thread; call after the shard stopped.
    void stop();

    // For /metrics; shard thread only. fsync_seconds: each fdatasync call. commit_batch: how
    // many wait_durable calls (acks=all produces) one sync round released.
    struct sync_stats {
        http::metrics::histogram fsync_seconds{http::metrics::fsync_buckets_seconds()};
        http::metrics::histogram commit_batch{http::metrics::batch_size_buckets()};
    };
    const sync_stats& stats() const { return stats_; }

private:
    // One wait_durable call: released when its last partition is durable.
    struct wait_group {
        asio::steady_timer done;
        size_t pending = 0;
    };
    struct waiter {
        std::shared_ptr<partition> p;
        offset upto;
        std::shared_ptr<wait_group> group; // null: a request_sync
    };
    asio::awaitable<void> run();

    void start();

    asio::io_context& shard_;
    std::chrono::microseconds delay_;
    std::chrono::milliseconds interval_;
    asio::steady_timer idle_; // a round of requests waiting for the interval; wait_durable cuts it short
    std::chrono::steady_clock::time_point last_round_{};
    asio::thread_pool sync_thread_{1};
    std::vector<waiter> waiters_;
    std::unordered_set<partition*> requested_; // partitions with a request_sync entry in waiters_
    bool running_ = false;
    sync_stats stats_;
};

} // namespace brook::broker
