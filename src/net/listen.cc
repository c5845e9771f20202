#include "net/listen.h"

#include <sys/socket.h>

namespace brook::net {

void listen_shared(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& ep, int backlog, bool first) {
    if (first && ep.port() != 0) {
        // Without SO_REUSEPORT this bind fails if anything listens there, ours included.
        // SO_REUSEADDR still lets a restart reuse a port whose old connections sit in TIME_WAIT.
        asio::ip::tcp::acceptor probe(acceptor.get_executor());
        probe.open(ep.protocol());
        probe.set_option(asio::ip::tcp::acceptor::reuse_address(true));
        probe.bind(ep);
    }
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    int one = 1;
    ::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    acceptor.bind(ep);
    acceptor.listen(backlog);
}

} // namespace brook::net
