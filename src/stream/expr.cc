#include "stream/expr.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

namespace brook::stream {
namespace {

bool is_num(type_id t) { return t == type_id::bigint || t == type_id::double_; }

double as_double(const value& v) {
    if (auto* i = std::get_if<int64_t>(&v)) return double(*i);
    if (auto* d = std::get_if<double>(&v)) return *d;
    return 0;
}

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

bool like_match(std::string_view s, std::string_view p) {
    // Iterative wildcard match with backtracking to the last '%'.
    size_t si = 0, pi = 0, star = std::string_view::npos, mark = 0;
    while (si < s.size()) {
        if (pi < p.size() && (p[pi] == '_' || p[pi] == s[si])) { ++si; ++pi; }
        else if (pi < p.size() && p[pi] == '%') { star = pi++; mark = si; }
        else if (star != std::string_view::npos) { pi = star + 1; si = ++mark; }
        else return false;
    }
    while (pi < p.size() && p[pi] == '%') ++pi;
    return pi == p.size();
}

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

enum class rt { same_as_first, bigint, double_, string, timestamp, boolean, common_of_rest, common_of_all };
struct fn_def {
    int min_args, max_args; // -1: any number
    rt ret;
    value (*impl)(std::span<const value>);
};

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
        else if (t != a[i].type && is_num(t) && is_num(a[i].type)) t = type_id::double_;
    }
    return t;
}

bool comparable(type_id a, type_id b) {
    if (a == type_id::null || b == type_id::null) return true;
    if (is_num(a) && is_num(b)) return true;
    return a == b;
}

} // namespace

bool is_aggregate_name(const std::string& u) {
    return u == "COUNT" || u == "SUM" || u == "MIN" || u == "MAX" || u == "AVG";
}

value cast_value(const value& v, type_id to) {
    if (is_null(v)) return {};
    switch (to) {
    case type_id::string: return to_text(v);
    case type_id::bigint:
        if (auto* i = std::get_if<int64_t>(&v)) return *i;
        if (auto* d = std::get_if<double>(&v)) return std::isfinite(*d) ? value(int64_t(*d)) : value();
        if (auto* b = std::get_if<bool>(&v)) return int64_t(*b);
        if (auto* t = std::get_if<timestamp_ms>(&v)) return t->ms / 1000; // Flink: epoch seconds
        if (auto* s = std::get_if<std::string>(&v)) {
            int64_t n = 0;
            std::string_view sv = *s;
            while (!sv.empty() && sv.front() == ' ') sv.remove_prefix(1);
            while (!sv.empty() && sv.back() == ' ') sv.remove_suffix(1);
            auto r = std::from_chars(sv.data(), sv.data() + sv.size(), n);
            if (r.ec != std::errc() || r.ptr != sv.data() + sv.size()) return {};
            return n;
        }
        return {};
    case type_id::double_:
        if (auto* i = std::get_if<int64_t>(&v)) return double(*i);
        if (auto* d = std::get_if<double>(&v)) return *d;
        if (auto* s = std::get_if<std::string>(&v)) {
            double d = 0;
            auto r = std::from_chars(s->data(), s->data() + s->size(), d);
            if (r.ec != std::errc() || r.ptr != s->data() + s->size()) return {};
            return d;
        }
        return {};
    case type_id::boolean:
        if (auto* b = std::get_if<bool>(&v)) return *b;
        if (auto* i = std::get_if<int64_t>(&v)) return *i != 0;
        if (auto* s = std::get_if<std::string>(&v)) {
            std::string u; for (char c : *s) u.push_back(char(std::toupper(static_cast<unsigned char>(c))));
            if (u == "TRUE") return true;
            if (u == "FALSE") return false;
        }
        return {};
    case type_id::timestamp:
        if (auto* t = std::get_if<timestamp_ms>(&v)) return *t;
        if (auto* s = std::get_if<std::string>(&v)) { auto ms = parse_timestamp(*s); if (ms) return timestamp_ms{*ms}; }
        if (auto* i = std::get_if<int64_t>(&v)) return timestamp_ms{*i * 1000};
        return {};
    default: return {};
    }
}

value eval(const bexpr& e, std::span<const value> row) {
    using O = bexpr::op;
    switch (e.o) {
    case O::literal: return e.lit;
    case O::slot: return row[size_t(e.slot)];
    case O::not_: { auto v = eval(e.args[0], row); if (auto* b = std::get_if<bool>(&v)) return !*b; return {}; }
    case O::neg: {
        auto v = eval(e.args[0], row);
        if (auto* i = std::get_if<int64_t>(&v)) return -*i;
        if (auto* d = std::get_if<double>(&v)) return -*d;
        if (auto* iv = std::get_if<interval_ms>(&v)) return interval_ms{-iv->ms};
        return {};
    }
    case O::and_: case O::or_: {
        // Three-valued logic: FALSE AND NULL is FALSE, TRUE OR NULL is TRUE.
        auto a = eval(e.args[0], row);
        const bool short_val = e.o == O::or_;
        if (auto* b = std::get_if<bool>(&a); b && *b == short_val) return short_val;
        auto b = eval(e.args[1], row);
        if (auto* x = std::get_if<bool>(&b); x && *x == short_val) return short_val;
        if (is_null(a) || is_null(b)) return {};
        return !short_val;
    }
    case O::eq: case O::ne: case O::lt: case O::le: case O::gt: case O::ge: {
        auto a = eval(e.args[0], row), b = eval(e.args[1], row);
        if (is_null(a) || is_null(b)) return {};
        int c = compare(a, b);
        switch (e.o) {
        case O::eq: return c == 0;
        case O::ne: return c != 0;
        case O::lt: return c < 0;
        case O::le: return c <= 0;
        case O::gt: return c > 0;
        default: return c >= 0;
        }
    }
    case O::add: case O::sub: case O::mul: case O::div: case O::mod:
        return arith(e.o, eval(e.args[0], row), eval(e.args[1], row));
    case O::concat: {
        auto a = eval(e.args[0], row), b = eval(e.args[1], row);
        if (is_null(a) || is_null(b)) return {};
        return to_text(a) + to_text(b);
    }
    case O::fn: {
        std::vector<value> args;
        args.reserve(e.args.size());
        for (auto& a : e.args) args.push_back(eval(a, row));
        return e.fn(args);
    }
    case O::case_: {
        size_t i = 0;
        value operand;
        if (e.has_operand) operand = eval(e.args[i++], row);
        size_t pairs_end = e.args.size() - (e.has_else ? 1 : 0);
        for (; i + 1 < pairs_end + 1 && i < pairs_end; i += 2) {
            auto w = eval(e.args[i], row);
            bool hit = e.has_operand ? (!is_null(w) && !is_null(operand) && compare(w, operand) == 0)
                                     : (std::holds_alternative<bool>(w) && std::get<bool>(w));
            if (hit) return eval(e.args[i + 1], row);
        }
        return e.has_else ? eval(e.args.back(), row) : value();
    }
    case O::cast: return cast_value(eval(e.args[0], row), e.type);
    case O::is_null: { bool n = is_null(eval(e.args[0], row)); return e.negated ? !n : n; }
    case O::between: {
        auto v = eval(e.args[0], row), lo = eval(e.args[1], row), hi = eval(e.args[2], row);
        if (is_null(v) || is_null(lo) || is_null(hi)) return {};
        bool in = compare(v, lo) >= 0 && compare(v, hi) <= 0;
        return e.negated ? !in : in;
    }
    case O::in_list: {
        auto v = eval(e.args[0], row);
        if (is_null(v)) return {};
        bool saw_null = false;
        for (size_t i = 1; i < e.args.size(); ++i) {
            auto x = eval(e.args[i], row);
            if (is_null(x)) { saw_null = true; continue; }
            if (compare(v, x) == 0) return !e.negated;
        }
        if (saw_null) return {};
        return e.negated;
    }
    case O::like: {
        auto v = eval(e.args[0], row), p = eval(e.args[1], row);
        auto* s = std::get_if<std::string>(&v);
        auto* ps = std::get_if<std::string>(&p);
        if (!s || !ps) return {};
        bool m = like_match(*s, *ps);
        return e.negated ? !m : m;
    }
    }
    return {};
}

checked<bexpr> bind(const expr& e, const scope& s) {
    if (s.intercept)
        if (auto r = s.intercept(e)) return std::move(*r);
    using K = expr::kind;
    bexpr b;
    auto bind_args = [&](size_t from = 0) -> std::optional<sql_error> {
        for (size_t i = from; i < e.args.size(); ++i) {
            auto a = bind(*e.args[i], s);
            if (!a) return a.err();
            b.args.push_back(std::move(*a));
        }
        return std::nullopt;
    };
    switch (e.k) {
    case K::literal:
        b.o = bexpr::op::literal;
        b.lit = e.lit;
        b.type = type_of(e.lit);
        return b;
    case K::column: {
        auto r = s.column ? s.column(e.name) : std::nullopt;
        if (!r) {
            std::string msg = "unknown column '" + e.name + "'";
            if (s.known_columns) msg += " (columns here: " + s.known_columns() + ")";
            return sql_error{e.pos, msg};
        }
        b.o = bexpr::op::slot;
        b.slot = r->first;
        b.type = r->second;
        return b;
    }
    case K::star: return sql_error{e.pos, "* is only allowed in COUNT(*)"};
    case K::unary: {
        if (auto err = bind_args()) return *err;
        if (e.name == "NOT") {
            if (b.args[0].type != type_id::boolean && b.args[0].type != type_id::null)
                return sql_error{e.pos, "NOT needs a BOOLEAN, not " + type_name(b.args[0].type)};
            b.o = bexpr::op::not_;
            b.type = type_id::boolean;
        } else {
            auto t = b.args[0].type;
            if (!is_num(t) && t != type_id::interval && t != type_id::null)
                return sql_error{e.pos, "unary minus needs a number, not " + type_name(t)};
            b.o = bexpr::op::neg;
            b.type = t;
        }
        return b;
    }
    case K::binary: {
        if (auto err = bind_args()) return *err;
        type_id l = b.args[0].type, r = b.args[1].type;
        const std::string& op = e.name;
        if (op == "AND" || op == "OR") {
            for (auto& a : b.args)
                if (a.type != type_id::boolean && a.type != type_id::null)
                    return sql_error{e.pos, op + " needs BOOLEAN operands, not " + type_name(a.type)};
            b.o = op == "AND" ? bexpr::op::and_ : bexpr::op::or_;
            b.type = type_id::boolean;
            return b;
        }
        static const std::map<std::string, bexpr::op> cmp = {
            {"=", bexpr::op::eq}, {"<>", bexpr::op::ne}, {"<", bexpr::op::lt},
            {"<=", bexpr::op::le}, {">", bexpr::op::gt}, {">=", bexpr::op::ge}};
        if (auto it = cmp.find(op); it != cmp.end()) {
            if (!comparable(l, r))
                return sql_error{e.pos, "cannot compare " + type_name(l) + " with " + type_name(r) + " (use CAST)"};
            b.o = it->second;
            b.type = type_id::boolean;
            return b;
        }
        if (op == "||") {
            b.o = bexpr::op::concat;
            b.type = type_id::string;
            return b;
        }
        static const std::map<std::string, bexpr::op> ar = {
            {"+", bexpr::op::add}, {"-", bexpr::op::sub}, {"*", bexpr::op::mul}, {"/", bexpr::op::div}, {"%", bexpr::op::mod}};
        b.o = ar.at(op);
        if (l == type_id::timestamp || r == type_id::timestamp) {
            bool ok = (l == type_id::timestamp && r == type_id::interval && (op == "+" || op == "-")) ||
                      (l == type_id::interval && r == type_id::timestamp && op == "+");
            if (!ok) return sql_error{e.pos, "cannot apply " + op + " to " + type_name(l) + " and " + type_name(r) + " (a TIMESTAMP takes + or - INTERVAL)"};
            b.type = type_id::timestamp;
            return b;
        }
        if (l == type_id::interval || r == type_id::interval) {
            b.type = type_id::interval;
            return b;
        }
        for (auto t : {l, r})
            if (!is_num(t) && t != type_id::null)
                return sql_error{e.pos, "cannot apply " + op + " to " + type_name(l) + " and " + type_name(r)};
        b.type = (l == type_id::double_ || r == type_id::double_) ? type_id::double_ : type_id::bigint;
        return b;
    }
    case K::call: {
        if (is_aggregate_name(e.name))
            return sql_error{e.pos, "aggregate function " + e.name + " is only allowed in the SELECT list or HAVING of a query with GROUP BY window_start, window_end"};
        auto it = functions().find(e.name);
        if (it == functions().end()) {
            if (e.name == "TUMBLE" || e.name == "HOP" || e.name == "CUMULATE" || e.name == "SESSION")
                return sql_error{e.pos, e.name + " is a window table function: use it in FROM TABLE(" + e.name + "(TABLE t, DESCRIPTOR(ts), ...))"};
            return sql_error{e.pos, "unknown function '" + e.name + "'"};
        }
        const auto& def = it->second;
        int n = int(e.args.size());
        if (n < def.min_args || (def.max_args >= 0 && n > def.max_args)) {
            std::string want = def.min_args == def.max_args ? std::to_string(def.min_args)
                             : def.max_args < 0 ? "at least " + std::to_string(def.min_args)
                             : std::to_string(def.min_args) + " to " + std::to_string(def.max_args);
            return sql_error{e.pos, e.name + " takes " + want + " argument(s), got " + std::to_string(n)};
        }
        if (e.distinct) return sql_error{e.pos, "DISTINCT is only allowed in COUNT(DISTINCT ...)"};
        if (auto err = bind_args()) return *err;
        if (auto msg = check_args(e.name, b.args)) return sql_error{e.pos, *msg};
        b.o = bexpr::op::fn;
        b.fn = def.impl;
        switch (def.ret) {
        case rt::same_as_first: b.type = b.args[0].type; break;
        case rt::bigint: b.type = type_id::bigint; break;
        case rt::double_: b.type = type_id::double_; break;
        case rt::string: b.type = type_id::string; break;
        case rt::timestamp: b.type = type_id::timestamp; break;
        case rt::boolean: b.type = type_id::boolean; break;
        case rt::common_of_rest: b.type = common_type(b.args, 1); break;
        case rt::common_of_all: b.type = common_type(b.args, 0); break;
        }
        return b;
    }
    case K::case_: {
        if (auto err = bind_args()) return *err;
        b.o = bexpr::op::case_;
        b.has_operand = e.has_operand;
        b.has_else = e.has_else;
        std::vector<bexpr*> results;
        size_t i = e.has_operand ? 1 : 0;
        size_t pairs_end = b.args.size() - (e.has_else ? 1 : 0);
        type_id t = type_id::null;
        auto merge = [&](type_id x, position at) -> std::optional<sql_error> {
            if (x == type_id::null) return std::nullopt;
            if (t == type_id::null) t = x;
            else if (t != x) {
                if (is_num(t) && is_num(x)) t = type_id::double_;
                else return sql_error{at, "CASE branches have different types: " + type_name(t) + " and " + type_name(x)};
            }
            return std::nullopt;
        };
        for (; i < pairs_end; i += 2) {
            if (!e.has_operand && b.args[i].type != type_id::boolean && b.args[i].type != type_id::null)
                return sql_error{e.args[i]->pos, "WHEN needs a BOOLEAN condition, not " + type_name(b.args[i].type)};
            if (auto err = merge(b.args[i + 1].type, e.args[i + 1]->pos)) return *err;
        }
        if (e.has_else)
            if (auto err = merge(b.args.back().type, e.args.back()->pos)) return *err;
        b.type = t;
        return b;
    }
    case K::cast:
        if (auto err = bind_args()) return *err;
        b.o = bexpr::op::cast;
        b.type = e.type.id;
        return b;
    case K::is_null:
        if (auto err = bind_args()) return *err;
        b.o = bexpr::op::is_null;
        b.negated = e.negated;
        b.type = type_id::boolean;
        return b;
    case K::between: case K::in_list: {
        if (auto err = bind_args()) return *err;
        for (size_t i = 1; i < b.args.size(); ++i)
            if (!comparable(b.args[0].type, b.args[i].type))
                return sql_error{e.args[i]->pos, "cannot compare " + type_name(b.args[0].type) + " with " + type_name(b.args[i].type) + " (use CAST)"};
        b.o = e.k == K::between ? bexpr::op::between : bexpr::op::in_list;
        b.negated = e.negated;
        b.type = type_id::boolean;
        return b;
    }
    case K::like:
        if (auto err = bind_args()) return *err;
        for (auto& a : b.args)
            if (a.type != type_id::string && a.type != type_id::null)
                return sql_error{e.pos, "LIKE needs STRING operands, not " + type_name(a.type)};
        b.o = bexpr::op::like;
        b.negated = e.negated;
        b.type = type_id::boolean;
        return b;
    case K::named_arg: return sql_error{e.pos, "a named argument (" + e.name + " => ...) is only allowed in a window table function"};
    case K::table_arg: return sql_error{e.pos, "TABLE " + e.name + " is only allowed as a window table function's DATA argument"};
    case K::descriptor: return sql_error{e.pos, "DESCRIPTOR(...) is only allowed as a window table function's TIMECOL argument"};
    }
    return sql_error{e.pos, "unsupported expression"};
}

} // namespace brook::stream
