#include "connect/cdc_command.h"

#include <cstdio>
#include <cstdlib>

#include "connect/postgres/source.h"

namespace brook::connect {

cdc_command::cdc_command(CLI::App& app) {
    auto* cdc = app.add_subcommand("cdc", "Change data capture: stream a database's changes into topics");
    cdc->require_subcommand(1);
    std::string props = "Postgres logical replication (pgoutput) → Debezium-format events (JSON, or Avro through a "
                        "schema registry) in <prefix>.<schema>.<table>, exactly once.\nProperties (--set key=value):\n";
    for (const auto& d : pg::property_docs())
        props += "  " + std::string(d.name) + " (default " + d.default_value + "): " + d.doc + "\n";
    postgres_ = cdc->add_subcommand("postgres", "Snapshot and stream a Postgres database's changes");
    postgres_->footer(props);
    postgres_->add_option("--dsn", options_.dsn, "libpq connection string, e.g. \"host=db port=5432 user=cdc dbname=app\"")
        ->required();
    postgres_->add_option("--prefix", options_.prefix, "Topic prefix (Debezium's topic.prefix): topics are <prefix>.<schema>.<table>")
        ->required();
    postgres_->add_option("--tables", tables_, "Tables to capture, schema.table,... (default: the publication's, or all)");
    postgres_->add_option("--format", options_.format, "Event format: json (Kafka Connect JsonConverter) or avro "
                                                       "(Confluent AvroConverter: registry subjects <topic>-key/-value)")
        ->capture_default_str();
    postgres_->add_option("--registry", options_.registry, "Schema registry URL for --format avro, http://HOST:PORT "
                                                           "(env BROOK_REGISTRY)")
        ->envname("BROOK_REGISTRY");
    postgres_->add_option("-b,--brokers", options_.brokers, "Kafka bootstrap servers (env BROOK_BROKERS)")
        ->envname("BROOK_BROKERS");
    postgres_->add_option("--metrics-addr", options_.metrics_addr,
                          "Serve Prometheus metrics (slot lag, snapshot progress) on HOST:PORT /metrics (off by default)");
    postgres_->add_option("--set", sets_, "A property, key=value (repeatable; see below)");
    postgres_->add_flag("-q,--quiet", quiet_, "No progress lines on stderr");
}

std::optional<int> cdc_command::run() const {
    if (!postgres_ || !postgres_->parsed()) return std::nullopt;
    pg::cdc_options o = options_;
    o.progress = !quiet_;
    for (size_t start = 0; start < tables_.size();) {
        const size_t comma = tables_.find(',', start);
        const std::string t = tables_.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!t.empty()) o.tables.push_back(t);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    auto finished = pg::finish_options(std::move(o), sets_);
    if (!finished) {
        std::fprintf(stderr, "brook cdc postgres: %s\n", finished.err().message.c_str());
        return 2;
    }
    return pg::run_source(*finished);
}

} // namespace brook::connect
