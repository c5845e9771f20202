#include "broker/flusher.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "base/log.h"

namespace brook::broker {

using asio::use_awaitable;

flusher::flusher(asio::io_context& shard, std::chrono::microseconds delay) : shard_(shard), delay_(delay) {}

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
    if (!running_) {
        running_ = true;
        asio::co_spawn(shard_, run(), asio::detached);
    }
    boost::system::error_code ec;
    co_await group->done.async_wait(asio::redirect_error(use_awaitable, ec));
}

asio::awaitable<void> flusher::run() {
    for (bool first = true; !waiters_.empty(); first = false) {
        if (!first && delay_.count() > 0) {
            asio::steady_timer gather(shard_, delay_);
            boost::system::error_code ec;
            co_await gather.async_wait(asio::redirect_error(use_awaitable, ec));
        }
        // Snapshot what to sync: each partition with waiters, once, up to its current end.
        struct job {
            std::shared_ptr<partition> p;
            offset end;
            std::vector<std::shared_ptr<storage::file_handle>> files;
            bool checkpoint = false; // write the recovery checkpoint at `end` into `dir` once synced
            std::filesystem::path dir;
            bool checkpointed = false;
        };
        std::vector<job> jobs;
        std::unordered_map<partition*, size_t> seen;
        for (auto& w : waiters_) {
            if (seen.contains(w.p.get())) continue;
            seen.emplace(w.p.get(), jobs.size());
            auto& log = w.p->log();
            jobs.push_back({w.p, log.log_end(), log.unsynced_files(), log.checkpoint_due(log.log_end()), log.dir()});
        }
        // fdatasync blocks; run it on the helper thread and resume here. Durations are
        // observed back on the shard (the histogram is the shard's).
        std::vector<double> durations;
        int err = co_await asio::co_spawn(
            sync_thread_,
            [&jobs, &durations]() -> asio::awaitable<int> {
                // Only a hint (errors are ignored): fdatasync below is what makes it durable.
                for (auto& j : jobs)
                    for (auto& f : j.files) (void)::sync_file_range(f->fd(), 0, 0, SYNC_FILE_RANGE_WRITE);
                for (auto& j : jobs)
                    for (auto& f : j.files) {
                        const auto start = std::chrono::steady_clock::now();
                        if (::fdatasync(f->fd()) != 0) co_return errno;
                        durations.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
                    }
                // After the data: the checkpoint may never run ahead of what is synced. A
                // failed write only leaves the old, lower recovery point (logged by storage).
                for (auto& j : jobs)
                    if (j.checkpoint)
                        j.checkpointed = storage::write_recovery_checkpoint(j.dir, {j.end, false}) ==
                                         error_code::none;
                co_return 0;
            },
            use_awaitable);
        if (err != 0) {
            // After a failed fdatasync the kernel may have dropped the dirty pages, so a retry
            // can "succeed" without the data (the fsyncgate lesson). Acknowledging would risk
            // losing an acked write; stopping lets recovery truncate to what is really there.
            spdlog::critical("fdatasync failed: {}; stopping so recovery can verify the log", std::strerror(err));
            std::abort();
        }
        for (double d : durations) stats_.fsync_seconds.observe(d);
        for (auto& j : jobs) {
            j.p->log().mark_flushed(j.end);
            if (j.checkpointed) j.p->log().checkpoint_written(j.end);
        }
        size_t released = 0;
        std::erase_if(waiters_, [&released](waiter& w) {
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
