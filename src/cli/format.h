#pragma once
// The pure parts of the CLI, kept apart so they are unit-tested without a broker: offset specs,
// key=value arguments, kcat-style format strings and the JSON form of a record.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "client/record.h"

namespace brook::cli {

// "start" (or "beginning"/"earliest"), "end" (or "latest"), or an absolute offset N >= 0.
// Returns client::offset_beginning / offset_end / N, or nullopt when it is none of these.
std::optional<int64_t> parse_offset_spec(std::string_view s);

// "key=value" with a non-empty key; the value may be empty and may contain '='.
std::optional<std::pair<std::string, std::string>> parse_key_value(std::string_view s);

// Renders r through a kcat-style format: %T topic, %k key, %v (or %s) value,
// %p partition, %o offset, %t timestamp (ms), %h headers (k=v,k=v), %K / %S key / value
// length, %% a percent sign; \n \t \\ escapes. Null keys and values render as "".
std::string render(std::string_view format, const client::record& r);

// {"topic","partition","offset","timestamp","key","value","headers":[{"key","value"}]};
// null key/value stay null. Non-UTF-8 bytes are replaced when dumped (see dump_line).
nlohmann::ordered_json to_json(const client::record& r);

// One JSON line, never throwing on invalid UTF-8 (bytes are replaced with U+FFFD).
std::string dump_line(const nlohmann::ordered_json& j);

} // namespace brook::cli
