#pragma once
// Options of `brook cdc postgres`: flags plus the Debezium / Kafka Connect property names given
// as --set key=value where they mean the same thing. One table (options.cc) declares every
// property once with its default and doc; README.md lists it.
#include <string>
#include <utility>
#include <vector>

#include "connect/error.h"
#include "connect/postgres/types.h"

namespace brook::connect::pg {

enum class snapshot_mode { initial, never, initial_only, when_needed };

struct cdc_options {
    // Flags.
    std::string dsn;
    std::string prefix;                // topic.prefix
    std::string brokers = "localhost:9092";
    std::vector<std::string> tables;   // schema.table; empty: the publication's / all tables
    std::string format = "json";       // json | avro
    std::string registry;              // --registry (avro): Confluent-compatible schema registry URL
    std::string metrics_addr;          // --metrics-addr HOST:PORT: Prometheus page, off when empty
    bool progress = true;              // progress lines on stderr

    // --set properties (Debezium / Kafka Connect names).
    std::string slot_name;             // slot.name (default brook_<prefix>)
    std::string publication_name;      // publication.name (default brook_<prefix>)
    snapshot_mode snapshot = snapshot_mode::initial; // snapshot.mode
    bool tombstones_on_delete = true;  // tombstones.on.delete
    bool provide_transaction_metadata = false; // provide.transaction.metadata
    std::string unavailable_value_placeholder = "__debezium_unavailable_value";
    bool key_schemas = true;           // key.converter.schemas.enable
    bool value_schemas = true;         // value.converter.schemas.enable
    decimal_mode decimal = decimal_mode::precise; // decimal.handling.mode
    bool skip_truncate = true;         // skipped.operations (t, or none)
    int snapshot_threads = 2;          // snapshot.max.threads
    int snapshot_fetch_size = 10000;   // snapshot.fetch.size: rows per primary-key chunk
    int status_update_interval_ms = 10000; // status.update.interval.ms
    int max_batch_size = 20000;        // max.batch.size: records per Kafka transaction (soft)
    int poll_interval_ms = 500;        // poll.interval.ms: longest a Kafka transaction collects
    int topic_partitions = 1;          // topic.creation.default.partitions
    std::string offsets_topic;         // offset.storage.topic (default <prefix>.offsets)
    std::string transaction_topic;     // <prefix>.transaction (Debezium's name)

    std::string transactional_id() const { return "brook-cdc-" + prefix + "-" + slot_name; }
};

// Applies key=value settings over the flags and fills the derived defaults. An unknown key or
// a bad value is a usage error naming it.
expected<cdc_options> finish_options(cdc_options o, const std::vector<std::string>& sets);

struct property_doc {
    const char* name;
    const char* default_value;
    const char* doc;
};
const std::vector<property_doc>& property_docs();

} // namespace brook::connect::pg
