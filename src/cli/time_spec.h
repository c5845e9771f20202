#pragma once
// "@time" offset specs as rpk takes them (consume -o, replay --from/--until), parsed without a
// broker so they are unit-tested: the caller resolves the time to offsets with ListOffsets.
#include <cstdint>
#include <optional>
#include <string_view>

namespace brook::cli {

// The epoch milliseconds an "@..." spec names, or nullopt when it is not one:
//   @1700000000000              epoch milliseconds
//   @2024-05-01                 a UTC date (midnight)
//   @2024-05-01T12:30[:05[.250]][Z|+02:00|-0530]   RFC 3339 / ISO 8601; no zone means UTC
//                               ('T', 't' or one space between date and time)
//   @-1h, @-30m, @-90s, @-2d, @-1h30m, @-500ms      that long before now_ms
std::optional<int64_t> parse_time_spec(std::string_view s, int64_t now_ms);

// The forms above in one line, for error messages.
inline constexpr std::string_view time_spec_forms =
    "@<epoch ms>, @<YYYY-MM-DD[THH:MM[:SS[.fff]][Z|+HH:MM]]> or @-<duration> (e.g. @-1h, @-30m, @-1h30m)";

} // namespace brook::cli
