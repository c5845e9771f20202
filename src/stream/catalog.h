#pragma once
// Tables declared by CREATE TABLE: their columns (physical, metadata, computed), time
// attribute and watermark, primary key, and the Kafka connector options by Flink's names,
// checked when the table is declared. Built by the planner; read-only afterwards.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stream/ast.h"
#include "stream/expr.h"
#include "stream/sql_error.h"

namespace brook::stream {

struct column {
    std::string name;
    type_id type = type_id::null;
    std::string type_text;
    enum class source { physical, metadata, computed } from = source::physical;
    std::string metadata_key; // 'timestamp', 'partition', 'offset', 'topic'
    bool is_virtual = false;
    std::optional<bexpr> computed;
    bool in_key = false;   // read from / written to the record key (key.fields, PRIMARY KEY)
    bool in_value = true;  // read from / written to the record value
    bool nullable = true;  // false: declared NOT NULL, or in the PRIMARY KEY (as Flink)
};

// Flink's 'avro-confluent' format options of one part (key or value) of a record.
struct avro_confluent_options {
    std::string url;     // avro-confluent.url (alias avro-confluent.schema-registry.url)
    std::string subject; // avro-confluent.subject: "" → <topic>-value / <topic>-key
};

struct kafka_options {
    bool upsert = false;                  // connector = upsert-kafka
    std::string topic;
    std::string bootstrap;                // properties.bootstrap.servers (default: --brokers)
    std::vector<std::pair<std::string, std::string>> properties; // other properties.* for librdkafka
    std::string group_id;
    std::string startup_mode = "group-offsets"; // Flink's default
    int64_t startup_timestamp_ms = -1;
    std::map<int32_t, int64_t> specific_offsets;
    bool bounded = false;                 // scan.bounded.mode = latest-offset
    int64_t idle_timeout_ms = 0;          // scan.watermark.idle-timeout; 0 = never idle
    std::string value_format = "json";    // json | raw | avro-confluent
    std::string key_format;               // "" | json | raw | avro-confluent
    avro_confluent_options value_avro;    // value_format avro-confluent
    avro_confluent_options key_avro;      // key_format avro-confluent
    bool value_except_key = false;        // value.fields-include = EXCEPT_KEY
    std::string late_topic;               // 'late-data.topic'
    bool ignore_parse_errors = false;     // json.ignore-parse-errors
    bool exactly_once = false;            // sink.delivery-guarantee = exactly-once
    std::string transactional_id_prefix;  // sink.transactional-id-prefix (needed by exactly-once)
};

struct table_def {
    std::string name;
    position pos;
    std::vector<column> columns; // row slots, in declared order
    int rowtime = -1;            // slot of the WATERMARK FOR column, -1 when none
    std::optional<bexpr> watermark;
    std::vector<int> primary_key;
    kafka_options kafka;

    std::optional<int> find(const std::string& name) const; // case-insensitive
    std::string column_list() const;
};

struct catalog {
    std::map<std::string, table_def> tables; // by lower-cased name
    std::map<std::string, std::string> settings; // SET 'k' = 'v'
    std::string default_brokers;
    const table_def* find(const std::string& name) const;
};

// Builds a table_def from CREATE TABLE, checking types, column references, the watermark and
// every option (unknown options and bad values are errors at the option).
checked<table_def> define_table(const create_table& c, const catalog& cat);

// Flink's duration strings: "500", "500 ms", "5 s", "5s", "1 min", "2 h", "1 d".
std::optional<int64_t> parse_duration_ms(const std::string& s);

} // namespace brook::stream
