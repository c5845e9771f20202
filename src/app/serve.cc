#include "app/serve.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <stdexcept>
#include <string_view>
#include <iostream>
#include <thread>

#include "base/log.h"
#include "base/logger.h"
#include "broker/admin_routes.h"
#include "broker/broker.h"
#include "broker/otlp_exporter.h"
#include "config/broker_config.h"
#include "http/router.h"
#include "http/server.h"
#include "net/server.h"
#include "net/shard_set.h"
#include "registry/rest.h"
#include "registry/store.h"

namespace brook::app {
namespace {

// Flags are shorthands for properties; precedence is defaults < file < --set < OTEL_* env <
// BROOK_* env < flags named on the command line.
std::optional<std::string> build_config(const serve_options& o, char** env, config::broker_config& cfg) {
    if (o.config_file)
        if (auto e = config::apply_yaml_file(cfg, *o.config_file)) return e;
    for (const auto& kv : o.sets) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) return "--set " + kv + ": expected key=value";
        if (auto e = config::set_property(cfg, kv.substr(0, eq), kv.substr(eq + 1))) return "--set: " + *e;
    }
    if (auto e = config::apply_otel_environment(cfg, env)) return e;
    if (auto e = config::apply_environment(cfg, env)) return e;
    // Through set_property, so DescribeConfigs reports them as STATIC_BROKER_CONFIG.
    for (const auto& [name, flag] : {std::pair{"data.dir", &o.data_dir}, {"kafka.addr", &o.kafka_addr},
                                     {"advertise.addr", &o.advertise_addr}, {"admin.addr", &o.admin_addr},
                                     {"schema.registry.addr", &o.schema_registry_addr}, {"log.format", &o.log_format}})
        if (*flag) (void)config::set_property(cfg, name, **flag);
    // Checked here, whichever source set it, so a typo refuses to start instead of logging
    // in a format the log shipper cannot read.
    if (!valid_log_format(cfg.log_format))
        return "log.format must be text or json, not '" + cfg.log_format + "'";
    if (o.smp) {
        if (*o.smp < 0 || *o.smp > 256) return "--smp must be in [0, 256]";
        cfg.smp = *o.smp;
        cfg.set_explicitly.emplace("smp");
    }
    return std::nullopt;
}

broker::advertised_address advertised(const config::broker_config& cfg, uint16_t bound_port) {
    const std::string& a = cfg.advertise_addr.empty() ? cfg.kafka_addr : cfg.advertise_addr;
    auto colon = a.rfind(':');
    std::string host = a.substr(0, colon);
    int port = std::atoi(a.c_str() + colon + 1);
    if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") host = "localhost";
    if (cfg.advertise_addr.empty() || port == 0) port = bound_port;
    return {host, port};
}

// A listener that cannot bind is named with its flag in one line, instead of the library's
// message with its source location.
template <class Start>
void start_listener(std::string_view api, std::string_view flag, const std::string& addr, Start&& start) {
    try {
        start();
    } catch (const boost::system::system_error& e) {
        const bool in_use = e.code() == boost::asio::error::address_in_use;
        throw std::runtime_error(fmt::format(
            "cannot listen for the {} on {}: {}; choose a free address with {}", api, addr,
            in_use ? "the address is already in use (is another broker running?)" : e.code().message(), flag));
    }
}

void print_properties() {
    config::broker_config defaults;
    for (const auto& p : config::properties())
        std::cout << p.name << " = " << config::get_property(defaults, p)
                  << (p.live ? "  (dynamic: AlterConfigs changes it live)" : "") << "\n    " << p.doc << "\n";
}

} // namespace

int run_serve(const serve_options& opts, char** env) {
    if (opts.help_config) {
        print_properties();
        return 0;
    }
    config::broker_config cfg;
    if (auto err = build_config(opts, env, cfg)) {
        std::cerr << "brook serve: " << *err << "\n";
        return 2;
    }
    init_logging(cfg.log_level, cfg.log_format);
    unsigned smp = cfg.smp > 0 ? static_cast<unsigned>(cfg.smp) : std::max(1u, std::thread::hardware_concurrency());

    // Signals are taken by this thread alone (sigwait below); shard threads inherit the mask.
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
    signal(SIGPIPE, SIG_IGN);

    try {
        auto endpoint = net::parse_endpoint(cfg.kafka_addr);
        // Before any file or socket opens: segments and connections share the descriptors.
        const auto fds = net::raise_fd_limit();
        const int64_t fd_cap = net::connection_cap_for(fds.soft);
        auto gate = std::make_shared<net::admission>(std::min<int64_t>(cfg.max_connections, fd_cap),
                                                     cfg.max_connections_per_ip);
        spdlog::info("accepting up to {} connections ({} per IP; max.connections {}, half of RLIMIT_NOFILE {}), "
                     "{} in-flight request bytes (queued.max.request.bytes)",
                     gate->max_total(), cfg.max_connections_per_ip, cfg.max_connections, fds.soft,
                     cfg.queued_max_request_bytes > 0 ? std::to_string(cfg.queued_max_request_bytes) : "unlimited");
        // Outlives the listener and every connection (destroyed after them, at the end of this scope).
        net::memory_budget request_budget(cfg.queued_max_request_bytes);
        // Checked before anything binds, so a bad collector URL refuses to start.
        auto otlp = broker::otlp_settings_from(cfg);
        auto admin_endpoint = net::parse_endpoint(cfg.admin_addr);
        // Owned by pointer so shutdown can destroy them in dependency order: the listener,
        // then the shards (their pending coroutines still reference the broker), then the broker.
        auto shards = std::make_unique<net::shard_set>(smp);
        auto b = std::make_unique<broker::broker>(cfg, *shards);
        // Ready once storage is recovered and the Kafka listener is up (set below). The admin
        // listener binds first so a probe's connection waits rather than being refused.
        std::atomic<bool> ready{false};
        // The registry answers once it has replayed _schemas; /v1/ready waits for it too.
        std::unique_ptr<registry::store> schemas;
        http::router admin_routes;
        broker::add_admin_routes(admin_routes, *b, [&ready, &schemas] {
            return ready.load(std::memory_order_acquire) && (!schemas || schemas->ready());
        });
        auto admin = std::make_unique<http::server>(*shards, admin_endpoint, admin_routes);
        start_listener("admin API", "--admin-addr", cfg.admin_addr, [&] { admin->start(); });
        b->load();
        net::connection_limits limits{cfg.socket_request_max_bytes, cfg.max_inflight_requests_per_connection};
        limits.budget = &request_budget;
        auto kafka = std::make_unique<net::server>(*shards, endpoint, limits, b->frame_handler(), gate);
        start_listener("Kafka API", "--kafka-addr", cfg.kafka_addr, [&] { kafka->start(); });
        b->set_advertised(advertised(cfg, kafka->port()));
        // The registry reaches the broker the way any client does: its advertised address.
        http::router registry_routes;
        std::unique_ptr<http::server> registry_http;
        if (cfg.schema_registry_enable) {
            registry::store_options so;
            so.bootstrap = b->advertised().host + ":" + std::to_string(b->advertised().port);
            schemas = std::make_unique<registry::store>(registry::type_set(registry::builtin_types()), so);
            registry::add_routes(registry_routes, *schemas);
            http::server_limits limits;
            limits.max_body_bytes = static_cast<uint64_t>(cfg.schema_registry_max_request_bytes);
            registry_http = std::make_unique<http::server>(*shards, net::parse_endpoint(cfg.schema_registry_addr),
                                                           registry_routes, limits);
            start_listener("schema registry", "--schema-registry-addr (or --set schema.registry.enable=false)",
                           cfg.schema_registry_addr, [&] { registry_http->start(); });
        }
        b->start_housekeeping();
        if (otlp) {
            spdlog::info("exporting metrics over OTLP/HTTP to http://{}:{}{} every {} ms as service.name={}",
                         otlp->metrics_endpoint.host, otlp->metrics_endpoint.port, otlp->metrics_endpoint.target,
                         otlp->interval.count(), otlp->resource.service_name);
            broker::start_otlp_metrics_export(*b, std::move(*otlp));
        }
        shards->start();
        if (schemas) schemas->start();
        ready.store(true, std::memory_order_release);
        log::app.info({{"port", kafka->port()}, {"shards", smp}, {"data_dir", cfg.data_dir}}, "Kafka API listening on {}:{} (advertised as {}:{}), {} shards, data in {}",
                     endpoint.address().to_string(), kafka->port(), b->advertised().host, b->advertised().port, smp,
                     cfg.data_dir);
        log::app.info({{"admin_port", admin->port()}}, "admin API and /metrics listening on {}:{}", admin_endpoint.address().to_string(), admin->port());
        if (registry_http) spdlog::info("schema registry listening on {}:{}", cfg.schema_registry_addr.substr(0, cfg.schema_registry_addr.rfind(':')), registry_http->port());

        int sig = 0;
        sigwait(&sigs, &sig);
        log::app.info({{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}}, "received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        ready.store(false, std::memory_order_release);
        // The registry first: its clients need the broker to finish what they are doing.
        if (registry_http) registry_http->stop();
        if (schemas) schemas->stop();
        admin->stop();
        kafka->stop();
        shards->stop();
        shards->join();
        b->close_logs();
        kafka.reset();
        registry_http.reset();
        schemas.reset();
        admin.reset();
        shards.reset();
        b.reset();
        log::app.info("shutdown complete");
    } catch (const std::exception& e) {
        log::app.critical({{"error", e.what()}}, "brook serve failed to start: {}", e.what());
        return 1;
    }
    return 0;
}

} // namespace brook::app
