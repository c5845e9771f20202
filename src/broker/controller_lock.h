#pragma once
// A FIFO async mutex for shard 0's controller operations (create/delete topic). Each
// operation hops across shards (co_await) between its steps; without the lock a create and
// a delete of the same name could interleave and leave shards serving a topic whose files
// or metadata are gone. Shard 0's thread only.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <memory>

namespace brook::broker {

namespace asio = boost::asio;

class controller_lock {
public:
    explicit controller_lock(asio::io_context& ctx) : ctx_(ctx) {}

    class guard {
    public:
        explicit guard(controller_lock* l) : l_(l) {}
        guard(guard&& o) noexcept : l_(std::exchange(o.l_, nullptr)) {}
        guard(const guard&) = delete;
        ~guard() {
            if (l_) l_->unlock();
        }

    private:
        controller_lock* l_;
    };

    asio::awaitable<guard> lock() {
        if (!locked_) {
            locked_ = true;
            co_return guard(this);
        }
        auto t = std::make_shared<asio::steady_timer>(ctx_, asio::steady_timer::time_point::max());
        waiters_.push_back(t);
        boost::system::error_code ec;
        co_await t->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        co_return guard(this); // ownership handed over by unlock()
    }

private:
    void unlock() {
        if (waiters_.empty()) {
            locked_ = false;
            return;
        }
        auto next = waiters_.front();
        waiters_.pop_front();
        next->cancel();
    }

    asio::io_context& ctx_;
    bool locked_ = false;
    std::deque<std::shared_ptr<asio::steady_timer>> waiters_;
};

} // namespace brook::broker
