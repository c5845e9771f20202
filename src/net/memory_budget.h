#pragma once
// The broker-wide budget for in-flight request memory (Kafka's queued.max.request.bytes).
//
// A connection takes a frame's size from the budget before it allocates the frame, and gives
// it back when the request's handler has finished (the frame, and whatever was decoded from
// it, is gone by then). While the budget is spent, connections stop reading: TCP pushes back
// on their clients instead of the broker growing. The dispatcher adds what a request decodes
// to (lease::grow) once it knows, so a request that decodes larger than its frame is counted
// too; grow never waits, it only makes the next acquisitions wait longer.
//
// Shared by every shard: the count is one atomic, and a release wakes waiters on their own
// shards by posting there (waiting is not the hot path: it only happens under pressure).
// Thread-safe; limit <= 0 means unlimited (nothing is counted).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace brook::net {

namespace asio = boost::asio;

class memory_budget {
public:
    explicit memory_budget(int64_t limit) : limit_(limit) {}
    memory_budget(const memory_budget&) = delete;
    memory_budget& operator=(const memory_budget&) = delete;

    int64_t limit() const { return limit_; }
    bool unlimited() const { return limit_ <= 0; }
    int64_t used() const { return used_.load(); }
    // Whether one request of `bytes` could ever be admitted.
    bool fits(int64_t bytes) const { return unlimited() || bytes <= limit_; }

    // Takes `bytes` if they fit now.
    bool try_acquire(int64_t bytes);
    // Takes `bytes` whether or not they fit (decoded sizes are known only after the fact).
    void force_acquire(int64_t bytes);
    void release(int64_t bytes);

    // One waiting reader: a timer on the reader's executor that a release cancels. Owned by the
    // reader; cancel() it to make a wait return early (its connection closing).
    class waiter {
    public:
        explicit waiter(asio::any_io_executor ex) : timer_(ex) {}
        void cancel() { timer_.cancel(); }

    private:
        friend class memory_budget;
        asio::steady_timer timer_;
    };
    // Waits on `w`'s executor until `bytes` are taken (true) or the wait was cancelled (false:
    // nothing taken; the caller rechecks why).
    asio::awaitable<bool> acquire(int64_t bytes, std::shared_ptr<waiter> w);

private:
    void wake_all();

    const int64_t limit_;
    std::atomic<int64_t> used_{0};
    std::atomic<int> waiting_{0};
    std::mutex mu_; // guards waiters_
    std::vector<std::weak_ptr<waiter>> waiters_;
};

// What one request holds of the budget; given back when destroyed. Move-only.
class memory_lease {
public:
    memory_lease() = default;
    memory_lease(memory_budget* b, int64_t bytes) : budget_(b), bytes_(bytes) {}
    memory_lease(memory_lease&& o) noexcept : budget_(o.budget_), bytes_(o.bytes_) { o.budget_ = nullptr; }
    memory_lease& operator=(memory_lease&& o) noexcept {
        if (this != &o) {
            reset();
            budget_ = o.budget_;
            bytes_ = o.bytes_;
            o.budget_ = nullptr;
        }
        return *this;
    }
    ~memory_lease() { reset(); }

    // Counts `bytes` more (a decoded request), without waiting.
    void grow(int64_t bytes) {
        if (!budget_ || bytes <= 0) return;
        budget_->force_acquire(bytes);
        bytes_ += bytes;
    }
    int64_t bytes() const { return bytes_; }
    // The budget's limit, or 0 when there is none (a test's connection).
    int64_t limit() const { return budget_ && !budget_->unlimited() ? budget_->limit() : 0; }
    // What the budget has left now (this lease's bytes already taken); 0 without a budget.
    int64_t budget_free() const { return limit() > 0 ? budget_->limit() - budget_->used() : 0; }
    void reset() {
        if (budget_) budget_->release(bytes_);
        budget_ = nullptr;
        bytes_ = 0;
    }

private:
    memory_budget* budget_ = nullptr;
    int64_t bytes_ = 0;
};

} // namespace brook::net
