#pragma once
// Generic datums to and from plain JSON, the way dynamic Avro libraries (python3-avro,
// kafkajs' avsc) hand them to applications: a union's value bare (the first branch it fits),
// records and maps as objects, bytes and fixed as strings of code points U+0000..U+00FF (one
// per byte, as Avro's JSON encoding writes them), enums as their symbol, and the logical types
// as text where JSON has no better form: decimal as "-123.45", uuid as its string. date,
// time-*, timestamp-* stay numbers (days, ms, µs).
// Pure functions: any thread.
#include <string>

#include <nlohmann/json.hpp>

#include "base/expected.h"
#include "client/avro_codec.h"
#include "client/avro_schema.h"

namespace brook::client::avro {

// The datum for `j` under n, or what does not fit ("avro json: <path>: ...").
result<value> from_json(const node& n, const nlohmann::json& j);
// The JSON form of a datum v of n (a datum that does not fit n gives null at that place).
nlohmann::json to_json(const node& n, const value& v);

} // namespace brook::client::avro
