#include "broker/flusher.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>
#include <algorithm>
#include <unordered_set>

#include "base/log.h"

namespace brook::broker {

using asio::use_awaitable;

flusher::flusher(asio::io_context& shard, std::chrono::microseconds delay, std::chrono::milliseconds interval)
    : shard_(shard), delay_(delay), interval_(interval), idle_(shard) {}

void flusher::start() {
    if (running_) return;
    running_ = true;
    asio::co_spawn(shard_, run(), asio::detached);
}

flusher::~flusher() { stop(); }

void flusher::stop() { sync_thread_.join(); }

asio::awaitable<void> flusher::wait_durable(std::shared_ptr<partition> p, offset upto) {
    std::vector<durable_point> one;
    one.push_back({std::move(p), upto});
    co_await wait_durable(std::move(one));
}

asio::awaitable<void> flusher::wait_durable(std::vector<durable_point> points) {
    auto group = std::make_shared<wait_group>(asio::steady_timer(shard_, asio::steady_timer::time_point::max()));
    for (auto& pt : points) {
        if (pt.p->log().flushed_offset() >= pt.upto) continue;
        ++group->pending;
        waiters_.push_back({std::move(pt.p), pt.upto, group});
    }
    if (group->pending == 0) co_return;
    idle_.cancel(); // a round waiting for the interval runs now
    start();
    boost::system::error_code ec;
    co_await group->done.async_wait(asio::redirect_error(use_awaitable, ec));
}

void flusher::request_sync(std::shared_ptr<partition> p) {
    if (!p->log().flush_pending() || !requested_.insert(p.get()).second) return;
    waiters_.push_back({std::move(p), offset(0), nullptr});
    start();
}

asio::awaitable<void> flusher::run() {
    bool after_round = false;
    while (!waiters_.empty()) {
        const bool waited_on = std::any_of(waiters_.begin(), waiters_.end(), [](const waiter& w) { return w.group != nullptr; });
        if (!waited_on && std::chrono::steady_clock::now() < last_round_ + interval_) {
            idle_.expires_at(last_round_ + interval_);
            boost::system::error_code ec;
            co_await idle_.async_wait(asio::redirect_error(use_awaitable, ec));
            after_round = false; // an acks=all wait that cut it short does not wait for the commit delay too
            continue;
        }
        if (after_round && waited_on && delay_.count() > 0) {
            asio::steady_timer gather(shard_, delay_);
            boost::system::error_code ec;
            co_await gather.async_wait(asio::redirect_error(use_awaitable, ec));
        }
        // What to make durable: each partition with waiters (or a sync request), once, up to
        // its current end, with whatever a roll left for it (storage::flush_work).
        struct job {
            std::shared_ptr<partition> p;
            storage::flush_work work;
        };
        std::vector<job> jobs;
        std::unordered_set<partition*> seen;
        for (auto& w : waiters_) {
            if (!seen.insert(w.p.get()).second || !w.p->log().flush_pending()) continue;
            jobs.push_back({w.p, w.p->log().begin_flush()});
        }
        // fdatasync blocks; run it on the helper thread and resume here. Durations are
        // observed back on the shard (the histogram is the shard's).
        std::vector<double> durations;
        const storage::flush_work* failed = co_await asio::co_spawn(
            sync_thread_,
            [&jobs, &durations]() -> asio::awaitable<const storage::flush_work*> {
                for (auto& j : jobs) storage::start_writeback(j.work);
                for (auto& j : jobs)
                    if (storage::run_flush(j.work, &durations) != error_code::none) co_return &j.work;
                co_return nullptr;
            },
            use_awaitable);
        if (failed) {
            // After a failed fdatasync the kernel may have dropped the dirty pages, so a retry
            // can "succeed" without the data (the fsyncgate lesson). Acknowledging would risk
            // losing an acked write; stopping lets recovery truncate to what is really there.
            spdlog::critical("fdatasync of {} failed; stopping so recovery can verify the log", failed->failed.string());
            std::abort();
        }
        for (double d : durations) stats_.fsync_seconds.observe(d);
        last_round_ = std::chrono::steady_clock::now();
        after_round = true;
        for (auto& j : jobs) {
            const offset before = j.p->log().flushed_offset();
            j.p->log().end_flush(j.work);
            // The high watermark moved: long-polling fetches may now return it.
            if (j.p->log().flushed_offset() > before) j.p->notify_appended();
        }
        size_t released = 0;
        std::erase_if(waiters_, [this, &released](waiter& w) {
            if (!w.group) { // a request: stays while appends keep coming (the next round is an interval away)
                if (w.p->log().flush_pending()) return false;
                requested_.erase(w.p.get());
                return true;
            }
            if (w.p->log().flushed_offset() < w.upto) return false;
            if (--w.group->pending == 0) {
                w.group->done.cancel();
                ++released;
            }
            return true;
        });
        if (released > 0) stats_.commit_batch.observe(static_cast<double>(released));
    }
    running_ = false;
}

} // namespace brook::broker
