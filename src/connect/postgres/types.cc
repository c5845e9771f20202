#include "connect/postgres/types.h"

#include "client/avro_codec.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace brook::connect::pg {

namespace oid {
constexpr uint32_t bool_ = 16, bytea = 17, int8 = 20, int2 = 21, int4 = 23, text = 25, json = 114,
                   xml = 142, float4 = 700, float8 = 701, date = 1082, time = 1083, timestamp = 1114,
                   timestamptz = 1184, interval = 1186, timetz = 1266, numeric = 1700, uuid = 2950,
                   jsonb = 3802;
}

column_type map_type(uint32_t type_oid, int32_t typmod, const type_facts* facts, const type_facts* element,
                     decimal_mode mode) {
    column_type t;
    if (facts && facts->element_oid != 0 && element) {
        t.k = kind::array;
        // An element's typmod is the array column's typmod (numeric(5,2)[] keeps its scale).
        t.element = std::make_shared<column_type>(map_type(element->oid, typmod, element, nullptr, mode));
        return t;
    }
    if (facts && facts->typtype == 'e') {
        t.k = kind::enumeration;
        t.allowed = facts->enum_labels;
        return t;
    }
    // Temporal precision: -1 means the default, 6 digits.
    const int precision = typmod < 0 ? 6 : typmod;
    switch (type_oid) {
    case oid::bool_: t.k = kind::boolean; break;
    case oid::int2: t.k = kind::int16; break;
    case oid::int4: t.k = kind::int32; break;
    case oid::int8: t.k = kind::int64; break;
    case oid::float4: t.k = kind::float32; break;
    case oid::float8: t.k = kind::float64; break;
    case oid::numeric:
        if (mode == decimal_mode::double_) t.k = kind::decimal_double;
        else if (mode == decimal_mode::string) t.k = kind::decimal_string;
        else if (typmod < 4) t.k = kind::var_decimal;
        else {
            t.k = kind::decimal;
            t.precision = ((typmod - 4) >> 16) & 0xffff;
            t.scale = (typmod - 4) & 0xffff;
        }
        break;
    case oid::bytea: t.k = kind::bytes; break;
    case oid::date: t.k = kind::date; break;
    case oid::time: t.k = precision <= 3 ? kind::time_ms : kind::time_us; break;
    case oid::timestamp: t.k = precision <= 3 ? kind::timestamp_ms : kind::timestamp_us; break;
    case oid::timestamptz: t.k = kind::zoned_timestamp; break;
    case oid::timetz: t.k = kind::zoned_time; break;
    case oid::interval: t.k = kind::interval_us; break;
    case oid::uuid: t.k = kind::uuid; break;
    case oid::json:
    case oid::jsonb: t.k = kind::json; break;
    case oid::xml: t.k = kind::xml; break;
    default: t.k = kind::string;
    }
    return t;
}

namespace {
nlohmann::ordered_json named(const char* type, const char* name) {
    return {{"type", type}, {"name", name}, {"version", 1}};
}
} // namespace

nlohmann::ordered_json connect_schema(const column_type& t) {
    switch (t.k) {
    case kind::boolean: return {{"type", "boolean"}};
    case kind::int16: return {{"type", "int16"}};
    case kind::int32: return {{"type", "int32"}};
    case kind::int64: return {{"type", "int64"}};
    case kind::float32: return {{"type", "float"}};
    case kind::float64:
    case kind::decimal_double: return {{"type", "double"}};
    case kind::decimal: {
        auto s = named("bytes", "org.apache.kafka.connect.data.Decimal");
        s["parameters"] = {{"scale", std::to_string(t.scale)}, {"connect.decimal.precision", std::to_string(t.precision)}};
        return s;
    }
    case kind::var_decimal: {
        nlohmann::ordered_json s = {{"type", "struct"}};
        s["fields"] = nlohmann::ordered_json::array({{{"type", "int32"}, {"optional", false}, {"field", "scale"}},
                                                     {{"type", "bytes"}, {"optional", false}, {"field", "value"}}});
        s["name"] = "io.debezium.data.VariableScaleDecimal";
        s["version"] = 1;
        s["doc"] = "Variable scaled decimal";
        return s;
    }
    case kind::decimal_string:
    case kind::string: return {{"type", "string"}};
    case kind::bytes: return {{"type", "bytes"}};
    case kind::date: return named("int32", "io.debezium.time.Date");
    case kind::time_ms: return named("int32", "io.debezium.time.Time");
    case kind::time_us: return named("int64", "io.debezium.time.MicroTime");
    case kind::timestamp_ms: return named("int64", "io.debezium.time.Timestamp");
    case kind::timestamp_us: return named("int64", "io.debezium.time.MicroTimestamp");
    case kind::zoned_timestamp: return named("string", "io.debezium.time.ZonedTimestamp");
    case kind::zoned_time: return named("string", "io.debezium.time.ZonedTime");
    case kind::interval_us: return named("int64", "io.debezium.time.MicroDuration");
    case kind::uuid: return named("string", "io.debezium.data.Uuid");
    case kind::json: return named("string", "io.debezium.data.Json");
    case kind::xml: return named("string", "io.debezium.data.Xml");
    case kind::enumeration: {
        auto s = named("string", "io.debezium.data.Enum");
        s["parameters"] = {{"allowed", t.allowed}};
        return s;
    }
    case kind::array: {
        auto items = connect_schema(*t.element);
        items["optional"] = true;
        return {{"type", "array"}, {"items", items}};
    }
    }
    return {{"type", "string"}};
}

std::string base64(std::string_view in) {
    static constexpr char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
        out += tbl[v >> 18];
        out += tbl[(v >> 12) & 63];
        out += tbl[(v >> 6) & 63];
        out += tbl[v & 63];
    }
    if (i + 1 == in.size()) {
        const uint32_t v = uint8_t(in[i]) << 16;
        out += tbl[v >> 18];
        out += tbl[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
        out += tbl[v >> 18];
        out += tbl[(v >> 12) & 63];
        out += tbl[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string twos_complement(std::string_view digits) {
    // The Avro codec's decimal conversion at scale 0 (digits come from Postgres' numeric text).
    auto bytes = client::avro::decimal_to_bytes(digits, 0);
    return bytes ? std::move(*bytes) : std::string(1, '\0');
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    // Howard Hinnant's algorithm.
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

namespace {

int64_t num(std::string_view s) {
    int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

// "YYYY-MM-DD" (optionally " BC") → days; false for infinity and malformed text.
bool parse_date(std::string_view s, int64_t& days) {
    if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
    // Years past 9999 print with more digits: the year ends at the first '-'.
    const size_t dash = s.find('-', 1);
    int64_t y = num(s.substr(0, dash));
    const unsigned m = static_cast<unsigned>(num(s.substr(dash + 1, 2)));
    const unsigned d = static_cast<unsigned>(num(s.substr(dash + 4, 2)));
    if (s.size() >= 3 && s.substr(s.size() - 3) == " BC") y = 1 - y;
    days = days_from_civil(y, m, d);
    return true;
}

// "HH:MM:SS[.ffffff]" → µs since midnight; `rest` gets what follows (a zone, for timetz).
int64_t parse_time(std::string_view s, std::string_view* rest = nullptr) {
    const int64_t h = num(s.substr(0, 2)), mi = num(s.substr(3, 2)), sec = num(s.substr(6, 2));
    int64_t us = 0;
    size_t i = 8;
    if (i < s.size() && s[i] == '.') {
        int64_t scale = 100000;
        for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10) us += (s[i] - '0') * scale;
    }
    if (rest) *rest = s.substr(i);
    return ((h * 60 + mi) * 60 + sec) * 1000000 + us;
}

// "YYYY-MM-DD HH:MM:SS[.f]" → µs since the epoch.
bool parse_timestamp(std::string_view s, int64_t& us) {
    int64_t days = 0;
    const size_t sp = s.find(' ');
    if (sp == std::string_view::npos || !parse_date(s.substr(0, sp), days)) return false;
    const bool bc = s.size() >= 3 && s.substr(s.size() - 3) == " BC";
    if (bc) {
        int64_t y = num(s.substr(0, s.find('-', 1)));
        const unsigned m = static_cast<unsigned>(num(s.substr(sp - 5, 2)));
        const unsigned d = static_cast<unsigned>(num(s.substr(sp - 2, 2)));
        days = days_from_civil(1 - y, m, d);
    }
    us = days * 86400000000LL + parse_time(s.substr(sp + 1));
    return true;
}

// Postgres prints a UTC offset as "+00" (TimeZone=UTC): ISO-8601 says "Z".
std::string iso_zone(std::string_view zone) {
    if (zone == "+00" || zone == "+00:00" || zone.empty()) return "Z";
    std::string z(zone);
    if (z.size() == 3) z += ":00";
    return z;
}

// ISO-8601 interval as IntervalStyle=iso_8601 prints it ("P1Y2M3DT4H5M6.5S", each part
// signed) → µs, months counted as Debezium does (365.25 / 12 days).
int64_t parse_interval(std::string_view s) {
    double years = 0, months = 0, days = 0, hours = 0, minutes = 0, seconds = 0;
    bool in_time = false;
    size_t i = s.empty() ? 0 : 1; // skip 'P'
    while (i < s.size()) {
        if (s[i] == 'T') {
            in_time = true;
            ++i;
            continue;
        }
        size_t j = i;
        while (j < s.size() && (s[j] == '-' || s[j] == '+' || s[j] == '.' || (s[j] >= '0' && s[j] <= '9'))) ++j;
        if (j >= s.size()) break;
        const double v = std::strtod(std::string(s.substr(i, j - i)).c_str(), nullptr);
        switch (s[j]) {
        case 'Y': years = v; break;
        case 'M': (in_time ? minutes : months) = v; break;
        case 'D': days = v; break;
        case 'H': hours = v; break;
        case 'S': seconds = v; break;
        default: break;
        }
        i = j + 1;
    }
    const double days_per_month = 365.25 / 12.0;
    const double total_days = (years * 12 + months) * days_per_month + days;
    const double us = total_days * 86400e6 + hours * 3600e6 + minutes * 60e6 + seconds * 1e6;
    return static_cast<int64_t>(std::llround(us));
}

std::string hex_bytes(std::string_view s) {
    // bytea_output=hex: "\x0a1b..."
    if (s.size() < 2 || s[0] != '\\' || s[1] != 'x') return std::string(s);
    std::string out;
    out.reserve((s.size() - 2) / 2);
    auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (size_t i = 2; i + 1 < s.size(); i += 2) out.push_back(static_cast<char>(nib(s[i]) << 4 | nib(s[i + 1])));
    return out;
}

// Splits "-123.4500" into unscaled digits and scale (digits after the point).
void split_decimal(std::string_view s, std::string& digits, int& scale) {
    digits.clear();
    scale = 0;
    bool after = false;
    for (char c : s) {
        if (c == '.') after = true;
        else {
            digits += c;
            if (after && c != '-') ++scale;
        }
    }
}

// One-dimensional array literal → elements (nullopt for NULL), quotes and escapes removed.
std::vector<std::optional<std::string>> split_array(std::string_view s) {
    std::vector<std::optional<std::string>> out;
    if (s.size() < 2 || s.front() != '{') return out;
    size_t i = 1;
    while (i < s.size() && s[i] != '}') {
        std::string v;
        bool quoted = false;
        if (s[i] == '"') {
            quoted = true;
            for (++i; i < s.size() && s[i] != '"'; ++i) {
                if (s[i] == '\\' && i + 1 < s.size()) ++i;
                v += s[i];
            }
            ++i; // closing quote
        } else {
            while (i < s.size() && s[i] != ',' && s[i] != '}') v += s[i++];
        }
        if (!quoted && v == "NULL") out.emplace_back(std::nullopt);
        else out.emplace_back(std::move(v));
        if (i < s.size() && s[i] == ',') ++i;
    }
    return out;
}

} // namespace

nlohmann::ordered_json to_json(const column_type& t, std::string_view s) {
    switch (t.k) {
    case kind::boolean: return s == "t" || s == "true";
    case kind::int16:
    case kind::int32:
    case kind::int64: return num(s);
    case kind::float32:
    case kind::float64:
    case kind::decimal_double: {
        if (s == "NaN" || s == "Infinity" || s == "-Infinity") return std::string(s);
        return std::strtod(std::string(s).c_str(), nullptr);
    }
    case kind::decimal: {
        if (s == "NaN" || s == "Infinity" || s == "-Infinity") return nullptr;
        std::string digits;
        int scale = 0;
        split_decimal(s, digits, scale);
        for (; scale < t.scale; ++scale) digits += '0';
        return base64(twos_complement(digits));
    }
    case kind::var_decimal: {
        if (s == "NaN" || s == "Infinity" || s == "-Infinity") return nullptr;
        std::string digits;
        int scale = 0;
        split_decimal(s, digits, scale);
        return {{"scale", scale}, {"value", base64(twos_complement(digits))}};
    }
    case kind::bytes: return base64(hex_bytes(s));
    case kind::date: {
        int64_t days = 0;
        if (!parse_date(s, days)) return nullptr;
        return days;
    }
    case kind::time_ms: return parse_time(s) / 1000;
    case kind::time_us: return parse_time(s);
    case kind::timestamp_ms:
    case kind::timestamp_us: {
        int64_t us = 0;
        if (!parse_timestamp(s, us)) return nullptr;
        // Floor division: a pre-1970 instant with a fraction rounds towards the past.
        if (t.k == kind::timestamp_ms) return us >= 0 ? us / 1000 : -((-us + 999) / 1000);
        return us;
    }
    case kind::zoned_timestamp: {
        const size_t sp = s.find(' ');
        if (sp == std::string_view::npos) return nullptr; // infinity
        std::string_view zone;
        (void)parse_time(s.substr(sp + 1), &zone);
        const size_t time_len = s.size() - (sp + 1) - zone.size();
        return std::string(s.substr(0, sp)) + "T" + std::string(s.substr(sp + 1, time_len)) + iso_zone(zone);
    }
    case kind::zoned_time: {
        std::string_view zone;
        (void)parse_time(s, &zone);
        return std::string(s.substr(0, s.size() - zone.size())) + iso_zone(zone);
    }
    case kind::interval_us: return parse_interval(s);
    case kind::array: {
        auto out = nlohmann::ordered_json::array();
        for (const auto& e : split_array(s)) out.push_back(e ? to_json(*t.element, *e) : nlohmann::ordered_json(nullptr));
        return out;
    }
    case kind::decimal_string:
    case kind::string:
    case kind::uuid:
    case kind::json:
    case kind::xml:
    case kind::enumeration: return std::string(s);
    }
    return std::string(s);
}

std::optional<client::avro::value> to_avro(const column_type& t, std::string_view s) {
    namespace avro = client::avro;
    auto special = [](std::string_view x) { return x == "NaN" || x == "Infinity" || x == "-Infinity"; };
    switch (t.k) {
    case kind::boolean: return avro::value(s == "t" || s == "true");
    case kind::int16:
    case kind::int32: return avro::value(static_cast<int32_t>(num(s)));
    case kind::int64: return avro::value(num(s));
    // strtod reads "NaN" and "[-]Infinity" too: Avro floats hold them.
    case kind::float32: return avro::value(std::strtof(std::string(s).c_str(), nullptr));
    case kind::float64:
    case kind::decimal_double: return avro::value(std::strtod(std::string(s).c_str(), nullptr));
    case kind::decimal: {
        if (special(s)) return std::nullopt;
        std::string digits;
        int scale = 0;
        split_decimal(s, digits, scale);
        for (; scale < t.scale; ++scale) digits += '0';
        return avro::value(avro::bytes{twos_complement(digits)});
    }
    case kind::var_decimal: {
        if (special(s)) return std::nullopt;
        std::string digits;
        int scale = 0;
        split_decimal(s, digits, scale);
        return avro::value(avro::record{{avro::value(static_cast<int32_t>(scale)), avro::value(avro::bytes{twos_complement(digits)})}});
    }
    case kind::bytes: return avro::value(avro::bytes{hex_bytes(s)});
    case kind::date: {
        int64_t days = 0;
        if (!parse_date(s, days)) return std::nullopt;
        return avro::value(static_cast<int32_t>(days));
    }
    case kind::time_ms: return avro::value(static_cast<int32_t>(parse_time(s) / 1000));
    case kind::time_us: return avro::value(parse_time(s));
    case kind::timestamp_ms:
    case kind::timestamp_us: {
        int64_t us = 0;
        if (!parse_timestamp(s, us)) return std::nullopt;
        if (t.k == kind::timestamp_ms) return avro::value(us >= 0 ? us / 1000 : -((-us + 999) / 1000));
        return avro::value(us);
    }
    case kind::zoned_timestamp:
    case kind::zoned_time: {
        auto j = to_json(t, s);
        if (!j.is_string()) return std::nullopt;
        return avro::value(j.get<std::string>());
    }
    case kind::interval_us: return avro::value(parse_interval(s));
    case kind::array: {
        avro::array a;
        for (const auto& e : split_array(s)) {
            if (!e) {
                a.items.emplace_back(); // null element (items are ["null", T])
                continue;
            }
            auto v = to_avro(*t.element, *e);
            a.items.push_back(v ? std::move(*v) : avro::value());
        }
        return avro::value(std::move(a));
    }
    case kind::decimal_string:
    case kind::string:
    case kind::uuid:
    case kind::json:
    case kind::xml:
    case kind::enumeration: return avro::value(std::string(s));
    }
    return avro::value(std::string(s));
}

} // namespace brook::connect::pg
