#pragma once
// The OTLP/HTTP transport: one POST of an encoded export to a collector, shared by every
// signal (metrics now; traces would encode their own body and post it the same way).
// Callable from a coroutine on any io_context; never blocks the thread: resolve, connect,
// write and read are asynchronous and bounded together by `timeout`.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "http/otlp.h"

namespace brook::http::otlp {

// POSTs `body` to `to`. nullopt on a 2xx answer; otherwise what went wrong (connection
// refused, timed out, "HTTP 503: <body start>"), for the caller to log.
boost::asio::awaitable<std::optional<std::string>> post(const endpoint& to, std::string body,
                                                        std::string_view content_type,
                                                        std::chrono::milliseconds timeout);

} // namespace brook::http::otlp
