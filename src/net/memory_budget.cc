#include "net/memory_budget.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

namespace brook::net {

bool memory_budget::try_acquire(int64_t bytes) {
    if (unlimited()) return true;
    int64_t cur = used_.load();
    for (;;) {
        if (cur + bytes > limit_) return false; // (a frame over the limit is refused before)
        if (used_.compare_exchange_weak(cur, cur + bytes)) return true;
    }
}

void memory_budget::force_acquire(int64_t bytes) {
    if (!unlimited()) used_.fetch_add(bytes);
}

void memory_budget::release(int64_t bytes) {
    if (unlimited() || bytes <= 0) return;
    used_.fetch_sub(bytes);
    // Ordered after the subtraction (seq_cst): a reader that registered before its last try
    // failed is seen here, so it cannot sleep through this release.
    if (waiting_.load() > 0) wake_all();
}

void memory_budget::wake_all() {
    std::vector<std::shared_ptr<waiter>> live;
    {
        std::lock_guard lock(mu_);
        std::erase_if(waiters_, [&](const std::weak_ptr<waiter>& w) {
            auto sp = w.lock();
            if (sp) live.push_back(std::move(sp));
            return !sp;
        });
    }
    // Each waiter's timer belongs to its own shard: cancel it there.
    for (auto& w : live) asio::post(w->timer_.get_executor(), [w] { w->timer_.cancel(); });
}

asio::awaitable<bool> memory_budget::acquire(int64_t bytes, std::shared_ptr<waiter> w) {
    if (try_acquire(bytes)) co_return true;
    waiting_.fetch_add(1);
    {
        std::lock_guard lock(mu_);
        waiters_.push_back(w);
    }
    bool got = try_acquire(bytes);
    if (!got) {
        // The timeout only guards against a wake-up lost to a bug; releases cancel the wait.
        w->timer_.expires_after(std::chrono::seconds(1));
        boost::system::error_code ec;
        co_await w->timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        got = try_acquire(bytes);
    }
    {
        std::lock_guard lock(mu_);
        auto it = std::find_if(waiters_.begin(), waiters_.end(), [&](const std::weak_ptr<waiter>& x) {
            return !x.owner_before(w) && !w.owner_before(x);
        });
        if (it != waiters_.end()) waiters_.erase(it);
    }
    waiting_.fetch_sub(1);
    co_return got;
}

} // namespace brook::net
