// server: a real loopback exchange over a raw socket — keep-alive (two requests on one
// connection), JSON errors for 404/405, a garbage request answered 400 and closed while
// the listener goes on serving, and an over-limit body answered 413.
#include "http/server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <string>

#include "net/server.h"

namespace brook::http {
namespace {

namespace asio = boost::asio;

// A blocking client socket to 127.0.0.1:port.
struct client {
    int fd;
    explicit client(uint16_t port) : fd(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        timeval tv{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    client(const client&) = delete;
    ~client() { ::close(fd); }
    void send(const std::string& s) { ASSERT_EQ(::send(fd, s.data(), s.size(), MSG_NOSIGNAL), (ssize_t)s.size()); }
    // Reads one response (headers + Content-Length body).
    std::string response() {
        std::string got;
        char buf[4096];
        for (;;) {
            auto end = got.find("\r\n\r\n");
            if (end != std::string::npos) {
                auto cl = got.find("Content-Length: ");
                size_t len = cl == std::string::npos ? 0 : std::stoul(got.substr(cl + 16));
                if (got.size() >= end + 4 + len) return got.substr(0, end + 4 + len);
            }
            auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) return got;
            got.append(buf, static_cast<size_t>(n));
        }
    }
    bool closed_by_peer() {
        char c;
        return ::recv(fd, &c, 1, 0) == 0;
    }
};

int status_of(const std::string& resp) { return resp.size() > 12 ? std::stoi(resp.substr(9, 3)) : 0; }
nlohmann::json body_of(const std::string& resp) { return nlohmann::json::parse(resp.substr(resp.find("\r\n\r\n") + 4)); }

class http_server : public ::testing::Test {
protected:
    void SetUp() override {
        routes.add("GET", "/v1/health", [](request&) -> asio::awaitable<response> {
            co_return json_response({{"status", "ok"}});
        });
        routes.add("POST", "/v1/echo", [](request& q) -> asio::awaitable<response> {
            auto j = parse_json_body(q);
            if (j.error) co_return *j.error;
            co_return json_response(*j.value);
        });
        srv = std::make_unique<server>(shards, net::parse_endpoint("127.0.0.1:0"), routes,
                                       server_limits{4096, 1024, std::chrono::milliseconds(5000)});
        srv->start();
        shards.start();
    }
    void TearDown() override {
        srv->stop();
        shards.stop();
        shards.join();
    }
    net::shard_set shards{2};
    router routes;
    std::unique_ptr<server> srv;
};

TEST_F(http_server, keep_alive_serves_several_requests_on_one_connection) {
    client c(srv->port());
    c.send("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
    auto a = c.response();
    EXPECT_EQ(status_of(a), 200);
    EXPECT_EQ(body_of(a)["status"], "ok");
    c.send("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"a\": 1}");
    auto b = c.response();
    EXPECT_EQ(status_of(b), 200);
    EXPECT_EQ(body_of(b)["a"], 1);
}

TEST_F(http_server, errors_are_json) {
    client c(srv->port());
    c.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
    auto a = c.response();
    EXPECT_EQ(status_of(a), 404);
    EXPECT_EQ(body_of(a)["error_code"], 404);
    c.send("DELETE /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
    auto b = c.response();
    EXPECT_EQ(status_of(b), 405);
    EXPECT_NE(b.find("Allow: GET"), std::string::npos);
    c.send("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n{{{");
    auto d = c.response();
    EXPECT_EQ(status_of(d), 400);
    EXPECT_EQ(body_of(d)["error_code"], 400);
}

TEST_F(http_server, garbage_is_400_and_the_listener_goes_on) {
    {
        client c(srv->port());
        c.send("\x16\x03\x01 this is not http\r\n\r\n");
        auto a = c.response();
        EXPECT_EQ(status_of(a), 400);
        EXPECT_EQ(body_of(a)["error_code"], 400);
        EXPECT_TRUE(c.closed_by_peer());
    }
    client next(srv->port());
    next.send("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(status_of(next.response()), 200);
}

TEST_F(http_server, over_limit_body_is_413) {
    client c(srv->port());
    c.send("POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
    auto a = c.response();
    EXPECT_EQ(status_of(a), 413);
    EXPECT_EQ(body_of(a)["error_code"], 413);
}

TEST_F(http_server, connection_close_is_honoured) {
    client c(srv->port());
    c.send("GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(status_of(c.response()), 200);
    EXPECT_TRUE(c.closed_by_peer());
}

} // namespace
} // namespace brook::http
