#pragma once
// SQL values as the engine computes with them: NULL, BOOLEAN, BIGINT, DOUBLE, STRING, TIMESTAMP
// (epoch milliseconds, UTC) and INTERVAL (milliseconds). Every integer type of the SQL surface
// (TINYINT .. BIGINT) is a BIGINT here and DECIMAL is a DOUBLE; the declared type is kept in
// sql_type so casts and output follow the user's declaration. Plain values, freely copied.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace brook::stream {

enum class type_id { null, boolean, bigint, double_, string, timestamp, interval };

struct sql_type {
    type_id id = type_id::null;
    std::string name; // as declared (e.g. "TIMESTAMP(3)"), for messages
    bool not_null = false; // declared NOT NULL (formats with a schema, such as Avro, keep it)
    friend bool operator==(const sql_type& a, const sql_type& b) { return a.id == b.id; }
};

struct timestamp_ms {
    int64_t ms = 0;
    friend auto operator<=>(const timestamp_ms&, const timestamp_ms&) = default;
};
struct interval_ms {
    int64_t ms = 0;
    friend auto operator<=>(const interval_ms&, const interval_ms&) = default;
};

using value = std::variant<std::monostate, bool, int64_t, double, std::string, timestamp_ms, interval_ms>;
using row = std::vector<value>;

inline bool is_null(const value& v) { return v.index() == 0; }
type_id type_of(const value& v);
std::string type_name(type_id t);

// Total order used by MIN/MAX, ORDER of group keys and comparisons: numbers compare across
// BIGINT/DOUBLE; values of unrelated types order by type. NULLs first.
int compare(const value& a, const value& b);
// A byte string equal for equal values (group keys, COUNT(DISTINCT)).
void encode_key(const value& v, std::string& out);

// "2024-01-01 12:00:00.000" (UTC), the form Flink's JSON format writes TIMESTAMP(3) in.
std::string format_timestamp(int64_t ms);
// Accepts "YYYY-MM-DD HH:MM:SS[.fff]", the same with 'T', a trailing 'Z', and "YYYY-MM-DD".
std::optional<int64_t> parse_timestamp(std::string_view s);
// strftime-like with Java's letters as DATE_FORMAT takes them: yyyy MM dd HH mm ss SSS.
std::string format_timestamp_pattern(int64_t ms, std::string_view pattern);

// Text form of a value (CAST AS STRING, raw format, progress lines).
std::string to_text(const value& v);

// floor division/modulo, as Flink's window assigners need for times before the epoch
inline int64_t floor_mod(int64_t a, int64_t b) { int64_t r = a % b; return r < 0 ? r + b : r; }

} // namespace brook::stream
