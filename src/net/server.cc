#include "net/server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <future>
#include <stdexcept>

#include "base/log.h"
#include "base/logger.h"
#include "net/listen.h"

namespace brook::net {

struct server::per_shard {
    unsigned id;
    asio::ip::tcp::acceptor acceptor;
    std::vector<std::weak_ptr<connection>> connections;
};

asio::ip::tcp::endpoint parse_endpoint(const std::string& hp) {
    auto colon = hp.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("address '" + hp + "' must be HOST:PORT");
    std::string host = hp.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty() || host == "localhost") host = host.empty() ? "0.0.0.0" : "127.0.0.1";
    int port = 0;
    try {
        port = std::stoi(hp.substr(colon + 1));
    } catch (...) {
        throw std::invalid_argument("address '" + hp + "': port is not a number");
    }
    if (port < 0 || port > 65535) throw std::invalid_argument("address '" + hp + "': port out of range");
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec) throw std::invalid_argument("address '" + hp + "': '" + host + "' is not an IP address");
    return {addr, static_cast<uint16_t>(port)};
}

server::server(shard_set& shards, asio::ip::tcp::endpoint ep, connection_limits limits, frame_handler handler,
               std::shared_ptr<admission> gate)
    : shards_(shards), ep_(ep), limits_(limits), handler_(std::move(handler)), gate_(std::move(gate)) {}

server::~server() = default;

void server::start() {
    auto ep = ep_;
    for (unsigned i = 0; i < shards_.size(); ++i) {
        auto s = std::make_unique<per_shard>(per_shard{i, asio::ip::tcp::acceptor(shards_.context(i)), {}});
        listen_shared(s->acceptor, ep, 1024, i == 0);
        // Port 0 means "pick one": the other shards must then bind the port the first got.
        if (i == 0) ep.port(s->acceptor.local_endpoint().port());
        per_shard_.push_back(std::move(s));
    }
    port_ = ep.port();
    for (auto& s : per_shard_) {
        asio::co_spawn(shards_.context(s->id), accept_loop(*s), asio::detached);
    }
}

asio::awaitable<void> server::accept_loop(per_shard& s) {
    for (;;) {
        boost::system::error_code ec;
        auto sock = co_await s.acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec == asio::error::operation_aborted || !s.acceptor.is_open()) co_return;
        if (ec) {
            // Out of descriptors (EMFILE/ENFILE) or buffers: retrying at once would spin and
            // starve this shard's connections, so pause before accepting again.
            log::net.warn({{"shard", s.id}, {"error", ec.message()}}, "accept failed on shard {}: {}; pausing accepts for 200 ms", s.id, ec.message());
            asio::steady_timer pause(s.acceptor.get_executor(), std::chrono::milliseconds(200));
            boost::system::error_code ignored;
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
            continue;
        }
        boost::system::error_code pec;
        auto remote = sock.remote_endpoint(pec);
        admission::ticket ticket;
        if (gate_) {
            ticket = gate_->admit(remote.address());
            if (!ticket) {
                // Over max.connections(.per.ip): closed before a byte is read, as Kafka does.
                boost::system::error_code ignored;
                sock.close(ignored);
                continue;
            }
        }
        connection_info info{s.id, pec ? "?" : remote.address().to_string() + ":" + std::to_string(remote.port())};
        auto c = std::make_shared<connection>(std::move(sock), std::move(info), limits_, handler_);
        c->hold(std::move(ticket));
        std::erase_if(s.connections, [](auto& w) { return w.expired(); });
        s.connections.push_back(c);
        c->start();
    }
}

void server::stop() {
    std::vector<std::future<void>> done;
    for (auto& sp : per_shard_) {
        auto* s = sp.get();
        auto p = std::make_shared<std::promise<void>>();
        done.push_back(p->get_future());
        asio::post(shards_.context(s->id), [s, p] {
            boost::system::error_code ec;
            s->acceptor.close(ec);
            for (auto& w : s->connections)
                if (auto c = w.lock()) c->close();
            s->connections.clear();
            p->set_value();
        });
    }
    for (auto& f : done) f.wait();
}

} // namespace brook::net
