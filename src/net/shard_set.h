#pragma once
// Thread-per-core: one asio::io_context per shard, each run by exactly one thread.
// Work for a shard is posted to its context; a coroutine running on shard k touches only
// shard k's state. Cross-shard calls go through `run_on` (post there, resume here).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <thread>
#include <vector>

namespace brook::net {

namespace asio = boost::asio;

class shard_set {
public:
    // io_context with the two-phase teardown exposed: pending handlers of one shard may own
    // objects (timers) of another shard's services, so every shard's handlers are destroyed
    // (shutdown) before any shard's services are (destroy).
    class context_type : public asio::io_context {
    public:
        using asio::io_context::io_context;
        using asio::execution_context::destroy;
        using asio::execution_context::shutdown;
    };

    explicit shard_set(unsigned count);
    ~shard_set();
    shard_set(const shard_set&) = delete;
    shard_set& operator=(const shard_set&) = delete;

    unsigned size() const { return static_cast<unsigned>(contexts_.size()); }
    asio::io_context& context(unsigned shard) { return *contexts_[shard]; }
    // Index of the shard whose thread is calling, or -1 from any other thread.
    static int current();

    // Starts one thread per shard; each runs its context until stop().
    void start();
    void stop();
    void join();

private:
    std::vector<std::unique_ptr<context_type>> contexts_;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
    std::vector<std::thread> threads_;
};

// Runs `fn` (returning asio::awaitable<T>) on shard `target` and resumes the caller on its
// own executor with the result. Used to reach a partition's owner shard.
template <class F>
auto run_on(asio::io_context& target, F&& fn) {
    return asio::co_spawn(target, std::forward<F>(fn), asio::use_awaitable);
}

} // namespace brook::net
