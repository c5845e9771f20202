#include "stream/expr.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

#include "stream/functions.h"

namespace brook::stream {
namespace {

bool is_num(type_id t) { return is_numeric(t); }

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
        const function_def* found = find_function(e.name);
        if (!found) {
            if (e.name == "TUMBLE" || e.name == "HOP" || e.name == "CUMULATE" || e.name == "SESSION")
                return sql_error{e.pos, e.name + " is a window table function: use it in FROM TABLE(" + e.name + "(TABLE t, DESCRIPTOR(ts), ...))"};
            return sql_error{e.pos, "unknown function '" + e.name + "'"};
        }
        const function_def& def = *found;
        int n = int(e.args.size());
        if (n < def.min_args || (def.max_args >= 0 && n > def.max_args)) {
            std::string want = def.min_args == def.max_args ? std::to_string(def.min_args)
                             : def.max_args < 0 ? "at least " + std::to_string(def.min_args)
                             : std::to_string(def.min_args) + " to " + std::to_string(def.max_args);
            return sql_error{e.pos, e.name + " takes " + want + " argument(s), got " + std::to_string(n)};
        }
        if (e.distinct) return sql_error{e.pos, "DISTINCT is only allowed in COUNT(DISTINCT ...)"};
        if (auto err = bind_args()) return *err;
        if (auto msg = check_function_args(e.name, b.args)) return sql_error{e.pos, *msg};
        b.o = bexpr::op::fn;
        b.fn = def.impl;
        b.type = function_result_type(def, b.args);
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
