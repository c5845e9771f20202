// otlp::post: a collector that accepts but never answers is given up on at the timeout; a
// non-2xx answer is an error naming the status; 2xx is success. Real sockets on loopback.
#include "http/otlp_client.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <thread>

namespace brook::http::otlp {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

std::optional<std::string> run_post(uint16_t port, std::chrono::milliseconds timeout) {
    asio::io_context ctx;
    std::optional<std::string> result = "not run";
    asio::co_spawn(ctx, post({"127.0.0.1", port, "/v1/metrics"}, "{}", content_type, timeout),
                   [&](std::exception_ptr e, std::optional<std::string> r) {
                       if (e) std::rethrow_exception(e);
                       result = std::move(r);
                   });
    ctx.run();
    return result;
}

// Accepts one connection, reads the request head and answers with `response` (or never).
std::thread serve_once(tcp::acceptor& acc, std::string response) {
    return std::thread([&acc, response] {
        tcp::socket s(acc.get_executor());
        acc.accept(s);
        asio::streambuf buf;
        asio::read_until(s, buf, "\r\n\r\n");
        if (!response.empty()) asio::write(s, asio::buffer(response));
        std::this_thread::sleep_for(std::chrono::milliseconds(500)); // hold the socket open
    });
}

TEST(otlp_client, silent_collector_times_out) {
    asio::io_context srv;
    tcp::acceptor acc(srv, {asio::ip::make_address("127.0.0.1"), 0});
    auto t = serve_once(acc, "");
    auto start = std::chrono::steady_clock::now();
    auto err = run_post(acc.local_endpoint().port(), std::chrono::milliseconds(150));
    auto took = std::chrono::steady_clock::now() - start;
    t.join();
    ASSERT_TRUE(err);
    EXPECT_NE(err->find("read answer"), std::string::npos) << *err;
    EXPECT_LT(took, std::chrono::milliseconds(450));
}

TEST(otlp_client, non_2xx_is_an_error_with_the_status) {
    asio::io_context srv;
    tcp::acceptor acc(srv, {asio::ip::make_address("127.0.0.1"), 0});
    auto t = serve_once(acc, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy");
    auto err = run_post(acc.local_endpoint().port(), std::chrono::seconds(2));
    t.join();
    ASSERT_TRUE(err);
    EXPECT_EQ(*err, "HTTP 503: busy");
}

TEST(otlp_client, 2xx_is_success) {
    asio::io_context srv;
    tcp::acceptor acc(srv, {asio::ip::make_address("127.0.0.1"), 0});
    auto t = serve_once(acc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    auto err = run_post(acc.local_endpoint().port(), std::chrono::seconds(2));
    t.join();
    EXPECT_FALSE(err) << *err;
}

TEST(otlp_client, refused_connection_is_an_error) {
    uint16_t port;
    {
        asio::io_context srv;
        tcp::acceptor acc(srv, {asio::ip::make_address("127.0.0.1"), 0});
        port = acc.local_endpoint().port();
    }
    auto err = run_post(port, std::chrono::seconds(2));
    ASSERT_TRUE(err);
    EXPECT_NE(err->find("connect 127.0.0.1"), std::string::npos) << *err;
}

} // namespace
} // namespace brook::http::otlp
