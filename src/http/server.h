#pragma once
// HTTP/1.1 listener on the shards' event loops: one acceptor per shard on the same address
// (SO_REUSEPORT, like net::server), each connection served on the shard that accepted it.
// Requests on a connection are answered in order (no pipelining beyond that); keep-alive
// as the client asks. A request that cannot be parsed is answered 400, one whose body or
// header exceeds the limits 413 / 431, and the connection is then closed (its byte stream
// can no longer be trusted); the listener goes on serving others. An idle connection is
// closed after `idle_timeout`.
//
// Threads: start()/stop() from any thread but a shard's; the router must outlive the server
// and not change once started.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>
#include <vector>

#include "http/router.h"
#include "net/shard_set.h"

namespace brook::http {

struct server_limits {
    uint32_t max_header_bytes = 16 * 1024;
    uint64_t max_body_bytes = 1024 * 1024;
    std::chrono::milliseconds idle_timeout{60'000};
};

class server {
public:
    server(net::shard_set& shards, boost::asio::ip::tcp::endpoint ep, const router& routes, server_limits limits = {});
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Binds every shard's acceptor; throws std::system_error if the address is unusable.
    void start();
    // Stops accepting and closes every connection, each on its shard. Blocks until done, so
    // the shards must be running; a server whose shards never ran is simply destroyed.
    void stop();
    uint16_t port() const { return port_; }

private:
    struct per_shard;
    struct session;
    boost::asio::awaitable<void> accept_loop(per_shard& s);
    static boost::asio::awaitable<void> serve(std::shared_ptr<session> s, const router& routes, server_limits limits);

    net::shard_set& shards_;
    boost::asio::ip::tcp::endpoint ep_;
    const router& routes_;
    server_limits limits_;
    std::vector<std::unique_ptr<per_shard>> per_shard_;
    uint16_t port_ = 0;
};

} // namespace brook::http
