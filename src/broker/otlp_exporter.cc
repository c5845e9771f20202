#include "broker/otlp_exporter.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <random>
#include <stdexcept>

#include "base/log.h"
#include "broker/broker.h"
#include "broker/metrics_scrape.h"
#include "config/broker_config.h"
#include "http/otlp_client.h"

namespace brook::broker {
namespace {

namespace asio = boost::asio;

// service.instance.id: a random UUID (v4) per process, as the semantic conventions suggest.
std::string random_instance_id() {
    std::random_device rd;
    std::mt19937_64 g((uint64_t(rd()) << 32) ^ rd());
    uint64_t hi = g(), lo = g();
    hi = (hi & ~0xF000ULL) | 0x4000ULL;
    lo = (lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48,
                       lo & 0xFFFFFFFFFFFFULL);
}

std::string host_name() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
}

uint64_t now_unix_ns() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

asio::awaitable<void> export_loop(broker& b, otlp_settings s) {
    const uint64_t start_ns = now_unix_ns();
    const auto timeout = std::min<std::chrono::milliseconds>(s.interval, std::chrono::seconds(10));
    const std::string where = fmt::format("http://{}:{}{}", s.metrics_endpoint.host, s.metrics_endpoint.port,
                                          s.metrics_endpoint.target);
    asio::steady_timer timer(co_await asio::this_coro::executor);
    bool failing = false;
    uint64_t failures = 0;
    for (;;) {
        timer.expires_after(s.interval);
        co_await timer.async_wait(asio::use_awaitable);
        auto scraped = co_await scrape_metric_families(b);
        auto body = http::otlp::encode_metrics(scraped.families(), s.resource, start_ns, now_unix_ns());
        auto err = co_await http::otlp::post(s.metrics_endpoint, std::move(body), http::otlp::content_type, timeout);
        if (err) {
            ++failures;
            // One line per streak: a collector that is down for an hour must not fill the log.
            if (!failing) spdlog::warn("OTLP metric export to {} failed: {} (retrying every {} ms; logged once until it recovers)", where, *err, s.interval.count());
            failing = true;
        } else if (failing) {
            spdlog::info("OTLP metric export to {} recovered after {} failed attempts", where, failures);
            failing = false;
            failures = 0;
        }
    }
}

} // namespace

std::optional<otlp_settings> otlp_settings_from(const config::broker_config& cfg) {
    if (cfg.otel_exporter_otlp_endpoint.empty()) return std::nullopt;
    auto ep = http::otlp::parse_endpoint(cfg.otel_exporter_otlp_endpoint, "metrics");
    if (auto* e = std::get_if<std::string>(&ep)) throw std::invalid_argument("otel.exporter.otlp.endpoint: " + *e);
    otlp_settings s;
    s.metrics_endpoint = std::get<http::otlp::endpoint>(ep);
    s.interval = std::chrono::milliseconds(cfg.otel_metric_export_interval);
    s.resource = {cfg.otel_service_name, random_instance_id(), host_name()};
    return s;
}

void start_otlp_metrics_export(broker& b, otlp_settings settings) {
    asio::co_spawn(b.context(0), export_loop(b, std::move(settings)), asio::detached);
}

} // namespace brook::broker
