#include "broker/page_warmer.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/buffer.h"

namespace brook::broker {

asio::awaitable<void> page_warmer::warm(std::vector<file_range> ranges) {
    co_await asio::co_spawn(
        pool_,
        [&ranges]() -> asio::awaitable<void> {
            constexpr size_t chunk = size_t(1) << 20;
            thread_local buffer scratch(chunk);
            for (const auto& r : ranges) {
                uint64_t pos = r.position, left = r.length;
                while (left > 0) {
                    const size_t want = static_cast<size_t>(std::min<uint64_t>(left, chunk));
                    ssize_t n = ::pread(r.fd, scratch.data(), want, static_cast<off_t>(pos));
                    if (n < 0 && errno == EINTR) continue;
                    if (n <= 0) break;
                    pos += static_cast<uint64_t>(n);
                    left -= static_cast<uint64_t>(n);
                }
            }
            co_return;
        },
        asio::use_awaitable);
}

} // namespace brook::broker
