#include "connect/postgres/metrics.h"

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <condition_variable>
#include <system_error>

#include "connect/postgres/pg_conn.h"
#include "http/metrics.h"
#include "http/process_metrics.h"
#include "http/router.h"
#include "http/server.h" // and net::shard_set, which the server runs on

namespace brook::connect::pg {

void cdc_figures::set_snapshot(std::vector<std::string> tables, std::shared_ptr<snapshot_progress> progress) {
    std::lock_guard l(m_);
    tables_ = std::move(tables);
    progress_ = std::move(progress);
}

std::pair<std::vector<std::string>, std::shared_ptr<snapshot_progress>> cdc_figures::snapshot() const {
    std::lock_guard l(m_);
    return {tables_, progress_};
}

std::string render_metrics(const cdc_figures& f) {
    namespace m = http::metrics;
    m::exposition out;
    auto gauge_or_skip = [&](const char* name, const char* help, int64_t v) {
        out.family(name, m::metric_type::gauge, help);
        if (v >= 0) out.sample({}, static_cast<double>(v));
    };
    gauge_or_skip("brook_cdc_slot_retained_wal_bytes",
                  "WAL Postgres retains for the replication slot: pg_current_wal_lsn() - restart_lsn", f.retained_bytes.load());
    gauge_or_skip("brook_cdc_slot_confirmed_lag_bytes",
                  "pg_current_wal_lsn() - the slot's confirmed_flush_lsn (what Brook has not confirmed yet)",
                  f.confirmed_lag_bytes.load());
    out.family("brook_cdc_slot_lag_poll_errors_total", m::metric_type::counter, "Slot lag polls that failed");
    out.sample({}, static_cast<double>(f.poll_errors.load()));
    out.family("brook_cdc_changes_committed_total", m::metric_type::counter,
               "Streamed change events committed to Kafka by this process");
    out.sample({}, static_cast<double>(f.committed_changes.load()));
    auto [tables, progress] = f.snapshot();
    out.family("brook_cdc_snapshot_table_rows", m::metric_type::gauge, "Rows the snapshot read, per table");
    int64_t sum = 0;
    for (size_t i = 0; progress && i < tables.size() && i < progress->rows.size(); ++i) {
        const int64_t n = progress->rows[i].load();
        sum += n;
        out.sample({{"table", tables[i]}}, static_cast<double>(n));
    }
    out.family("brook_cdc_snapshot_rows", m::metric_type::gauge, "Rows the snapshot read, all tables");
    out.sample({}, static_cast<double>(sum));
    out.family("brook_cdc_snapshot_done", m::metric_type::gauge,
               "1 once the snapshot committed or none was needed, 0 while it runs");
    out.sample({}, f.snapshot_done.load() ? 1.0 : 0.0);
    m::write_process_metrics(out);
    return std::move(out).take();
}

struct metrics_endpoint::impl {
    net::shard_set shards{1};
    http::router routes;
    std::unique_ptr<http::server> server;
    std::jthread poller;
    std::mutex m;
    std::condition_variable_any cv;

    ~impl() {
        poller.request_stop();
        cv.notify_all();
        if (poller.joinable()) poller.join();
        if (server) server->stop();
        shards.stop();
        shards.join();
    }
};

namespace {

void poll_slot(std::stop_token stop, const cdc_options& o, cdc_figures& f, metrics_endpoint::impl& p) {
    std::optional<connection> c;
    while (!stop.stop_requested()) {
        if (!c) {
            auto opened = connection::open(o.dsn, false);
            if (opened) c.emplace(std::move(*opened));
            else f.poll_errors.fetch_add(1);
        }
        if (c) {
            auto r = c->exec_params(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint, "
                "pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint "
                "FROM pg_replication_slots WHERE slot_name = $1",
                {o.slot_name});
            if (!r) {
                f.poll_errors.fetch_add(1);
                c.reset(); // reconnect next time
            } else if (r->rows() == 1) {
                f.retained_bytes.store(r->null(0, 0) ? -1 : std::stoll(r->get(0, 0)));
                f.confirmed_lag_bytes.store(r->null(0, 1) ? -1 : std::stoll(r->get(0, 1)));
            }
        }
        std::unique_lock l(p.m);
        p.cv.wait_for(l, stop, std::chrono::seconds(1), [] { return false; });
    }
}

} // namespace

metrics_endpoint::metrics_endpoint(std::unique_ptr<impl> p) : p_(std::move(p)) {}
metrics_endpoint::~metrics_endpoint() = default;
uint16_t metrics_endpoint::port() const { return p_->server ? p_->server->port() : 0; }

expected<std::unique_ptr<metrics_endpoint>> metrics_endpoint::start(const cdc_options& o, cdc_figures& f) {
    const std::string& a = o.metrics_addr;
    const auto colon = a.rfind(':');
    auto bad = [&](const std::string& why) { return usage_error("--metrics-addr " + a + ": " + why); };
    if (colon == std::string::npos) return bad("expected HOST:PORT, e.g. 127.0.0.1:9645");
    std::string host = a.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty() || host == "localhost") host = host.empty() ? "0.0.0.0" : "127.0.0.1";
    unsigned port = 0;
    const std::string ps = a.substr(colon + 1);
    auto [end, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
    if (ec != std::errc{} || end != ps.data() + ps.size() || port > 65535) return bad("port must be 0-65535");
    boost::system::error_code aec;
    auto ip = boost::asio::ip::make_address(host, aec);
    if (aec) return bad("'" + host + "' is not an IP address");

    auto p = std::make_unique<impl>();
    p->routes.add("GET", "/metrics", [&f](http::request&) -> boost::asio::awaitable<http::response> {
        co_return http::text_response(render_metrics(f), std::string(http::metrics::exposition::content_type));
    });
    p->server = std::make_unique<http::server>(p->shards, boost::asio::ip::tcp::endpoint(ip, static_cast<uint16_t>(port)), p->routes);
    try {
        p->server->start();
    } catch (const std::exception& e) { // std:: or boost::system::system_error
        p->server.reset();
        return bad(std::string("cannot listen: ") + e.what());
    }
    p->shards.start();
    auto* raw = p.get();
    p->poller = std::jthread([&o, &f, raw](std::stop_token st) { poll_slot(st, o, f, *raw); });
    return std::unique_ptr<metrics_endpoint>(new metrics_endpoint(std::move(p)));
}

} // namespace brook::connect::pg
