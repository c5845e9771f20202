#include "http/otlp_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace brook::http::otlp {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

asio::awaitable<std::optional<std::string>> post(const endpoint& to, std::string body, std::string_view content_type,
                                                 std::chrono::milliseconds timeout) {
    auto ex = co_await asio::this_coro::executor;
    constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
    beast::tcp_stream stream(ex);
    // One deadline for the whole exchange: tcp_stream's timer covers each operation, so it is
    // set once and never renewed.
    stream.expires_after(timeout);
    asio::ip::tcp::resolver resolver(ex);
    auto [rec, results] = co_await resolver.async_resolve(to.host, std::to_string(to.port), tuple);
    if (rec) co_return "resolve " + to.host + ": " + rec.message();
    auto [cec, _] = co_await stream.async_connect(results, tuple);
    if (cec) co_return "connect " + to.host + ":" + std::to_string(to.port) + ": " + cec.message();

    bhttp::request<bhttp::string_body> req{bhttp::verb::post, to.target, 11};
    req.set(bhttp::field::host, to.host + ":" + std::to_string(to.port));
    req.set(bhttp::field::content_type, content_type);
    req.set(bhttp::field::user_agent, "brook-otlp");
    req.body() = std::move(body);
    req.prepare_payload();
    auto [wec, w] = co_await bhttp::async_write(stream, req, tuple);
    if (wec) co_return "send: " + wec.message();

    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1 << 20);
    auto [rdec, r] = co_await bhttp::async_read(stream, buf, parser, tuple);
    if (rdec) co_return "read answer: " + rdec.message();
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    const auto& res = parser.get();
    if (res.result_int() / 100 == 2) co_return std::nullopt;
    co_return "HTTP " + std::to_string(res.result_int()) + ": " + res.body().substr(0, 200);
}

} // namespace brook::http::otlp
