#include "stream/parser.h"

#include <charconv>
#include <cmath>
#include <set>

#include "stream/lexer.h"

namespace brook::stream {
namespace {

// Words that end an expression or a select item, so they are never taken as an alias.
const std::set<std::string> reserved = {
    "FROM", "WHERE", "GROUP", "HAVING", "EMIT", "AS", "AND", "OR", "NOT", "ON", "BY", "SELECT",
    "INSERT", "INTO", "CREATE", "TABLE", "WITH", "WHEN", "THEN", "ELSE", "END", "IS", "IN",
    "BETWEEN", "LIKE", "CASE", "ORDER", "LIMIT", "UNION", "JOIN", "PARTITION", "WATERMARK",
    "PRIMARY", "SET"};

std::string describe(const token& t) {
    switch (t.kind) {
    case tok::end: return "end of input";
    case tok::string: return "string '" + t.text + "'";
    case tok::quoted_ident: return "`" + t.text + "`";
    default: return "'" + t.text + "'";
    }
}

class parser {
public:
    explicit parser(std::vector<token> toks) : t_(std::move(toks)) {}

    checked<std::vector<statement>> script() {
        std::vector<statement> out;
        while (!at_end()) {
            if (accept_sym(";")) continue;
            auto s = statement_();
            if (!s) return s.err();
            out.push_back(std::move(*s));
            if (!at_end() && !is_sym(";")) return fail("expected ';' after the statement");
        }
        return out;
    }

    checked<expr_ptr> single_expression() {
        auto e = expression();
        if (!e) return e;
        if (!at_end()) return fail("unexpected text after the expression");
        return e;
    }

private:
    std::vector<token> t_;
    size_t i_ = 0;

    const token& peek(size_t k = 0) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
    bool at_end() const { return peek().kind == tok::end; }
    bool is_kw(const char* w, size_t k = 0) const { return peek(k).kind == tok::ident && peek(k).upper == w; }
    bool is_sym(const char* s, size_t k = 0) const { return peek(k).kind == tok::symbol && peek(k).text == s; }
    bool accept_kw(const char* w) { if (is_kw(w)) { ++i_; return true; } return false; }
    bool accept_sym(const char* s) { if (is_sym(s)) { ++i_; return true; } return false; }
    sql_error fail(const std::string& what) const { return sql_error{peek().pos, what + ", found " + describe(peek())}; }
    std::optional<sql_error> expect_kw(const char* w) {
        if (accept_kw(w)) return std::nullopt;
        return fail(std::string("expected ") + w);
    }
    std::optional<sql_error> expect_sym(const char* s) {
        if (accept_sym(s)) return std::nullopt;
        return fail(std::string("expected '") + s + "'");
    }
    checked<std::string> identifier(const char* what) {
        const token& t = peek();
        if (t.kind == tok::quoted_ident || (t.kind == tok::ident && !reserved.count(t.upper))) {
            ++i_;
            return t.text;
        }
        return fail(std::string("expected ") + what);
    }
    checked<std::string> string_literal(const char* what) {
        if (peek().kind != tok::string) return fail(std::string("expected ") + what + " as a 'quoted string'");
        return t_[i_++].text;
    }

    checked<statement> statement_() {
        position at = peek().pos;
        if (accept_kw("SET")) {
            set_stmt s;
            s.pos = at;
            auto k = string_literal("the option name");
            if (!k) return k.err();
            if (auto e = expect_sym("=")) return *e;
            auto v = string_literal("the option value");
            if (!v) return v.err();
            s.key = *k;
            s.value = *v;
            return statement{std::move(s)};
        }
        if (accept_kw("CREATE")) {
            if (auto e = expect_kw("TABLE")) return *e;
            auto c = create_table_(at);
            if (!c) return c.err();
            return statement{std::move(*c)};
        }
        if (accept_kw("INSERT")) {
            insert_stmt s;
            s.pos = at;
            if (auto e = expect_kw("INTO")) return *e;
            s.sink_pos = peek().pos;
            auto n = identifier("the sink table name");
            if (!n) return n.err();
            s.sink = *n;
            if (!is_kw("SELECT")) return fail("expected SELECT (INSERT INTO sink SELECT ...)");
            auto q = select_();
            if (!q) return q.err();
            s.query = std::move(*q);
            return statement{std::move(s)};
        }
        if (is_kw("SELECT"))
            return fail("a bare SELECT has nowhere to write its rows: use INSERT INTO <sink table> SELECT ...");
        return fail("expected SET, CREATE TABLE or INSERT INTO");
    }

    checked<sql_type> type_() {
        sql_type ty;
        const token& t = peek();
        if (t.kind != tok::ident) return fail("expected a column type");
        std::string u = t.upper;
        ++i_;
        ty.name = u;
        if (u == "STRING" || u == "VARCHAR" || u == "CHAR" || u == "BYTES") ty.id = type_id::string;
        else if (u == "BOOLEAN") ty.id = type_id::boolean;
        else if (u == "TINYINT" || u == "SMALLINT" || u == "INT" || u == "INTEGER" || u == "BIGINT") ty.id = type_id::bigint;
        else if (u == "DOUBLE" || u == "FLOAT" || u == "DECIMAL" || u == "DEC" || u == "NUMERIC") ty.id = type_id::double_;
        else if (u == "TIMESTAMP" || u == "TIMESTAMP_LTZ") ty.id = type_id::timestamp;
        else {
            --i_;
            return fail("unknown type (supported: STRING, VARCHAR, CHAR, BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, TIMESTAMP, TIMESTAMP_LTZ)");
        }
        if (u == "DOUBLE") accept_kw("PRECISION");
        if (accept_sym("(")) {
            ty.name += "(";
            for (bool first = true; !accept_sym(")"); first = false) {
                if (!first) { if (auto e = expect_sym(",")) return *e; ty.name += ","; }
                if (peek().kind != tok::number) return fail("expected a number in the type's parameters");
                ty.name += t_[i_++].text;
            }
            ty.name += ")";
        }
        if (ty.id == type_id::timestamp) {
            if (accept_kw("WITH")) {
                for (const char* w : {"LOCAL", "TIME", "ZONE"})
                    if (auto e = expect_kw(w)) return *e;
                ty.name += " WITH LOCAL TIME ZONE";
            } else if (accept_kw("WITHOUT")) {
                for (const char* w : {"TIME", "ZONE"})
                    if (auto e = expect_kw(w)) return *e;
            }
        }
        if (is_kw("NOT") && is_kw("NULL", 1)) {
            i_ += 2;
            ty.not_null = true;
        }
        return ty;
    }

    checked<create_table> create_table_(position at) {
        create_table c;
        c.pos = at;
        if (is_kw("IF")) { // IF NOT EXISTS: a job file creates each table once anyway
            i_++;
            if (auto e = expect_kw("NOT")) return *e;
            if (auto e = expect_kw("EXISTS")) return *e;
        }
        auto n = identifier("the table name");
        if (!n) return n.err();
        c.name = *n;
        if (auto e = expect_sym("(")) return *e;
        do {
            if (is_kw("WATERMARK")) {
                ++i_;
                if (auto e = expect_kw("FOR")) return *e;
                c.watermark_pos = peek().pos;
                auto col = identifier("the watermark column");
                if (!col) return col.err();
                c.watermark_column = *col;
                if (auto e = expect_kw("AS")) return *e;
                auto w = expression();
                if (!w) return w.err();
                c.watermark = std::move(*w);
                continue;
            }
            if (is_kw("PRIMARY")) {
                c.primary_key_pos = peek().pos;
                ++i_;
                if (auto e = expect_kw("KEY")) return *e;
                if (auto e = expect_sym("(")) return *e;
                do {
                    auto k = identifier("a primary key column");
                    if (!k) return k.err();
                    c.primary_key.push_back(*k);
                } while (accept_sym(","));
                if (auto e = expect_sym(")")) return *e;
                if (accept_kw("NOT")) { if (auto e = expect_kw("ENFORCED")) return *e; }
                continue;
            }
            column_def col;
            col.pos = peek().pos;
            auto cn = identifier("a column name");
            if (!cn) return cn.err();
            col.name = *cn;
            if (accept_kw("AS")) {
                auto e = expression();
                if (!e) return e.err();
                col.computed = std::move(*e);
            } else {
                auto ty = type_();
                if (!ty) return ty.err();
                col.type = *ty;
                if (accept_kw("METADATA")) {
                    col.metadata_key = col.name;
                    if (accept_kw("FROM")) {
                        auto k = string_literal("the metadata key");
                        if (!k) return k.err();
                        col.metadata_key = *k;
                    }
                    col.is_virtual = accept_kw("VIRTUAL");
                }
            }
            c.columns.push_back(std::move(col));
        } while (accept_sym(","));
        if (auto e = expect_sym(")")) return *e;
        if (accept_kw("WITH")) {
            if (auto e = expect_sym("(")) return *e;
            do {
                table_option o;
                o.pos = peek().pos;
                auto k = string_literal("an option name");
                if (!k) return k.err();
                if (auto e = expect_sym("=")) return *e;
                auto v = string_literal("an option value");
                if (!v) return v.err();
                o.key = *k;
                o.value = *v;
                c.options.push_back(std::move(o));
            } while (accept_sym(","));
            if (auto e = expect_sym(")")) return *e;
        }
        return c;
    }

    checked<select_query> select_() {
        select_query q;
        q.pos = peek().pos;
        if (auto e = expect_kw("SELECT")) return *e;
        do {
            select_item it;
            if (is_sym("*")) { // SELECT *: every column of the source (the planner expands it)
                it.e = make(expr::kind::star, peek().pos);
                ++i_;
                q.items.push_back(std::move(it));
                continue;
            }
            auto e = expression();
            if (!e) return e.err();
            it.e = std::move(*e);
            if (accept_kw("AS")) {
                auto a = identifier("an alias");
                if (!a) return a.err();
                it.alias = *a;
            } else if (peek().kind == tok::quoted_ident || (peek().kind == tok::ident && !reserved.count(peek().upper))) {
                it.alias = t_[i_++].text;
            }
            q.items.push_back(std::move(it));
        } while (accept_sym(","));
        if (auto e = expect_kw("FROM")) return *e;
        if (is_kw("TABLE") && is_sym("(", 1)) {
            i_ += 2;
            auto call = primary();
            if (!call) return call.err();
            if ((*call)->k != expr::kind::call) return sql_error{(*call)->pos, "expected a window function call: TUMBLE, HOP, CUMULATE or SESSION"};
            q.from = std::move(*call);
            if (auto e = expect_sym(")")) return *e;
        } else {
            auto f = std::make_unique<expr>();
            f->k = expr::kind::column;
            f->pos = peek().pos;
            auto n = identifier("a table name or TABLE(window function)");
            if (!n) return n.err();
            f->name = *n;
            q.from = std::move(f);
        }
        if (peek().kind == tok::ident && !reserved.count(peek().upper)) ++i_; // a table alias
        if (accept_kw("WHERE")) {
            auto w = expression();
            if (!w) return w.err();
            q.where = std::move(*w);
        }
        if (accept_kw("GROUP")) {
            if (auto e = expect_kw("BY")) return *e;
            do {
                auto g = expression();
                if (!g) return g.err();
                q.group_by.push_back(std::move(*g));
            } while (accept_sym(","));
        }
        if (accept_kw("HAVING")) {
            auto h = expression();
            if (!h) return h.err();
            q.having = std::move(*h);
        }
        if (is_kw("EMIT")) {
            q.emit_pos = peek().pos;
            ++i_;
            if (auto e = expect_kw("CHANGES")) return *e;
            q.emit_changes = true;
        }
        return q;
    }

    // Precedence, loosest first: OR, AND, NOT, comparison/IS/BETWEEN/IN/LIKE, + - ||, * / %, unary -.
    checked<expr_ptr> expression() { return or_(); }

    static expr_ptr make(expr::kind k, position pos, std::string name = {}) {
        auto e = std::make_unique<expr>();
        e->k = k;
        e->pos = pos;
        e->name = std::move(name);
        return e;
    }
    static expr_ptr binary(std::string op, expr_ptr l, expr_ptr r) {
        auto e = make(expr::kind::binary, l->pos, std::move(op));
        e->args.push_back(std::move(l));
        e->args.push_back(std::move(r));
        return e;
    }

    checked<expr_ptr> or_() {
        auto l = and_();
        if (!l) return l;
        while (accept_kw("OR")) {
            auto r = and_();
            if (!r) return r;
            l = binary("OR", std::move(*l), std::move(*r));
        }
        return l;
    }
    checked<expr_ptr> and_() {
        auto l = not_();
        if (!l) return l;
        while (accept_kw("AND")) {
            auto r = not_();
            if (!r) return r;
            l = binary("AND", std::move(*l), std::move(*r));
        }
        return l;
    }
    checked<expr_ptr> not_() {
        if (is_kw("NOT")) {
            auto e = make(expr::kind::unary, peek().pos, "NOT");
            ++i_;
            auto a = not_();
            if (!a) return a;
            e->args.push_back(std::move(*a));
            return e;
        }
        return comparison();
    }
    checked<expr_ptr> comparison() {
        auto l = additive();
        if (!l) return l;
        for (const char* op : {"=", "<>", "!=", "<", "<=", ">", ">="}) {
            if (accept_sym(op)) {
                auto r = additive();
                if (!r) return r;
                return binary(std::string(op) == "!=" ? "<>" : op, std::move(*l), std::move(*r));
            }
        }
        if (accept_kw("IS")) {
            auto e = make(expr::kind::is_null, (*l)->pos);
            e->negated = accept_kw("NOT");
            if (auto err = expect_kw("NULL")) return *err;
            e->args.push_back(std::move(*l));
            return e;
        }
        bool neg = false;
        if (is_kw("NOT") && (is_kw("BETWEEN", 1) || is_kw("IN", 1) || is_kw("LIKE", 1))) { neg = true; ++i_; }
        if (accept_kw("BETWEEN")) {
            auto e = make(expr::kind::between, (*l)->pos);
            e->negated = neg;
            e->args.push_back(std::move(*l));
            auto lo = additive();
            if (!lo) return lo;
            if (auto err = expect_kw("AND")) return *err;
            auto hi = additive();
            if (!hi) return hi;
            e->args.push_back(std::move(*lo));
            e->args.push_back(std::move(*hi));
            return e;
        }
        if (accept_kw("IN")) {
            auto e = make(expr::kind::in_list, (*l)->pos);
            e->negated = neg;
            e->args.push_back(std::move(*l));
            if (auto err = expect_sym("(")) return *err;
            do {
                auto x = expression();
                if (!x) return x;
                e->args.push_back(std::move(*x));
            } while (accept_sym(","));
            if (auto err = expect_sym(")")) return *err;
            return e;
        }
        if (accept_kw("LIKE")) {
            auto e = make(expr::kind::like, (*l)->pos);
            e->negated = neg;
            e->args.push_back(std::move(*l));
            auto p = additive();
            if (!p) return p;
            e->args.push_back(std::move(*p));
            return e;
        }
        return l;
    }
    checked<expr_ptr> additive() {
        auto l = multiplicative();
        if (!l) return l;
        for (;;) {
            const char* op = is_sym("+") ? "+" : is_sym("-") ? "-" : is_sym("||") ? "||" : nullptr;
            if (!op) return l;
            ++i_;
            auto r = multiplicative();
            if (!r) return r;
            l = binary(op, std::move(*l), std::move(*r));
        }
    }
    checked<expr_ptr> multiplicative() {
        auto l = unary();
        if (!l) return l;
        for (;;) {
            const char* op = is_sym("*") ? "*" : is_sym("/") ? "/" : is_sym("%") ? "%" : nullptr;
            if (!op) return l;
            ++i_;
            auto r = unary();
            if (!r) return r;
            l = binary(op, std::move(*l), std::move(*r));
        }
    }
    checked<expr_ptr> unary() {
        if (is_sym("-")) {
            auto e = make(expr::kind::unary, peek().pos, "-");
            ++i_;
            auto a = unary();
            if (!a) return a;
            e->args.push_back(std::move(*a));
            return e;
        }
        if (accept_sym("+")) return unary();
        return primary();
    }

    checked<expr_ptr> interval_(position at) {
        if (peek().kind != tok::string) return fail("expected the interval's amount as a string, e.g. INTERVAL '5' SECOND");
        std::string amount = t_[i_++].text;
        double n = 0;
        auto r = std::from_chars(amount.data(), amount.data() + amount.size(), n);
        if (r.ec != std::errc() || r.ptr != amount.data() + amount.size())
            return sql_error{t_[i_ - 1].pos, "bad interval amount '" + amount + "': expected a number"};
        static const std::pair<const char*, int64_t> units[] = {
            {"MILLISECOND", 1}, {"SECOND", 1000}, {"MINUTE", 60000}, {"HOUR", 3600000}, {"DAY", 86400000}};
        if (peek().kind == tok::ident) {
            std::string u = peek().upper;
            if (u.size() > 1 && u.back() == 'S') u.pop_back();
            for (auto [name, ms] : units) {
                if (u == name) {
                    ++i_;
                    if (accept_sym("(")) { // SECOND(3): the precision changes nothing at millisecond resolution
                        while (!at_end() && !is_sym(")")) ++i_;
                        if (auto e = expect_sym(")")) return *e;
                    }
                    auto e = make(expr::kind::literal, at);
                    e->lit = interval_ms{int64_t(std::llround(n * double(ms)))};
                    e->name = "INTERVAL '" + amount + "' " + name;
                    return e;
                }
            }
        }
        return fail("expected an interval unit (MILLISECOND, SECOND, MINUTE, HOUR, DAY)");
    }

    checked<expr_ptr> primary() {
        const token& t = peek();
        position at = t.pos;
        if (t.kind == tok::number) {
            ++i_;
            auto e = make(expr::kind::literal, at);
            if (t.text.find_first_of(".eE") == std::string::npos) {
                int64_t v = 0;
                auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
                if (r.ec != std::errc()) return sql_error{at, "integer literal " + t.text + " is out of range"};
                e->lit = v;
            } else {
                double d = 0;
                auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), d);
                if (r.ec != std::errc() || r.ptr != t.text.data() + t.text.size()) return sql_error{at, "bad number " + t.text};
                e->lit = d;
            }
            return e;
        }
        if (t.kind == tok::string) {
            ++i_;
            auto e = make(expr::kind::literal, at);
            e->lit = t.text;
            return e;
        }
        if (accept_sym("(")) {
            auto e = expression();
            if (!e) return e;
            if (auto err = expect_sym(")")) return *err;
            return e;
        }
        if (t.kind == tok::quoted_ident) {
            ++i_;
            return column_ref(t.text, at);
        }
        if (t.kind != tok::ident) return fail("expected an expression");
        const std::string u = t.upper;
        if (u == "NULL" || u == "TRUE" || u == "FALSE") {
            ++i_;
            auto e = make(expr::kind::literal, at);
            if (u != "NULL") e->lit = (u == "TRUE");
            return e;
        }
        if (u == "INTERVAL") { ++i_; return interval_(at); }
        if (u == "CASE") { ++i_; return case_(at); }
        if ((u == "CAST" || u == "TRY_CAST") && is_sym("(", 1)) {
            i_ += 2;
            auto e = make(expr::kind::cast, at);
            e->try_cast = u == "TRY_CAST";
            auto a = expression();
            if (!a) return a;
            e->args.push_back(std::move(*a));
            if (auto err = expect_kw("AS")) return *err;
            auto ty = type_();
            if (!ty) return ty.err();
            e->type = *ty;
            if (auto err = expect_sym(")")) return *err;
            return e;
        }
        if (u == "TABLE") { // TABLE t [PARTITION BY a, b]: the DATA argument of a window function
            ++i_;
            auto e = make(expr::kind::table_arg, at);
            auto n = identifier("a table name after TABLE");
            if (!n) return n.err();
            e->name = *n;
            if (accept_kw("PARTITION")) {
                if (auto err = expect_kw("BY")) return *err;
                // Several columns need parentheses: a bare comma ends the DATA argument.
                bool paren = accept_sym("(");
                do {
                    e->partition_pos.push_back(peek().pos);
                    auto c = identifier("a PARTITION BY column");
                    if (!c) return c.err();
                    e->partition_by.push_back(*c);
                } while (paren && accept_sym(","));
                if (paren) if (auto err = expect_sym(")")) return *err;
            }
            return e;
        }
        if (u == "DESCRIPTOR" && is_sym("(", 1)) {
            i_ += 2;
            auto e = make(expr::kind::descriptor, peek().pos); // errors point at the column
            auto n = identifier("the time column in DESCRIPTOR(...)");
            if (!n) return n.err();
            e->name = *n;
            if (auto err = expect_sym(")")) return *err;
            return e;
        }
        if (reserved.count(u)) return fail("expected an expression");
        ++i_;
        if (is_sym("=>")) { // named argument of a table function
            ++i_;
            auto e = make(expr::kind::named_arg, at, u);
            auto a = expression();
            if (!a) return a;
            e->args.push_back(std::move(*a));
            return e;
        }
        if (accept_sym("(")) return call(u, at);
        return column_ref(t.text, at);
    }

    checked<expr_ptr> column_ref(const std::string& name, position at) {
        auto e = make(expr::kind::column, at, name);
        if (accept_sym(".")) { // t.col
            auto c = identifier("a column name after '.'");
            if (!c) return c.err();
            e->qualifier = name;
            e->name = *c;
        }
        return e;
    }

    checked<expr_ptr> call(const std::string& fn, position at) {
        auto e = make(expr::kind::call, at, fn);
        if (accept_sym(")")) return e;
        if (accept_kw("DISTINCT")) e->distinct = true;
        if (is_sym("*") && is_sym(")", 1)) {
            i_ += 2;
            e->args.push_back(make(expr::kind::star, at));
            return e;
        }
        do {
            auto a = expression();
            if (!a) return a;
            e->args.push_back(std::move(*a));
            // SUBSTRING(s FROM a [FOR b]) and TRIM-like forms read as positional arguments.
            if (fn == "SUBSTRING" && (accept_kw("FROM") || accept_kw("FOR"))) {
                auto b = expression();
                if (!b) return b;
                e->args.push_back(std::move(*b));
                if (accept_kw("FOR")) {
                    auto c = expression();
                    if (!c) return c;
                    e->args.push_back(std::move(*c));
                }
                break;
            }
        } while (accept_sym(","));
        if (auto err = expect_sym(")")) return *err;
        return e;
    }

    checked<expr_ptr> case_(position at) {
        auto e = make(expr::kind::case_, at);
        if (!is_kw("WHEN")) {
            auto op = expression();
            if (!op) return op;
            e->has_operand = true;
            e->args.push_back(std::move(*op));
        }
        if (!is_kw("WHEN")) return fail("expected WHEN in CASE");
        while (accept_kw("WHEN")) {
            auto w = expression();
            if (!w) return w;
            if (auto err = expect_kw("THEN")) return *err;
            auto th = expression();
            if (!th) return th;
            e->args.push_back(std::move(*w));
            e->args.push_back(std::move(*th));
        }
        if (accept_kw("ELSE")) {
            auto el = expression();
            if (!el) return el;
            e->has_else = true;
            e->args.push_back(std::move(*el));
        }
        if (auto err = expect_kw("END")) return *err;
        return e;
    }
};

} // namespace

checked<std::vector<statement>> parse_script(std::string_view sql) {
    auto toks = lex(sql);
    if (!toks) return toks.err();
    return parser(std::move(*toks)).script();
}

checked<expr_ptr> parse_expression(std::string_view sql) {
    auto toks = lex(sql);
    if (!toks) return toks.err();
    return parser(std::move(*toks)).single_expression();
}

} // namespace brook::stream
