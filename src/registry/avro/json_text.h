#pragma once
// JSON text exactly as Jackson (Avro Java's and Confluent's JSON library) writes it, so that
// Brook's canonical and normalized Avro forms are byte-for-byte Confluent's: strings escaped
// as Jackson escapes them (\b \t \n \f \r short, other control characters \u00XX upper-case,
// everything else raw UTF-8), doubles and floats as Java's Double.toString / Float.toString
// ("1.0", "1.0E10", "1.5E-4"), NaN and infinities quoted. Pure functions; any thread.
#include <string>
#include <string_view>

#include "registry/avro/schema.h"

namespace brook::registry::avro {

void append_json_string(std::string& out, std::string_view s);
// A JSON value as Jackson's tree writer emits it; non-integral numbers as Java doubles.
void append_json_value(std::string& out, const json& v);
std::string java_double(double d);
std::string java_float(float f);
// Jackson's JsonNode.toString() of a value (for error messages that quote the schema text).
std::string json_text(const json& v);

} // namespace brook::registry::avro
