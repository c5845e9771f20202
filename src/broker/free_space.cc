#include "broker/free_space.h"

#include <cerrno>
#include <cstring>
#include <sys/statvfs.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace brook::broker {

free_space::free_space(std::filesystem::path dir, int64_t min_free_bytes)
    : dir_(std::move(dir)), min_free_(static_cast<uint64_t>(std::max<int64_t>(min_free_bytes, 0))) {}

void free_space::check() {
    if (min_free_ == 0) return;
    struct statvfs vfs {};
    if (::statvfs(dir_.c_str(), &vfs) != 0) {
        // Keep the last answer: a failed statvfs says nothing about the space left.
        spdlog::warn("storage: cannot check free space of {}: {}", dir_.string(), std::strerror(errno));
        return;
    }
    uint64_t avail = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
    free_.store(avail, std::memory_order_relaxed);
    bool now_low = avail < min_free_;
    if (low_.exchange(now_low, std::memory_order_relaxed) == now_low) return;
    if (now_low)
        spdlog::error("storage: {} bytes free in {}, below storage.min.free.bytes ({}): refusing Produce until space "
                      "is freed (Fetch, offset commits and topic deletes keep working)",
                      avail, dir_.string(), min_free_);
    else
        spdlog::info("storage: {} bytes free in {} again (storage.min.free.bytes {}): accepting Produce", avail,
                     dir_.string(), min_free_);
}

boost::asio::awaitable<void> free_space::run(std::chrono::milliseconds interval) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (;;) {
        timer.expires_after(interval);
        boost::system::error_code ec;
        co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
        if (ec) co_return;
        check();
    }
}

std::string free_space::message() const {
    return "no disk space: " + std::to_string(free_bytes()) + " bytes free, below storage.min.free.bytes (" +
           std::to_string(min_free_) + "); retry once space is freed";
}

} // namespace brook::broker
