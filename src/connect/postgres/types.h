#pragma once
// Postgres column types as Debezium's Postgres connector maps them to Kafka Connect schemas and
// JSON values (its defaults: decimal.handling.mode=precise, time.precision.mode=adaptive,
// binary.handling.mode=bytes, interval.handling.mode=numeric):
//   bool→boolean; int2/4/8→int16/32/64; float4/8→float/double;
//   numeric(p,s)→bytes org.apache.kafka.connect.data.Decimal (unscaled two's complement,
//   base64 in JSON); numeric→io.debezium.data.VariableScaleDecimal {scale, value};
//   date→int32 io.debezium.time.Date (days); time(≤3)→int32 io.debezium.time.Time (ms),
//   time→int64 io.debezium.time.MicroTime; timestamp(≤3)→int64 io.debezium.time.Timestamp,
//   timestamp→int64 io.debezium.time.MicroTimestamp; timestamptz→string
//   io.debezium.time.ZonedTimestamp (UTC, ISO-8601); timetz→string io.debezium.time.ZonedTime;
//   interval→int64 io.debezium.time.MicroDuration; uuid→io.debezium.data.Uuid; json/jsonb→
//   io.debezium.data.Json; xml→io.debezium.data.Xml; enums→io.debezium.data.Enum (allowed
//   labels); bytea→bytes; one-dimensional arrays→array of the element's mapping; domains as
//   their base type; anything else→string (the type's text form).
// Values are parsed from the text form Postgres prints under pg_conn.h's session settings.
// Pure functions: safe from any thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "client/avro_codec.h"

namespace brook::connect::pg {

enum class decimal_mode { precise, double_, string };

enum class kind {
    boolean, int16, int32, int64, float32, float64, decimal, var_decimal, decimal_double,
    decimal_string, string, bytes, date, time_ms, time_us, timestamp_ms, timestamp_us,
    zoned_timestamp, zoned_time, interval_us, uuid, json, xml, enumeration, array
};

struct column_type {
    kind k = kind::string;
    int precision = 0;        // decimal
    int scale = 0;            // decimal
    std::string allowed;      // enumeration: labels, comma-separated, in sort order
    std::shared_ptr<const column_type> element; // array
};

// What the catalog says about a type (pg_type), enough to map it.
struct type_facts {
    uint32_t oid = 0;
    char typtype = 'b';         // b base, e enum, d domain, c composite, ...
    uint32_t element_oid = 0;   // typelem of an array type (typcategory 'A'), else 0
    std::string enum_labels;    // typtype 'e': labels comma-separated
};

// Maps a column. `facts` describes type_oid (for user types and arrays); `element` the array's
// element type when type_oid is an array. Domains are resolved to their base by the caller.
column_type map_type(uint32_t type_oid, int32_t typmod, const type_facts* facts,
                     const type_facts* element, decimal_mode mode);

// The Kafka Connect schema of one field (without "optional"/"field", which the caller adds).
nlohmann::ordered_json connect_schema(const column_type& t);

// The JSON value of one non-null column in its text form. Values Debezium cannot represent
// (numeric NaN, ±infinity dates) become null.
nlohmann::ordered_json to_json(const column_type& t, std::string_view text);

// The Avro datum of one non-null column in its text form, for the schema avro_schemas.h
// derives; nullopt where to_json gives null (numeric NaN, ±infinity dates).
std::optional<client::avro::value> to_avro(const column_type& t, std::string_view text);

// Helpers exposed for tests.
std::string base64(std::string_view bytes);
// Java BigInteger.toByteArray() of an optionally signed decimal digit string.
std::string twos_complement(std::string_view digits);
// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

} // namespace brook::connect::pg
