#pragma once
// Binding one listening socket per shard on a shared address (SO_REUSEPORT), for the Kafka
// listener and the HTTP listeners alike. Start-up only; throws.
#include <boost/asio/ip/tcp.hpp>

namespace brook::net {

namespace asio = boost::asio;

// Opens, binds and listens `acceptor` on `ep` with SO_REUSEPORT. With `first` (the first
// shard's socket of a listener) it first checks that no other process holds the address:
// SO_REUSEPORT would otherwise let a second broker share the port silently, each getting a
// share of the connections. Throws boost::system::system_error (EADDRINUSE, EACCES, ...).
void listen_shared(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& ep, int backlog, bool first);

} // namespace brook::net
