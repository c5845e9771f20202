#pragma once
// Avro's binary encoding of generic datums against an avro::schema, and Confluent's wire
// format around it (magic byte 0x00, the registry's schema id as 4 bytes big-endian, then the
// Avro body).
//
// A datum is an avro::value: the variant alternative says what it holds —
//   null monostate; boolean bool; int (date, time-millis) int32_t; long (time-micros,
//   timestamp-*) int64_t; float; double; string (uuid) std::string; bytes and fixed (decimal:
//   the unscaled two's complement, big-endian) avro::bytes; enum avro::enum_symbol; record
//   avro::record (fields in schema order); array avro::array; map avro::map (entries in order).
// A union's datum is its branch's; `branch` names the branch, or, when -1, the encoder takes
// the first branch the alternative fits (the decoder always sets it).
// Encoding: ints and longs as zig-zag varints, floats little-endian IEEE, lengths and counts as
// longs, arrays and maps in one block ended by 0. Decoding takes any block layout (negative
// counts with byte sizes too) and refuses what the bytes cannot hold: an error names the field
// path and byte offset. Pure functions: any thread.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/expected.h"
#include "client/avro_schema.h"

namespace brook::client::avro {

struct value;
struct bytes {
    std::string data;
    bool operator==(const bytes&) const = default;
};
struct enum_symbol {
    std::string symbol;
    bool operator==(const enum_symbol&) const = default;
};
struct record {
    std::vector<value> fields;
    bool operator==(const record&) const;
};
struct array {
    std::vector<value> items;
    bool operator==(const array&) const;
};
struct map {
    std::vector<std::pair<std::string, value>> entries;
    bool operator==(const map&) const;
};

struct value {
    std::variant<std::monostate, bool, int32_t, int64_t, float, double, std::string, bytes, enum_symbol, record, array, map> v;
    int branch = -1; // the union branch this datum is, -1: the first that fits

    value() = default;
    template <class T>
    value(T x) : v(std::move(x)) {} // NOLINT: implicit, so datums read as literals
    value(const char* s) : v(std::string(s)) {}
    bool operator==(const value& o) const { return v == o.v; }
};

inline bool record::operator==(const record& o) const { return fields == o.fields; }
inline bool array::operator==(const array& o) const { return items == o.items; }
inline bool map::operator==(const map& o) const { return entries == o.entries; }

// Appends v's binary encoding to out; on error out holds a partial encoding.
result<std::monostate> encode(const node& n, const value& v, std::string& out);
inline result<std::string> encode(const schema& s, const value& v) {
    std::string out;
    auto r = encode(s.root(), v, out);
    if (!r) return r.err();
    return out;
}

// Decodes one datum that must span the whole of `in`.
result<value> decode(const schema& s, std::string_view in);

// Zig-zag varints, exposed for tests and for other Avro-shaped encoders.
void put_long(std::string& out, int64_t v);

// Confluent's framing.
std::string confluent_frame(int32_t schema_id, std::string_view avro_body);
struct confluent_payload {
    int32_t schema_id = 0;
    std::string_view body;
};
result<confluent_payload> parse_confluent_frame(std::string_view bytes);

// Decimal text ("-123.45") to the unscaled two's complement bytes at `scale` (digits past
// the scale are an error, fewer are padded), and back. For the decimal logical type.
result<std::string> decimal_to_bytes(std::string_view text, int scale);
std::string decimal_from_bytes(std::string_view twos_complement, int scale);

} // namespace brook::client::avro
