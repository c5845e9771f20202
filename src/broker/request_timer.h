#pragma once
// The shard-thread time one request takes, for the request_percentage quota (KIP-124).
//
// Brook's handlers are coroutines interleaved on the shard thread, so the wall time from a
// request's arrival to its answer counts other requests' work and the waits (durable acks,
// long polls, rebalances, other shards). Instead the handler runs as its own coroutine on a
// `timed_executor`: every time it is resumed, the executor times that resumption on the
// steady clock until the coroutine suspends again. Those slices are exactly the time the
// request held the shard thread; time suspended is not counted, nor are other shards' parts
// of a fanned-out request. A slice that resumes another timed request inline (nested) is
// charged to the inner request only.
//
// Only used for connections a request_percentage quota applies to (one co_spawn per request).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

namespace brook::broker {

// Time charged to one request, in nanoseconds. Shard thread only.
struct request_clock {
    int64_t ns = 0;
};

namespace detail {
inline int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
// The slice running on this thread: its clock, start, and time of nested slices inside it.
struct running_slice {
    request_clock* clock = nullptr;
    int64_t start = 0;
    int64_t inner = 0;
};
inline thread_local running_slice current_slice;
} // namespace detail

// The time charged so far, including the slice running now (the caller may be inside it).
inline int64_t charged_ns(const request_clock& c) {
    const auto& s = detail::current_slice;
    if (s.clock != &c) return c.ns;
    return c.ns + (detail::steady_ns() - s.start - s.inner);
}

class timed_executor {
public:
    timed_executor(boost::asio::any_io_executor inner, std::shared_ptr<request_clock> clock)
        : inner_(std::move(inner)), clock_(std::move(clock)) {}

    template <class F>
    void execute(F&& f) const {
        inner_.execute([clock = clock_, f = std::forward<F>(f)]() mutable {
            auto& s = detail::current_slice;
            const auto outer = s;
            s = {clock.get(), detail::steady_ns(), 0};
            struct restore {
                detail::running_slice& s;
                detail::running_slice outer;
                request_clock* clock;
                ~restore() {
                    const int64_t elapsed = detail::steady_ns() - s.start;
                    clock->ns += elapsed - s.inner;
                    s = outer;
                    s.inner += elapsed; // the outer slice is not charged for this one
                }
            } guard{s, outer, clock.get()};
            std::move(f)();
        });
    }

    template <class Property>
    auto query(const Property& p) const -> decltype(boost::asio::query(std::declval<const boost::asio::any_io_executor&>(), p)) {
        return boost::asio::query(inner_, p);
    }
    template <class Property>
    auto require(const Property& p) const
        -> decltype(boost::asio::require(std::declval<const boost::asio::any_io_executor&>(), p), timed_executor(*this)) {
        return timed_executor(boost::asio::require(inner_, p), clock_);
    }
    template <class Property>
    auto prefer(const Property& p) const
        -> decltype(boost::asio::prefer(std::declval<const boost::asio::any_io_executor&>(), p), timed_executor(*this)) {
        return timed_executor(boost::asio::prefer(inner_, p), clock_);
    }

    friend bool operator==(const timed_executor& a, const timed_executor& b) noexcept {
        return a.inner_ == b.inner_ && a.clock_ == b.clock_;
    }
    friend bool operator!=(const timed_executor& a, const timed_executor& b) noexcept { return !(a == b); }

private:
    boost::asio::any_io_executor inner_;
    std::shared_ptr<request_clock> clock_;
};

} // namespace brook::broker
