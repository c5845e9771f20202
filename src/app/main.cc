// `brook`: the one binary: `serve` runs the broker; the client commands (topic, produce,
// consume, group, cluster) live in src/cli.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "app/serve.h"
#include "cli/cli.h"

extern char** environ;

int main(int argc, char** argv) {
    CLI::App app{"Brook: a durable, Kafka-compatible streaming log"};
    app.require_subcommand(1);

    brook::app::serve_options opts;
    auto* serve = app.add_subcommand("serve", "Run the broker (Kafka API)");
    serve->add_option("--data-dir", opts.data_dir, "Data directory (default ./brook-data)");
    serve->add_option("--kafka-addr", opts.kafka_addr, "Kafka listener HOST:PORT (default 0.0.0.0:9092)");
    serve->add_option("--advertise-addr", opts.advertise_addr, "HOST:PORT clients are told to connect to (default: listener; 0.0.0.0 shown as localhost)");
    serve->add_option("--admin-addr", opts.admin_addr, "Admin API HOST:PORT: /v1/health, /v1/ready, Prometheus /metrics");
    serve->add_option("--schema-registry-addr", opts.schema_registry_addr, "Schema registry HOST:PORT (default 0.0.0.0:8081; property schema.registry.enable=false turns it off)");
    serve->add_option("--smp", opts.smp, "Shards (one thread each); default: number of cores");
    serve->add_option("--config", opts.config_file, "YAML config file (property: value)");
    serve->add_option("--log-format", opts.log_format, "Log lines: text (default) or json, one object per line (property log.format)");
    serve->add_option("--set", opts.sets, "Override a property: --set key=value (repeatable)");
    serve->add_flag("--help-config", opts.help_config, "List every property with its default and exit");

    brook::cli::commands client_commands(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help is a ParseError with exit code 0; every real usage error exits 2, as
        // scripts expect of a CLI (CLI11's own codes are 100+).
        int rc = app.exit(e);
        return rc == 0 ? 0 : brook::cli::exit_usage;
    }
    if (serve->parsed()) return brook::app::run_serve(opts, environ);
    if (auto rc = client_commands.run()) return *rc;
    return 0;
}
