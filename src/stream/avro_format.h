#pragma once
// Flink's 'avro-confluent' format for one part (key or value) of a table's records: Confluent's
// framing (0x00, the registry's 4-byte schema id, the Avro body) over src/client's Avro codec
// and schema-registry client.
// - Source: the writer schema is fetched by the id in each record (once per id, then cached)
//   and must be a record; each column is the writer's field of its exact name (extra fields
//   are skipped; a missing field is NULL, or an error for a NOT NULL column). A union with
//   null is a nullable field; timestamp-millis/-micros longs are TIMESTAMP, decimal bytes or
//   fixed DECIMAL, enums STRING. A field whose type cannot be the column's is an error naming
//   the field, at the first record written with that schema.
// - Sink: the schema is derived from the columns as Flink's AvroSchemaConverter does (record
//   org.apache.flink.avro.generated.record, a nullable column as the union [null, T] with
//   default null; types in avro_format.cc), registered under the subject before the first
//   record, and every record is framed with the id the registry assigned.
// One object per part per job thread; the registry is only called on a schema id not yet seen
// (source) and once at start (sink).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/avro_schema.h"
#include "client/registry_client.h"
#include "stream/catalog.h"
#include "stream/value.h"

namespace brook::stream {

class avro_format {
public:
    // The part of t's records whose columns `slots` are (the key's or the value's), with its
    // options. The reason when the registry URL does not parse.
    static std::variant<avro_format, std::string> open(const table_def& t, bool key, std::vector<int> slots);

    // Source: fills the part's slots of r from one framed record.
    std::optional<std::string> decode(std::string_view bytes, row& r);

    // Sink: derives the schema and registers it under the subject (same schema, same id).
    std::optional<std::string> register_schema();
    // Sink: the framed record for the part's slots of r (register_schema first).
    std::optional<std::string> encode(const row& r, std::string& out) const;

    // The schema the sink derives (JSON text), as Flink's AvroSchemaConverter would.
    std::string derived_schema() const;

private:
    struct field_reader; // how a writer field fills a column
    struct reader;       // a writer schema and its fields' readers, per schema id

    avro_format(const table_def& t, bool key, std::vector<int> slots, client::registry_client reg, avro_confluent_options o)
        : t_(&t), key_(key), slots_(std::move(slots)), reg_(std::move(reg)), opts_(std::move(o)) {}
    std::optional<std::string> compile(int32_t id, std::string_view schema_text, reader& out) const;
    std::string where() const { return key_ ? "the key" : "the value"; }

    const table_def* t_;
    bool key_;
    std::vector<int> slots_;
    client::registry_client reg_;
    avro_confluent_options opts_;
    std::map<int32_t, std::shared_ptr<const reader>> readers_;
    std::optional<client::avro::schema> write_schema_;
    int32_t write_id_ = -1;
};

} // namespace brook::stream
