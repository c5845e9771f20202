#include "stream/functions.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

namespace brook::stream {
namespace {

double as_double(const value& v) {
    if (auto* i = std::get_if<int64_t>(&v)) return double(*i);
    if (auto* d = std::get_if<double>(&v)) return *d;
    return 0;
}

} // namespace

value arith(bexpr::op o, const value& a, const value& b) {
    if (is_null(a) || is_null(b)) return {};
    if (auto* t = std::get_if<timestamp_ms>(&a)) {
        if (auto* iv = std::get_if<interval_ms>(&b)) {
            if (o == bexpr::op::add) return timestamp_ms{t->ms + iv->ms};
            if (o == bexpr::op::sub) return timestamp_ms{t->ms - iv->ms};
        }
        return {};
    }
    if (auto* iv = std::get_if<interval_ms>(&a)) {
        if (auto* t = std::get_if<timestamp_ms>(&b); t && o == bexpr::op::add) return timestamp_ms{t->ms + iv->ms};
        if (auto* j = std::get_if<interval_ms>(&b)) {
            if (o == bexpr::op::add) return interval_ms{iv->ms + j->ms};
            if (o == bexpr::op::sub) return interval_ms{iv->ms - j->ms};
        }
        if (auto* n = std::get_if<int64_t>(&b); n && o == bexpr::op::mul) return interval_ms{iv->ms * *n};
        return {};
    }
    if (a.index() == 2 && b.index() == 2) {
        int64_t x = std::get<int64_t>(a), y = std::get<int64_t>(b);
        switch (o) {
        case bexpr::op::add: return x + y;
        case bexpr::op::sub: return x - y;
        case bexpr::op::mul: return x * y;
        case bexpr::op::div: if (y == 0) return {}; return x / y;
        case bexpr::op::mod: if (y == 0) return {}; return x % y;
        default: return {};
        }
    }
    double x = as_double(a), y = as_double(b);
    switch (o) {
    case bexpr::op::add: return x + y;
    case bexpr::op::sub: return x - y;
    case bexpr::op::mul: return x * y;
    case bexpr::op::div: if (y == 0) return {}; return x / y;
    case bexpr::op::mod: if (y == 0) return {}; return std::fmod(x, y);
    default: return {};
    }
}

namespace {

// ---- scalar functions -------------------------------------------------------------------
const std::string* str(const value& v) { return std::get_if<std::string>(&v); }

value f_upper(std::span<const value> a) {
    auto* s = str(a[0]); if (!s) return {};
    std::string r = *s; for (auto& c : r) c = char(std::toupper(static_cast<unsigned char>(c))); return r;
}
value f_lower(std::span<const value> a) {
    auto* s = str(a[0]); if (!s) return {};
    std::string r = *s; for (auto& c : r) c = char(std::tolower(static_cast<unsigned char>(c))); return r;
}
value f_char_length(std::span<const value> a) {
    auto* s = str(a[0]); if (!s) return {};
    int64_t n = 0; for (unsigned char c : *s) n += (c & 0xC0) != 0x80; return n; // code points
}
value f_concat(std::span<const value> a) {
    std::string r;
    for (auto& v : a) { if (is_null(v)) return {}; r += to_text(v); }
    return r;
}
value f_concat_ws(std::span<const value> a) {
    auto* sep = str(a[0]); if (!sep) return {};
    std::string r; bool first = true;
    for (size_t i = 1; i < a.size(); ++i) {
        if (is_null(a[i])) continue;
        if (!first) r += *sep;
        r += to_text(a[i]); first = false;
    }
    return r;
}
value f_substring(std::span<const value> a) {
    auto* s = str(a[0]); if (!s || is_null(a[1])) return {};
    int64_t start = std::get<int64_t>(a[1]);
    int64_t len = a.size() > 2 ? (is_null(a[2]) ? -2 : std::get<int64_t>(a[2])) : int64_t(s->size());
    if (len == -2) return {};
    if (start < 1) { len += start - 1; start = 1; }  // SQL: positions before 1 eat into the length
    if (len <= 0 || start > int64_t(s->size())) return std::string();
    return s->substr(size_t(start - 1), size_t(len));
}
value f_trim(std::span<const value> a) {
    auto* s = str(a[0]); if (!s) return {};
    auto b = s->find_first_not_of(' '); if (b == std::string::npos) return std::string();
    return s->substr(b, s->find_last_not_of(' ') - b + 1);
}
value f_ltrim(std::span<const value> a) {
    auto* s = str(a[0]); if (!s) return {};
    auto b = s->find_first_not_of(' '); return b == std::string::npos ? std::string() : s->substr(b);
}
value f_rtrim(std::span<const value> a) {
    auto* s = str(a[0]); if (!s) return {};
    auto e = s->find_last_not_of(' '); return e == std::string::npos ? std::string() : s->substr(0, e + 1);
}
value f_replace(std::span<const value> a) {
    auto* s = str(a[0]); auto* f = str(a[1]); auto* t = str(a[2]);
    if (!s || !f || !t) return {};
    if (f->empty()) return *s;
    std::string r;
    size_t i = 0, j;
    while ((j = s->find(*f, i)) != std::string::npos) { r.append(*s, i, j - i); r += *t; i = j + f->size(); }
    r.append(*s, i);
    return r;
}
value f_coalesce(std::span<const value> a) {
    for (auto& v : a) if (!is_null(v)) return v;
    return {};
}
value f_if(std::span<const value> a) {
    auto* b = std::get_if<bool>(&a[0]);
    return (b && *b) ? a[1] : a[2];
}
value f_nullif(std::span<const value> a) {
    if (!is_null(a[0]) && !is_null(a[1]) && compare(a[0], a[1]) == 0) return {};
    return a[0];
}
value f_abs(std::span<const value> a) {
    if (auto* i = std::get_if<int64_t>(&a[0])) return *i < 0 ? -*i : *i;
    if (auto* d = std::get_if<double>(&a[0])) return std::fabs(*d);
    return {};
}
value f_mod(std::span<const value> a) { return arith(bexpr::op::mod, a[0], a[1]); }
value f_round(std::span<const value> a) {
    if (is_null(a[0])) return {};
    int64_t n = a.size() > 1 && !is_null(a[1]) ? std::get<int64_t>(a[1]) : 0;
    if (auto* i = std::get_if<int64_t>(&a[0])) return *i;
    double p = std::pow(10.0, double(n));
    return std::round(std::get<double>(a[0]) * p) / p;
}
value f_floor(std::span<const value> a) {
    if (auto* d = std::get_if<double>(&a[0])) return std::floor(*d);
    return a[0];
}
value f_ceil(std::span<const value> a) {
    if (auto* d = std::get_if<double>(&a[0])) return std::ceil(*d);
    return a[0];
}
value f_to_timestamp(std::span<const value> a) {
    auto* s = str(a[0]); if (!s) return {};
    auto ms = parse_timestamp(*s);
    if (!ms) return {};
    return timestamp_ms{*ms};
}
value f_to_timestamp_ltz(std::span<const value> a) {
    if (is_null(a[0])) return {};
    int64_t precision = a.size() > 1 && !is_null(a[1]) ? std::get<int64_t>(a[1]) : 3;
    double n = as_double(a[0]);
    if (precision == 0) return timestamp_ms{int64_t(n * 1000)};
    if (auto* i = std::get_if<int64_t>(&a[0])) return timestamp_ms{*i};
    return timestamp_ms{int64_t(n)};
}
value f_date_format(std::span<const value> a) {
    auto* t = std::get_if<timestamp_ms>(&a[0]);
    auto* p = str(a[1]);
    if (!t || !p) return {};
    return format_timestamp_pattern(t->ms, *p);
}
template <char Field>
value f_part(std::span<const value> a) {
    auto* t = std::get_if<timestamp_ms>(&a[0]);
    if (!t) return {};
    const char* pat = Field == 'y' ? "yyyy" : Field == 'M' ? "MM" : Field == 'd' ? "dd" : Field == 'H' ? "HH" : Field == 'm' ? "mm" : "ss";
    auto s = format_timestamp_pattern(t->ms, pat);
    int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

using rt = fn_result;
using fn_def = function_def;

const std::map<std::string, fn_def>& functions() {
    static const std::map<std::string, fn_def> m = {
        {"UPPER", {1, 1, rt::string, f_upper}},
        {"LOWER", {1, 1, rt::string, f_lower}},
        {"CHAR_LENGTH", {1, 1, rt::bigint, f_char_length}},
        {"CHARACTER_LENGTH", {1, 1, rt::bigint, f_char_length}},
        {"CONCAT", {1, -1, rt::string, f_concat}},
        {"CONCAT_WS", {2, -1, rt::string, f_concat_ws}},
        {"SUBSTRING", {2, 3, rt::string, f_substring}},
        {"SUBSTR", {2, 3, rt::string, f_substring}},
        {"TRIM", {1, 1, rt::string, f_trim}},
        {"LTRIM", {1, 1, rt::string, f_ltrim}},
        {"RTRIM", {1, 1, rt::string, f_rtrim}},
        {"REPLACE", {3, 3, rt::string, f_replace}},
        {"COALESCE", {1, -1, rt::common_of_all, f_coalesce}},
        {"IF", {3, 3, rt::common_of_rest, f_if}},
        {"NULLIF", {2, 2, rt::same_as_first, f_nullif}},
        {"ABS", {1, 1, rt::same_as_first, f_abs}},
        {"MOD", {2, 2, rt::same_as_first, f_mod}},
        {"ROUND", {1, 2, rt::same_as_first, f_round}},
        {"FLOOR", {1, 1, rt::same_as_first, f_floor}},
        {"CEIL", {1, 1, rt::same_as_first, f_ceil}},
        {"CEILING", {1, 1, rt::same_as_first, f_ceil}},
        {"TO_TIMESTAMP", {1, 1, rt::timestamp, f_to_timestamp}},
        {"TO_TIMESTAMP_LTZ", {1, 2, rt::timestamp, f_to_timestamp_ltz}},
        {"DATE_FORMAT", {2, 2, rt::string, f_date_format}},
        {"YEAR", {1, 1, rt::bigint, f_part<'y'>}},
        {"MONTH", {1, 1, rt::bigint, f_part<'M'>}},
        {"DAYOFMONTH", {1, 1, rt::bigint, f_part<'d'>}},
        {"HOUR", {1, 1, rt::bigint, f_part<'H'>}},
        {"MINUTE", {1, 1, rt::bigint, f_part<'m'>}},
        {"SECOND", {1, 1, rt::bigint, f_part<'s'>}},
    };
    return m;
}

// The argument types a function needs, checked at planning so a bad call is a planning error.
std::optional<std::string> check_args(const std::string& fn, const std::vector<bexpr>& a) {
    auto want = [&](size_t i, std::initializer_list<type_id> ok, const char* what) -> std::optional<std::string> {
        if (i >= a.size() || a[i].type == type_id::null) return std::nullopt;
        for (auto t : ok) if (a[i].type == t) return std::nullopt;
        return fn + " takes " + what + " as argument " + std::to_string(i + 1) + ", not " + type_name(a[i].type);
    };
    if (fn == "UPPER" || fn == "LOWER" || fn == "CHAR_LENGTH" || fn == "CHARACTER_LENGTH" || fn == "TRIM" ||
        fn == "LTRIM" || fn == "RTRIM" || fn == "TO_TIMESTAMP")
        return want(0, {type_id::string}, "a STRING");
    if (fn == "REPLACE") {
        for (size_t i = 0; i < 3; ++i) if (auto e = want(i, {type_id::string}, "a STRING")) return e;
        return std::nullopt;
    }
    if (fn == "SUBSTRING" || fn == "SUBSTR") {
        if (auto e = want(0, {type_id::string}, "a STRING")) return e;
        if (auto e = want(1, {type_id::bigint}, "an integer")) return e;
        return want(2, {type_id::bigint}, "an integer");
    }
    if (fn == "ABS" || fn == "ROUND" || fn == "FLOOR" || fn == "CEIL" || fn == "CEILING" || fn == "MOD")
        return want(0, {type_id::bigint, type_id::double_}, "a number");
    if (fn == "TO_TIMESTAMP_LTZ") {
        if (auto e = want(0, {type_id::bigint, type_id::double_}, "a number (epoch seconds or milliseconds)")) return e;
        if (a.size() > 1) {
            if (a[1].o != bexpr::op::literal || !std::holds_alternative<int64_t>(a[1].lit) ||
                (std::get<int64_t>(a[1].lit) != 0 && std::get<int64_t>(a[1].lit) != 3))
                return std::string("TO_TIMESTAMP_LTZ's precision must be the literal 0 (seconds) or 3 (milliseconds)");
        }
        return std::nullopt;
    }
    if (fn == "DATE_FORMAT") {
        if (auto e = want(0, {type_id::timestamp}, "a TIMESTAMP")) return e;
        return want(1, {type_id::string}, "a STRING pattern");
    }
    if (fn == "YEAR" || fn == "MONTH" || fn == "DAYOFMONTH" || fn == "HOUR" || fn == "MINUTE" || fn == "SECOND")
        return want(0, {type_id::timestamp}, "a TIMESTAMP");
    if (fn == "IF") return want(0, {type_id::boolean}, "a BOOLEAN condition");
    return std::nullopt;
}

type_id common_type(const std::vector<bexpr>& a, size_t from) {
    type_id t = type_id::null;
    for (size_t i = from; i < a.size(); ++i) {
        if (a[i].type == type_id::null) continue;
        if (t == type_id::null) t = a[i].type;
        else if (t != a[i].type && is_numeric(t) && is_numeric(a[i].type)) t = type_id::double_;
    }
    return t;
}


} // namespace

const function_def* find_function(const std::string& upper_name) {
    auto it = functions().find(upper_name);
    return it == functions().end() ? nullptr : &it->second;
}

std::optional<std::string> check_function_args(const std::string& fn, const std::vector<bexpr>& a) { return check_args(fn, a); }

type_id function_result_type(const function_def& def, const std::vector<bexpr>& args) {
    switch (def.ret) {
    case rt::same_as_first: return args[0].type;
    case rt::bigint: return type_id::bigint;
    case rt::double_: return type_id::double_;
    case rt::string: return type_id::string;
    case rt::timestamp: return type_id::timestamp;
    case rt::boolean: return type_id::boolean;
    case rt::common_of_rest: return common_type(args, 1);
    case rt::common_of_all: return common_type(args, 0);
    }
    return type_id::null;
}

} // namespace brook::stream
