#pragma once
// Kafka listener: one acceptor per shard on the same address (SO_REUSEPORT), so the
// kernel spreads connections across shards and each connection lives on the shard that
// accepted it. Start and stop from any thread; each acceptor runs on its own shard.
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "net/admission.h"
#include "net/connection.h"
#include "net/shard_set.h"

namespace brook::net {

// Parses "host:port" ("[::1]:9092" for IPv6). Throws std::invalid_argument with a message
// that says what to fix — only used at start-up.
asio::ip::tcp::endpoint parse_endpoint(const std::string& host_port);

class server {
public:
    // `gate` (may be null: no caps) admits each accepted connection or has it closed at once.
    server(shard_set& shards, asio::ip::tcp::endpoint ep, connection_limits limits, frame_handler handler,
           std::shared_ptr<admission> gate = nullptr);
    ~server();
    // Binds every shard's acceptor; throws std::system_error if the address is unusable.
    void start();
    // Stops accepting and closes every connection (each on its own shard). Blocks until done.
    void stop();
    uint16_t port() const { return port_; }

private:
    struct per_shard;
    asio::awaitable<void> accept_loop(per_shard& s);
    shard_set& shards_;
    asio::ip::tcp::endpoint ep_;
    connection_limits limits_;
    frame_handler handler_;
    std::shared_ptr<admission> gate_;
    std::vector<std::unique_ptr<per_shard>> per_shard_;
    uint16_t port_ = 0;
};

} // namespace brook::net
