// The HTTP/1.1 client under the schema-registry client against a one-connection server on a local socket:
// what it sends (method, prefixed target, headers, body), what it reads, and how each failure is
// told apart (unreachable vs. no answer vs. not HTTP).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "client/http_client.h"

using namespace brook::client;

namespace {

// Listens on 127.0.0.1:<ephemeral>; serve() accepts one connection, reads the request head
// and body, and writes `reply` (or nothing, and holds the connection, when reply is empty).
class one_shot_server {
public:
    one_shot_server() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        EXPECT_EQ(::listen(fd_, 4), 0);
        socklen_t n = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n);
        port_ = ntohs(a.sin_port);
    }
    ~one_shot_server() {
        if (t_.joinable()) t_.join();
        ::close(fd_);
    }
    int port() const { return port_; }

    void serve(std::string reply, std::chrono::milliseconds hold = {}) {
        t_ = std::thread([this, reply = std::move(reply), hold] {
            int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            char buf[4096];
            while (true) {
                auto head = request_.find("\r\n\r\n");
                if (head != std::string::npos) {
                    auto cl = request_.find("Content-Length: ");
                    size_t want = cl == std::string::npos ? 0 : std::stoul(request_.substr(cl + 16));
                    if (request_.size() >= head + 4 + want) break;
                }
                auto got = ::read(c, buf, sizeof buf);
                if (got <= 0) break;
                request_.append(buf, static_cast<size_t>(got));
            }
            if (!reply.empty()) {
                auto w = ::write(c, reply.data(), reply.size());
                (void)w;
            }
            std::this_thread::sleep_for(hold);
            ::close(c);
        });
    }
    std::string request() {
        if (t_.joinable()) t_.join();
        return request_;
    }

private:
    int fd_ = -1;
    int port_ = 0;
    std::thread t_;
    std::string request_;
};

std::string reply_with(const std::string& status_line, const std::string& body) {
    return "HTTP/1.1 " + status_line + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

registry_url local(int port, std::string prefix = "") {
    return {"127.0.0.1", std::to_string(port), std::move(prefix), "http://127.0.0.1:" + std::to_string(port)};
}

} // namespace

TEST(client_http, sends_the_request_and_reads_the_reply) {
    one_shot_server s;
    s.serve("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: 9\r\n\r\n{\"id\":7}\n");
    auto r = http_request(local(s.port(), "/sr"), "POST", "/subjects/a%2Fb/versions", R"({"schema":"\"int\""})");
    ASSERT_TRUE(std::holds_alternative<http_reply>(r)) << std::get<http_failure>(r).message;
    auto& reply = std::get<http_reply>(r);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "application/vnd.schemaregistry.v1+json");
    EXPECT_EQ(reply.body, "{\"id\":7}\n");
    auto req = s.request();
    EXPECT_TRUE(req.starts_with("POST /sr/subjects/a%2Fb/versions HTTP/1.1\r\n")) << req;
    EXPECT_NE(req.find("Host: 127.0.0.1:" + std::to_string(s.port()) + "\r\n"), std::string::npos) << req;
    EXPECT_NE(req.find("Content-Type: application/vnd.schemaregistry.v1+json\r\n"), std::string::npos) << req;
    EXPECT_TRUE(req.ends_with("\r\n\r\n{\"schema\":\"\\\"int\\\"\"}")) << req;
}

TEST(client_http, error_statuses_are_replies_not_failures) {
    one_shot_server s;
    s.serve(reply_with("404 Not Found", R"({"error_code":40401,"message":"Subject not found"})"));
    auto r = http_request(local(s.port()), "GET", "/subjects/x/versions", "");
    ASSERT_TRUE(std::holds_alternative<http_reply>(r));
    EXPECT_EQ(std::get<http_reply>(r).status, 404);
    EXPECT_TRUE(s.request().starts_with("GET /subjects/x/versions HTTP/1.1\r\n"));
}

TEST(client_http, refused_connection_is_unreachable) {
    int port = 0;
    {
        one_shot_server s; // bound then closed: nothing listens there now
        port = s.port();
    }
    auto r = http_request(local(port), "GET", "/subjects", "");
    ASSERT_TRUE(std::holds_alternative<http_failure>(r));
    EXPECT_TRUE(std::get<http_failure>(r).unreachable);
}

TEST(client_http, silence_after_connect_is_a_timeout_not_unreachable) {
    one_shot_server s;
    s.serve("", std::chrono::milliseconds(800));
    auto t0 = std::chrono::steady_clock::now();
    auto r = http_request(local(s.port()), "GET", "/subjects", "", {1000, 300});
    auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_TRUE(std::holds_alternative<http_failure>(r));
    EXPECT_FALSE(std::get<http_failure>(r).unreachable);
    EXPECT_NE(std::get<http_failure>(r).message.find("did not answer"), std::string::npos) << std::get<http_failure>(r).message;
    EXPECT_LT(took, std::chrono::milliseconds(700));
}

TEST(client_http, a_server_that_is_not_http_is_named) {
    one_shot_server s;
    s.serve("SSH-2.0-OpenSSH_9.2\r\n");
    auto r = http_request(local(s.port()), "GET", "/subjects", "");
    ASSERT_TRUE(std::holds_alternative<http_failure>(r));
    EXPECT_FALSE(std::get<http_failure>(r).unreachable);
    EXPECT_NE(std::get<http_failure>(r).message.find("is it an HTTP server?"), std::string::npos) << std::get<http_failure>(r).message;
}

// --- registry_client over the same one-shot server ---------------------------------------------

#include "client/registry_client.h"

namespace {
registry_client client_at(int port) {
    return std::get<registry_client>(registry_client::open("http://127.0.0.1:" + std::to_string(port)));
}
} // namespace

TEST(client_registry, register_returns_the_id_and_sends_confluents_body) {
    one_shot_server s;
    s.serve(reply_with("200 OK", R"({"id":12})"));
    auto r = client_at(s.port()).register_schema("orders value", R"({"type":"string"})");
    ASSERT_TRUE(r) << r.err().message;
    EXPECT_EQ(r->id, 12);
    auto req = s.request();
    EXPECT_TRUE(req.starts_with("POST /subjects/orders%20value/versions HTTP/1.1\r\n")) << req;
    EXPECT_TRUE(req.ends_with(R"({"schema":"{\"type\":\"string\"}"})")) << req; // no schemaType for AVRO
}

TEST(client_registry, refusals_carry_the_registrys_error_code) {
    one_shot_server s;
    s.serve(reply_with("409 Conflict", R"({"error_code":409,"message":"Schema being registered is incompatible"})"));
    auto r = client_at(s.port()).register_schema("x", R"("int")");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.err().status, 409);
    EXPECT_EQ(r.err().error_code, 409);
    EXPECT_EQ(r.err().message, "Schema being registered is incompatible");
    EXPECT_FALSE(r.err().unreachable);
}

TEST(client_registry, compatibility_answers_and_a_subject_without_versions) {
    {
        one_shot_server s;
        s.serve(reply_with("200 OK", R"({"is_compatible":false,"messages":["{errorType:'TYPE_MISMATCH', description:'x'}"]})"));
        auto c = client_at(s.port()).check_compatibility("t-value", R"("long")");
        ASSERT_TRUE(c) << c.err().message;
        EXPECT_FALSE(c->compatible);
        ASSERT_EQ(c->messages.size(), 1u);
        EXPECT_TRUE(s.request().starts_with("POST /compatibility/subjects/t-value/versions/latest?verbose=true HTTP/1.1"));
    }
    {
        one_shot_server s;
        s.serve(reply_with("404 Not Found", R"({"error_code":40401,"message":"Subject 't-value' not found."})"));
        auto c = client_at(s.port()).check_compatibility("t-value", R"("long")");
        ASSERT_TRUE(c) << c.err().message;
        EXPECT_TRUE(c->compatible && c->no_subject);
    }
}

TEST(client_registry, lookup_get_by_id_and_wrong_shapes) {
    {
        one_shot_server s;
        s.serve(reply_with("200 OK", R"({"subject":"a","id":3,"version":2,"schema":"\"int\""})"));
        auto r = client_at(s.port()).lookup("a", R"("int")");
        ASSERT_TRUE(r) << r.err().message;
        EXPECT_EQ(r->id, 3);
        EXPECT_EQ(r->version, 2);
        EXPECT_TRUE(s.request().starts_with("POST /subjects/a HTTP/1.1"));
    }
    {
        one_shot_server s;
        s.serve(reply_with("200 OK", R"({"schema":"\"int\"","schemaType":"AVRO"})"));
        auto r = client_at(s.port()).get_by_id(3);
        ASSERT_TRUE(r) << r.err().message;
        EXPECT_EQ(r->schema, "\"int\"");
        EXPECT_TRUE(s.request().starts_with("GET /schemas/ids/3 HTTP/1.1"));
    }
    {
        one_shot_server s;
        s.serve(reply_with("200 OK", R"({"ident":3})"));
        auto r = client_at(s.port()).register_schema("a", R"("int")");
        ASSERT_FALSE(r);
        EXPECT_NE(r.err().message.find("unexpected"), std::string::npos) << r.err().message;
    }
    int port = 0;
    {
        one_shot_server s;
        port = s.port();
    }
    auto r = client_at(port).get_by_id(1);
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.err().unreachable);
    EXPECT_TRUE(std::holds_alternative<std::string>(registry_client::open("ftp://x")));
}
