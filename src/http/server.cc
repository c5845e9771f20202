#include "http/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <future>

#include "base/log.h"
#include "base/logger.h"
#include "net/listen.h"

namespace brook::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// One connection's stream, shared by its coroutine and the shard's list (stop() closes it).
struct server::session {
    explicit session(tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
};

struct server::per_shard {
    unsigned id;
    tcp::acceptor acceptor;
    std::vector<std::weak_ptr<session>> sessions;
};

namespace {

request to_request(bhttp::request<bhttp::string_body>&& in) {
    request out;
    out.method = std::string(in.method_string());
    std::string target(in.target());
    auto q = target.find('?');
    out.path = target.substr(0, q);
    if (q != std::string::npos) out.query = target.substr(q + 1);
    for (const auto& f : in) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    out.body = std::move(in.body());
    return out;
}

bhttp::response<bhttp::string_body> to_beast(response&& r, bool keep_alive, unsigned version) {
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(r.status), version};
    out.set(bhttp::field::server, "brook");
    out.set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) out.set(k, v);
    out.body() = std::move(r.body);
    out.keep_alive(keep_alive);
    out.prepare_payload();
    return out;
}

// The error a failed read deserves, or 0 when the peer simply went away.
int status_for(const beast::error_code& ec) {
    if (ec == bhttp::error::body_limit) return 413;
    if (ec == bhttp::error::header_limit) return 431;
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted || ec == beast::error::timeout || ec == bhttp::error::partial_message)
        return 0;
    return 400;
}

} // namespace

asio::awaitable<void> server::serve(std::shared_ptr<server::session> s, const router& routes, server_limits limits) {
    beast::flat_buffer buf;
    for (;;) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(limits.max_header_bytes);
        parser.body_limit(limits.max_body_bytes);
        s->stream.expires_after(limits.idle_timeout);
        auto [ec, n] = co_await bhttp::async_read(s->stream, buf, parser, asio::as_tuple(asio::use_awaitable));
        if (ec) {
            int status = status_for(ec);
            if (status == 0) break;
            auto r = error_response(status, "bad request: " + ec.message());
            auto out = to_beast(std::move(r), false, 11);
            s->stream.expires_after(std::chrono::seconds(5));
            co_await bhttp::async_write(s->stream, out, asio::as_tuple(asio::use_awaitable));
            break;
        }
        auto in = parser.release();
        const bool keep_alive = in.keep_alive();
        const unsigned version = in.version();
        auto resp = co_await routes.dispatch(to_request(std::move(in)));
        auto out = to_beast(std::move(resp), keep_alive, version);
        s->stream.expires_after(limits.idle_timeout);
        auto [wec, wn] = co_await bhttp::async_write(s->stream, out, asio::as_tuple(asio::use_awaitable));
        if (wec || !keep_alive) break;
    }
    beast::error_code ignored;
    s->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    s->stream.close();
}

server::server(net::shard_set& shards, tcp::endpoint ep, const router& routes, server_limits limits)
    : shards_(shards), ep_(ep), routes_(routes), limits_(limits) {}

server::~server() = default;

void server::start() {
    auto ep = ep_;
    for (unsigned i = 0; i < shards_.size(); ++i) {
        auto s = std::make_unique<per_shard>(per_shard{i, tcp::acceptor(shards_.context(i)), {}});
        net::listen_shared(s->acceptor, ep, 256, i == 0);
        if (i == 0) ep.port(s->acceptor.local_endpoint().port()); // port 0: the rest bind the same
        per_shard_.push_back(std::move(s));
    }
    port_ = ep.port();
    for (auto& s : per_shard_) asio::co_spawn(shards_.context(s->id), accept_loop(*s), asio::detached);
}

asio::awaitable<void> server::accept_loop(per_shard& s) {
    for (;;) {
        auto [ec, sock] = co_await s.acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !s.acceptor.is_open()) co_return;
        if (ec) {
            log::http.warn({{"shard", s.id}, {"error", ec.message()}}, "admin/HTTP accept failed on shard {}: {}", s.id, ec.message());
            asio::steady_timer pause(s.acceptor.get_executor(), std::chrono::milliseconds(200));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        auto sess = std::make_shared<session>(std::move(sock));
        std::erase_if(s.sessions, [](auto& w) { return w.expired(); });
        s.sessions.push_back(sess);
        asio::co_spawn(s.acceptor.get_executor(), serve(sess, routes_, limits_), [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                log::http.warn({{"error", x.what()}}, "HTTP connection failed: {}", x.what());
            }
        });
    }
}

void server::stop() {
    std::vector<std::future<void>> done;
    for (auto& sp : per_shard_) {
        auto* s = sp.get();
        auto p = std::make_shared<std::promise<void>>();
        done.push_back(p->get_future());
        asio::post(shards_.context(s->id), [s, p] {
            beast::error_code ec;
            s->acceptor.close(ec);
            for (auto& w : s->sessions)
                if (auto c = w.lock()) c->stream.socket().close(ec);
            s->sessions.clear();
            p->set_value();
        });
    }
    for (auto& f : done) f.wait();
}

} // namespace brook::http
