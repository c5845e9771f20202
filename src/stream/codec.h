#pragma once
// Kafka records <-> table rows, by the table's formats (Flink's 'json' and 'raw'):
// - json: one object per record; a column is the field of its exact name, a missing field
//   is NULL; TIMESTAMP columns take "yyyy-MM-dd HH:mm:ss[.SSS]" (also with 'T' and 'Z') or
//   epoch milliseconds; written back as "yyyy-MM-dd HH:mm:ss.SSS" (Flink's SQL standard).
// - raw: the bytes are the one STRING column.
// - key.format/key.fields (kafka) or the PRIMARY KEY (upsert-kafka) put those columns in the
//   key; value.fields-include EXCEPT_KEY leaves them out of the value.
// - avro-confluent: Confluent-framed Avro through a schema registry (avro_format.h); needs
//   the table_codec below, which holds the registry client and the schemas.
// Metadata columns read the record: timestamp, partition, offset, topic. Errors as values.
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "client/record.h"
#include "stream/catalog.h"
#include "stream/value.h"

namespace brook::stream {

// Fills r (sized to the table's columns) from rec; computed columns are left for the pipeline.
// Returns a message saying what is wrong with the record when it does not fit the format.
std::optional<std::string> decode_record(const table_def& t, const client::record& rec, row& r);

// The record a sink row becomes (topic, key, value or a tombstone for a delete, timestamp).
client::record encode_row(const table_def& t, const row& values, bool is_delete);

class avro_format;

// One job's codec of a table, for every format (json and raw through the functions above).
// Keeps a reference to t. One per table per job thread.
class table_codec {
public:
    static std::variant<table_codec, std::string> open(const table_def& t);
    table_codec(table_codec&&) noexcept;
    table_codec& operator=(table_codec&&) noexcept;
    ~table_codec();

    // A sink's formats with a schema registry register their schemas (before the first record).
    std::optional<std::string> prepare_sink();
    std::optional<std::string> decode(const client::record& rec, row& r);
    std::optional<std::string> encode(const row& values, bool is_delete, client::record& out) const;
    // Whether a record decode refused is skipped ('json.ignore-parse-errors'; never for Avro,
    // whose errors are the schema's, as Flink's avro-confluent has no such option), and what
    // the message about it adds.
    bool skips_bad_records() const { return t_->kafka.ignore_parse_errors && !key_ && !value_; }
    std::string bad_record_hint() const {
        return key_ || value_ ? "" : " (set 'json.ignore-parse-errors' = 'true' to skip such records)";
    }

private:
    explicit table_codec(const table_def& t);
    const table_def* t_;
    std::unique_ptr<avro_format> key_, value_; // set for an avro-confluent part
};

} // namespace brook::stream
