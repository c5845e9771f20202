#include "client/http_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <charconv>
#include <exception>

namespace brook::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

std::variant<registry_url, std::string> parse_registry_url(std::string_view s) {
    auto expected = "expected http://HOST[:PORT][/PATH], e.g. http://localhost:8081";
    if (s.starts_with("https://"))
        return "https:// registries are not supported yet (" + std::string(s) +
               "): use an http:// address, e.g. through a local TLS-terminating proxy";
    if (!s.starts_with("http://")) return "bad registry URL '" + std::string(s) + "': " + expected;
    registry_url u;
    u.text = std::string(s);
    auto rest = s.substr(7);
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        u.prefix = std::string(rest.substr(slash));
        while (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
        if (u.prefix.find_first_of("?#") != std::string::npos)
            return "bad registry URL '" + std::string(s) + "': no query or fragment allowed; " + expected;
    }
    if (authority.find('@') != std::string_view::npos)
        return "bad registry URL '" + std::string(s) + "': credentials in the URL are not supported";
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) { // [IPv6]:port
        auto close = authority.find(']');
        if (close == std::string_view::npos) return "bad registry URL '" + std::string(s) + "': unclosed '[' in the host";
        host = authority.substr(1, close - 1);
        auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return "bad registry URL '" + std::string(s) + "': " + expected;
            port = after.substr(1);
        }
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        if (port.empty()) return "bad registry URL '" + std::string(s) + "': empty port; " + expected;
    }
    if (host.empty()) return "bad registry URL '" + std::string(s) + "': no host; " + expected;
    if (!port.empty()) {
        unsigned n = 0;
        auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
        if (ec != std::errc{} || p != port.data() + port.size() || n == 0 || n > 65535)
            return "bad registry URL '" + std::string(s) + "': port '" + std::string(port) + "' is not 1-65535";
        u.port = std::string(port);
    }
    u.host = std::string(host);
    return u;
}

std::string encode_path_segment(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

namespace {

using outcome = std::variant<http_reply, http_failure>;

std::string where(const registry_url& u) { return u.host + ":" + u.port; }

std::string seconds(int ms) {
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}

// `url` is the caller's: it outlives the io_context run that drives this coroutine.
asio::awaitable<outcome> exchange(const registry_url& url, bhttp::request<bhttp::string_body> req,
                                  http_timeouts t) {
    auto ex = co_await asio::this_coro::executor;
    using namespace std::chrono;
    auto connect_deadline = steady_clock::now() + milliseconds(t.connect_ms);

    // The resolver has no timeout of its own: a timer cancels it at the connect deadline.
    tcp::resolver resolver(ex);
    asio::steady_timer guard(ex, connect_deadline);
    bool resolve_timed_out = false;
    guard.async_wait([&](beast::error_code ec) {
        if (!ec) {
            resolve_timed_out = true;
            resolver.cancel();
        }
    });
    auto [rec, endpoints] = co_await resolver.async_resolve(url.host, url.port, asio::as_tuple(asio::use_awaitable));
    guard.cancel();
    if (rec) {
        if (resolve_timed_out)
            co_return http_failure{"could not resolve " + url.host + " within " + seconds(t.connect_ms), true};
        co_return http_failure{"cannot resolve " + url.host + ": " + rec.message(), true};
    }

    beast::tcp_stream stream(ex);
    stream.expires_at(connect_deadline);
    auto [cec, ep] = co_await stream.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
    if (cec) {
        if (cec == beast::error::timeout)
            co_return http_failure{"no connection to " + where(url) + " within " + seconds(t.connect_ms), true};
        co_return http_failure{cec.message(), true};
    }

    stream.expires_after(milliseconds(t.request_ms));
    auto [wec, wn] = co_await bhttp::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
    if (wec) co_return http_failure{"sending the request to " + where(url) + " failed: " + wec.message()};

    beast::flat_buffer buf;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(256u << 20); // a registry with many subjects answers /subjects in one body
    auto [ec, n] = co_await bhttp::async_read(stream, buf, parser, asio::as_tuple(asio::use_awaitable));
    if (ec == beast::error::timeout)
        co_return http_failure{"the registry at " + where(url) + " did not answer within " + seconds(t.request_ms)};
    if (ec) co_return http_failure{"reading the answer from " + where(url) + " failed: " + ec.message() + " (is it an HTTP server?)"};
    auto& res = parser.get();
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return http_reply{static_cast<int>(res.result_int()), std::string(res[bhttp::field::content_type]), std::move(res.body())};
}

} // namespace

outcome http_request(const registry_url& url, std::string_view method, std::string_view target,
                     std::string_view body, const http_timeouts& t) {
    bhttp::request<bhttp::string_body> req;
    req.method(bhttp::string_to_verb(method));
    req.target(url.prefix + std::string(target));
    req.version(11);
    bool v6 = url.host.find(':') != std::string::npos;
    req.set(bhttp::field::host, (v6 ? "[" + url.host + "]" : url.host) + ":" + url.port);
    req.set(bhttp::field::user_agent, "brook");
    req.set(bhttp::field::accept, "application/vnd.schemaregistry.v1+json, application/json");
    req.set(bhttp::field::connection, "close");
    if (!body.empty() || method == "POST" || method == "PUT") {
        req.set(bhttp::field::content_type, "application/vnd.schemaregistry.v1+json");
        req.body() = std::string(body);
    }
    req.prepare_payload();

    asio::io_context ioc;
    outcome out = http_failure{"no answer from " + where(url)};
    asio::co_spawn(ioc, exchange(url, std::move(req), t), [&](std::exception_ptr e, outcome r) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                out = http_failure{std::string("request to ") + where(url) + " failed: " + x.what()};
            }
            return;
        }
        out = std::move(r);
    });
    ioc.run();
    return out;
}

} // namespace brook::client
