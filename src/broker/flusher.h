#pragma once
// Group commit for one shard. acks=all produces call wait_durable(); the flusher runs
// fdatasync for every partition with waiters on a helper thread (so the shard keeps
// serving), then releases every waiter whose offset is now durable. Produces that arrive
// while a sync is running share the next one: one fdatasync per partition per round,
// however many producers wait.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <vector>

#include "base/named_type.h"
#include "broker/partition.h"

namespace brook::broker {

class flusher {
public:
    explicit flusher(asio::io_context& shard);
    ~flusher();

    // Completes once everything in `p` below `upto` is on stable storage. Shard thread only;
    // `p` must outlive the wait.
    asio::awaitable<void> wait_durable(std::shared_ptr<partition> p, offset upto);
    // Joins the sync thread; call after the shard stopped.
    void stop();

private:
    struct waiter {
        std::shared_ptr<partition> p;
        offset upto;
        std::shared_ptr<asio::steady_timer> done;
    };
    asio::awaitable<void> run();

    asio::io_context& shard_;
    asio::thread_pool sync_thread_{1};
    std::vector<waiter> waiters_;
    bool running_ = false;
};

} // namespace brook::broker
