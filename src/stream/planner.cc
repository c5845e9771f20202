#include "stream/planner.h"

#include <cstdlib>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace brook::stream {
namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool is_window_column(const expr& e, int* which = nullptr) {
    if (e.k != expr::kind::column) return false;
    static const char* names[] = {"window_start", "window_end", "window_time"};
    for (int i = 0; i < 3; ++i)
        if (lower(e.name) == names[i]) {
            if (which) *which = i;
            return true;
        }
    return false;
}

std::string ms_text(int64_t ms) { return std::to_string(ms) + " ms"; }

// The arguments of TUMBLE / HOP / CUMULATE / SESSION, positional or named.
struct tvf_args {
    const expr* data = nullptr;
    const expr* timecol = nullptr;
    std::map<std::string, const expr*> intervals; // SIZE, SLIDE, STEP, GAP, OFFSET, GRACE
};

checked<tvf_args> read_tvf_args(const expr& call) {
    static const std::map<std::string, std::vector<std::string>> positional = {
        {"TUMBLE", {"DATA", "TIMECOL", "SIZE", "OFFSET"}},
        {"HOP", {"DATA", "TIMECOL", "SLIDE", "SIZE", "OFFSET"}},
        {"CUMULATE", {"DATA", "TIMECOL", "STEP", "SIZE", "OFFSET"}},
        {"SESSION", {"DATA", "TIMECOL", "GAP"}},
    };
    auto pit = positional.find(call.name);
    if (pit == positional.end())
        return sql_error{call.pos, "unknown window function '" + call.name + "' (TUMBLE, HOP, CUMULATE or SESSION)"};
    const auto& order = pit->second;
    std::set<std::string> allowed(order.begin(), order.end());
    allowed.insert("GRACE");
    tvf_args out;
    std::set<std::string> seen;
    bool named_seen = false;
    for (size_t i = 0; i < call.args.size(); ++i) {
        const expr* a = call.args[i].get();
        std::string name;
        if (a->k == expr::kind::named_arg) {
            named_seen = true;
            name = a->name;
            if (!allowed.count(name)) {
                std::string list;
                for (const auto& n : order) list += (list.empty() ? "" : ", ") + n;
                return sql_error{a->pos, call.name + " has no parameter " + name + " (it takes " + list + ", GRACE)"};
            }
            a = a->args[0].get();
        } else {
            if (named_seen) return sql_error{a->pos, "a positional argument cannot follow a named one"};
            if (i >= order.size()) return sql_error{a->pos, call.name + " takes at most " + std::to_string(order.size()) + " positional arguments (GRACE only by name: GRACE => INTERVAL ...)"};
            name = order[i];
        }
        if (!seen.insert(name).second) return sql_error{a->pos, call.name + "'s " + name + " is given twice"};
        if (name == "DATA") {
            if (a->k != expr::kind::table_arg) return sql_error{a->pos, call.name + "'s DATA must be TABLE <name>"};
            out.data = a;
        } else if (name == "TIMECOL") {
            if (a->k != expr::kind::descriptor) return sql_error{a->pos, call.name + "'s TIMECOL must be DESCRIPTOR(<time column>)"};
            out.timecol = a;
        } else {
            out.intervals[name] = a;
        }
    }
    for (const auto& n : order) {
        if (n == "OFFSET") continue;
        if (!seen.count(n)) return sql_error{call.pos, call.name + " needs its " + n + " argument"};
    }
    return out;
}

checked<int64_t> interval_arg(const expr& e, const std::string& what) {
    if (e.k == expr::kind::literal)
        if (auto* iv = std::get_if<interval_ms>(&e.lit)) return iv->ms;
    if (e.k == expr::kind::unary && e.name == "-" && e.args[0]->k == expr::kind::literal)
        if (auto* iv = std::get_if<interval_ms>(&e.args[0]->lit)) return -iv->ms;
    return sql_error{e.pos, what + " must be an INTERVAL literal, e.g. INTERVAL '10' MINUTES"};
}

scope table_scope(const table_def& t) {
    scope s;
    s.column = [&t](const std::string& n) -> std::optional<std::pair<int, type_id>> {
        auto slot = t.find(n);
        if (!slot) return std::nullopt;
        return std::make_pair(*slot, t.columns[size_t(*slot)].type);
    };
    s.known_columns = [&t] { return t.column_list(); };
    return s;
}

bool assignable(type_id from, type_id to) {
    if (from == type_id::null || from == to) return true;
    bool fn = from == type_id::bigint || from == type_id::double_;
    bool tn = to == type_id::bigint || to == type_id::double_;
    return (fn && tn) || to == type_id::string;
}

checked<job_plan> plan_insert(const insert_stmt& ins, const catalog& cat) {
    job_plan p;
    p.name = "INSERT INTO " + ins.sink + " (line " + std::to_string(ins.pos.line) + ")";
    const table_def* sink = cat.find(ins.sink);
    if (!sink) return sql_error{ins.sink_pos, "unknown table '" + ins.sink + "' (declare it with CREATE TABLE first)"};
    p.sink = *sink;
    const auto& q = ins.query;

    // FROM: a table, or a window table function over one.
    const expr& from = *q.from;
    std::string source_name;
    position source_pos = from.pos;
    const expr* tvf = nullptr;
    tvf_args targs;
    if (from.k == expr::kind::column) {
        source_name = from.name;
    } else {
        auto a = read_tvf_args(from);
        if (!a) return a.err();
        targs = *a;
        tvf = &from;
        source_name = targs.data->name;
        source_pos = targs.data->pos;
    }
    const table_def* src = cat.find(source_name);
    if (!src) return sql_error{source_pos, "unknown table '" + source_name + "'"};
    if (src == sink) return sql_error{source_pos, "a job cannot read and write the same table '" + source_name + "'"};
    if (src->kafka.upsert)
        return sql_error{source_pos, "table '" + source_name + "' is an upsert-kafka changelog; windows read append-only 'kafka' tables"};
    p.source = *src;
    const table_def& S = p.source;

    if (tvf) {
        auto& sp = p.spec;
        const std::string& fn = tvf->name;
        sp.kind = fn == "TUMBLE" ? window_kind::tumble : fn == "HOP" ? window_kind::hop
                : fn == "CUMULATE" ? window_kind::cumulate : window_kind::session;
        // TIMECOL: the table's time attribute (the column its WATERMARK is declared for).
        const expr& tc = *targs.timecol;
        auto slot = S.find(tc.name);
        if (!slot) return sql_error{tc.pos, "unknown column '" + tc.name + "' in DESCRIPTOR (columns of " + S.name + ": " + S.column_list() + ")"};
        if (S.rowtime < 0)
            return sql_error{tc.pos, fn + " needs a time attribute, but table '" + S.name + "' declares no watermark: add WATERMARK FOR " + tc.name + " AS " + tc.name + " - INTERVAL '5' SECOND to its CREATE TABLE"};
        if (*slot != S.rowtime)
            return sql_error{tc.pos, "column '" + tc.name + "' is not a time attribute of '" + S.name + "' (its WATERMARK is declared for '" + S.columns[size_t(S.rowtime)].name + "')"};
        for (auto& [name, e] : targs.intervals) {
            auto v = interval_arg(*e, fn + "'s " + name);
            if (!v) return v.err();
            if (name == "SIZE") sp.size = *v;
            else if (name == "SLIDE" || name == "STEP") sp.slide = *v;
            else if (name == "GAP") sp.gap = *v;
            else if (name == "OFFSET") sp.offset = *v;
            else if (name == "GRACE") sp.grace = *v;
            if ((name == "SIZE" || name == "SLIDE" || name == "STEP" || name == "GAP") && *v <= 0)
                return sql_error{e->pos, fn + "'s " + name + " must be positive, got " + ms_text(*v)};
            if (name == "GRACE" && *v < 0) return sql_error{e->pos, "GRACE must not be negative, got " + ms_text(*v)};
        }
        if (sp.kind == window_kind::hop && sp.size % sp.slide != 0)
            return sql_error{tvf->pos, "HOP size (" + ms_text(sp.size) + ") must be an integral multiple of its slide (" + ms_text(sp.slide) + ")"};
        if (sp.kind == window_kind::cumulate && sp.size % sp.slide != 0)
            return sql_error{tvf->pos, "CUMULATE size (" + ms_text(sp.size) + ") must be an integral multiple of its step (" + ms_text(sp.slide) + ")"};
        if (!targs.data->partition_by.empty() && sp.kind != window_kind::session)
            return sql_error{targs.data->partition_pos[0], "PARTITION BY is only allowed in SESSION windows"};
        for (size_t i = 0; i < targs.data->partition_by.size(); ++i)
            if (!S.find(targs.data->partition_by[i]))
                return sql_error{targs.data->partition_pos[i], "unknown column '" + targs.data->partition_by[i] + "' in PARTITION BY (columns of " + S.name + ": " + S.column_list() + ")"};
    }

    std::vector<position> item_pos; // of each output column (SELECT * gives several)
    bool has_agg = false;
    std::function<void(const expr&)> find_agg = [&](const expr& e) {
        if (e.k == expr::kind::call && is_aggregate_name(e.name)) has_agg = true;
        for (const auto& a : e.args) find_agg(*a);
    };
    for (const auto& it : q.items) find_agg(*it.e);
    // A window TVF with neither GROUP BY nor aggregates: one row per input row and window, the
    // source's columns followed by window_start, window_end, window_time (Flink's TVF output).
    p.window_rows = tvf && q.group_by.empty() && !has_agg;
    if (p.window_rows && p.spec.kind == window_kind::session)
        return sql_error{tvf->pos, "SESSION is supported as a window aggregation only: add GROUP BY window_start, window_end and aggregates"};

    scope in = table_scope(S);
    if (p.window_rows) {
        const int base = int(S.columns.size());
        in.column = [&S, base](const std::string& n) -> std::optional<std::pair<int, type_id>> {
            static const char* names[] = {"window_start", "window_end", "window_time"};
            for (int i = 0; i < 3; ++i)
                if (lower(n) == names[i]) return std::make_pair(base + i, type_id::timestamp);
            auto slot = S.find(n);
            if (!slot) return std::nullopt;
            return std::make_pair(*slot, S.columns[size_t(*slot)].type);
        };
        in.known_columns = [&S] { return S.column_list() + ", window_start, window_end, window_time"; };
    }
    if (q.where) {
        scope ws = in;
        if (!p.window_rows)
            ws.intercept = [](const expr& e) -> std::optional<checked<bexpr>> {
                if (is_window_column(e)) return checked<bexpr>(sql_error{e.pos, e.name + " is not available in WHERE (rows are filtered before windowing); filter windows in HAVING"});
                return std::nullopt;
            };
        auto w = bind(*q.where, ws);
        if (!w) return w.err();
        if (w->type != type_id::boolean && w->type != type_id::null)
            return sql_error{q.where->pos, "WHERE needs a BOOLEAN condition, not " + type_name(w->type)};
        p.where = std::move(*w);
    }


    if (!tvf || p.window_rows) {
        if (!q.group_by.empty())
            return sql_error{q.group_by[0]->pos, "GROUP BY without a window is not supported (it needs an updating result): group by window_start, window_end of a TUMBLE, HOP, CUMULATE or SESSION"};
        if (q.emit_changes) return sql_error{q.emit_pos, "EMIT CHANGES needs a windowed aggregation"};
        for (const auto& it : q.items) {
            if (it.e->k == expr::kind::star) {
                const size_t n = S.columns.size() + (p.window_rows ? 3 : 0);
                for (size_t c = 0; c < n; ++c) {
                    bexpr col;
                    col.o = bexpr::op::slot;
                    col.slot = int(c);
                    col.type = c < S.columns.size() ? S.columns[c].type : type_id::timestamp;
                    p.output.push_back(std::move(col));
                    item_pos.push_back(it.e->pos);
                }
                continue;
            }
            auto b = bind(*it.e, in);
            if (!b) return b.err();
            p.output.push_back(std::move(*b));
            item_pos.push_back(it.e->pos);
        }
    } else {
        for (const auto& it : q.items)
            if (it.e->k == expr::kind::star)
                return sql_error{it.e->pos, "SELECT * is not allowed in a window aggregation: name the grouped columns and aggregates"};
        if (!has_agg)
            return sql_error{q.group_by[0]->pos, "a GROUP BY over a window table function needs aggregates (COUNT, SUM, MIN, MAX, AVG)"};
        p.windowed = true;
        p.emit_changes = q.emit_changes;
        bool has_start = false, has_end = false;
        std::vector<std::string> key_sql;
        for (const auto& g : q.group_by) {
            int which = -1;
            if (is_window_column(*g, &which)) {
                has_start |= which == 0;
                has_end |= which == 1;
                continue;
            }
            auto b = bind(*g, in);
            if (!b) return b.err();
            p.keys.push_back(std::move(*b));
            key_sql.push_back(to_sql(*g));
        }
        if (!has_start || !has_end)
            return sql_error{q.group_by[0]->pos, "GROUP BY of a window aggregation must contain window_start and window_end"};
        if (p.spec.kind == window_kind::session) {
            for (size_t i = 0; i < targs.data->partition_by.size(); ++i) {
                const auto& pc = targs.data->partition_by[i];
                if (std::find(key_sql.begin(), key_sql.end(), lower(pc)) == key_sql.end())
                    return sql_error{targs.data->partition_pos[i], "SESSION's PARTITION BY column '" + pc + "' must also be in GROUP BY"};
            }
        }
        const int nkeys = int(p.keys.size());
        std::vector<type_id> key_types;
        for (const auto& k : p.keys) key_types.push_back(k.type);
        std::map<std::string, int> agg_index; // canonical SQL -> aggregate slot (shared duplicates)
        scope out;
        out.intercept = [&](const expr& e) -> std::optional<checked<bexpr>> {
            if (e.k == expr::kind::call && is_aggregate_name(e.name)) {
                agg_call c;
                const std::string sqltext = to_sql(e);
                if (auto it = agg_index.find(sqltext); it != agg_index.end()) {
                    bexpr r;
                    r.o = bexpr::op::slot;
                    r.slot = nkeys + 3 + it->second;
                    r.type = p.aggs[size_t(it->second)].result_type();
                    return checked<bexpr>(std::move(r));
                }
                if (e.args.size() != 1) return checked<bexpr>(sql_error{e.pos, e.name + " takes one argument"});
                if (e.args[0]->k == expr::kind::star) {
                    if (e.name != "COUNT") return checked<bexpr>(sql_error{e.pos, e.name + "(*) is not allowed: only COUNT(*)"});
                    c.fn = agg_fn::count_star;
                } else {
                    if (e.distinct && e.name != "COUNT") return checked<bexpr>(sql_error{e.pos, "DISTINCT is supported in COUNT(DISTINCT ...) only"});
                    scope argscope = in;
                    argscope.intercept = [](const expr& x) -> std::optional<checked<bexpr>> {
                        if (x.k == expr::kind::call && is_aggregate_name(x.name))
                            return checked<bexpr>(sql_error{x.pos, "aggregate calls cannot be nested"});
                        if (is_window_column(x)) return checked<bexpr>(sql_error{x.pos, x.name + " cannot be aggregated"});
                        return std::nullopt;
                    };
                    auto a = bind(*e.args[0], argscope);
                    if (!a) return checked<bexpr>(a.err());
                    c.arg_type = a->type;
                    if ((e.name == "SUM" || e.name == "AVG") && a->type != type_id::bigint && a->type != type_id::double_)
                        return checked<bexpr>(sql_error{e.args[0]->pos, e.name + " needs a numeric argument, not " + type_name(a->type)});
                    c.fn = e.name == "COUNT" ? (e.distinct ? agg_fn::count_distinct : agg_fn::count)
                         : e.name == "SUM" ? agg_fn::sum : e.name == "MIN" ? agg_fn::min
                         : e.name == "MAX" ? agg_fn::max : agg_fn::avg;
                    c.arg = int(p.agg_args.size());
                    p.agg_args.push_back(std::move(*a));
                }
                int idx = int(p.aggs.size());
                p.aggs.push_back(c);
                agg_index[sqltext] = idx;
                bexpr r;
                r.o = bexpr::op::slot;
                r.slot = nkeys + 3 + idx;
                r.type = c.result_type();
                return checked<bexpr>(std::move(r));
            }
            int which = -1;
            if (is_window_column(e, &which)) {
                bexpr r;
                r.o = bexpr::op::slot;
                r.slot = nkeys + which;
                r.type = type_id::timestamp;
                return checked<bexpr>(std::move(r));
            }
            if (e.k != expr::kind::literal) {
                auto sqltext = to_sql(e);
                for (int i = 0; i < nkeys; ++i)
                    if (key_sql[size_t(i)] == sqltext) {
                        bexpr r;
                        r.o = bexpr::op::slot;
                        r.slot = i;
                        r.type = key_types[size_t(i)];
                        return checked<bexpr>(std::move(r));
                    }
            }
            if (e.k == expr::kind::column) {
                if (!S.find(e.name)) return std::nullopt; // reported as an unknown column
                return checked<bexpr>(sql_error{e.pos, "column '" + e.name + "' is neither in GROUP BY nor inside an aggregate function"});
            }
            return std::nullopt;
        };
        out.known_columns = [&] { return S.column_list() + ", window_start, window_end, window_time"; };
        for (const auto& it : q.items) {
            auto b = bind(*it.e, out);
            if (!b) return b.err();
            p.output.push_back(std::move(*b));
            item_pos.push_back(it.e->pos);
        }
        if (q.having) {
            auto h = bind(*q.having, out);
            if (!h) return h.err();
            if (h->type != type_id::boolean && h->type != type_id::null)
                return sql_error{q.having->pos, "HAVING needs a BOOLEAN condition, not " + type_name(h->type)};
            p.having = std::move(*h);
        }
    }
    if (q.having && !p.windowed) return sql_error{q.having->pos, "HAVING needs a window aggregation"};

    // The select list against the sink's columns, by position (as Flink's INSERT INTO does).
    std::vector<int> writable;
    for (size_t i = 0; i < sink->columns.size(); ++i) {
        const auto& c = sink->columns[i];
        if (c.from == column::source::physical || (c.from == column::source::metadata && !c.is_virtual && c.metadata_key == "timestamp"))
            writable.push_back(int(i));
    }
    if (writable.size() != p.output.size())
        return sql_error{p.output.size() > writable.size() ? item_pos[writable.size()] : q.pos,
                         "the query has " + std::to_string(p.output.size()) + " column(s) but sink '" + sink->name + "' takes " +
                             std::to_string(writable.size()) + " (" + [&] { std::string s; for (int w : writable) s += (s.empty() ? "" : ", ") + sink->columns[size_t(w)].name; return s; }() + ")"};
    for (size_t i = 0; i < writable.size(); ++i) {
        const auto& c = sink->columns[size_t(writable[i])];
        if (!assignable(p.output[i].type, c.type))
            return sql_error{item_pos[i], "column " + std::to_string(i + 1) + " of the query is " + type_name(p.output[i].type) + " but sink column '" + c.name + "' is " + c.type_text};
    }
    p.sink_slots = writable;
    if (src->kafka.startup_mode == "group-offsets" && src->kafka.group_id.empty())
        return sql_error{source_pos, "table '" + source_name + "' starts from the group's offsets (scan.startup.mode 'group-offsets', Flink's default) but has no 'properties.group.id'; set one, or 'scan.startup.mode' = 'earliest-offset'"};
    if (sink->kafka.exactly_once && src->kafka.group_id.empty())
        return sql_error{source_pos, "sink '" + sink->name + "' is exactly-once: its transactions commit the input offsets to the group of table '" + source_name + "', which needs a 'properties.group.id'"};
    if (p.emit_changes && !sink->kafka.upsert)
        return sql_error{q.emit_pos, "EMIT CHANGES produces updates and deletes: sink '" + sink->name + "' must use 'connector' = 'upsert-kafka' with a PRIMARY KEY"};
    return p;
}

} // namespace

checked<script_plan> plan_script(const std::vector<statement>& stmts, const std::string& default_brokers) {
    script_plan sp;
    sp.cat.default_brokers = default_brokers;
    static const std::set<std::string> known_settings = {"table.exec.source.idle-timeout", "pipeline.name", "table.local-time-zone",
                                                         "execution.checkpointing.interval", "pipeline.auto-watermark-interval",
                                                         "pipeline.max-parallelism"};
    for (const auto& st : stmts) {
        if (auto* s = std::get_if<set_stmt>(&st)) {
            if (s->key == "table.local-time-zone" && s->value != "UTC")
                return sql_error{s->pos, "brook sql computes in UTC only; 'table.local-time-zone' = '" + s->value + "' is not supported"};
            if ((s->key == "table.exec.source.idle-timeout" || s->key == "execution.checkpointing.interval" ||
                 s->key == "pipeline.auto-watermark-interval") &&
                (!parse_duration_ms(s->value) || (s->key == "execution.checkpointing.interval" && *parse_duration_ms(s->value) <= 0)))
                return sql_error{s->pos, "bad duration '" + s->value + "' for " + s->key};
            if (s->key == "pipeline.max-parallelism") {
                char* end = nullptr;
                long n = std::strtol(s->value.c_str(), &end, 10);
                if (s->value.empty() || *end != '\0' || n < 1 || n > 32768)
                    return sql_error{s->pos, "'pipeline.max-parallelism' must be a whole number from 1 to 32768, not '" + s->value + "'"};
            }
            if (!known_settings.count(s->key))
                sp.warnings.push_back("line " + std::to_string(s->pos.line) + ": SET '" + s->key + "' has no effect in brook sql (ignored)");
            sp.cat.settings[s->key] = s->value;
        } else if (auto* c = std::get_if<create_table>(&st)) {
            auto t = define_table(*c, sp.cat);
            if (!t) return t.err();
            sp.cat.tables[lower(c->name)] = std::move(*t);
        } else if (auto* ins = std::get_if<insert_stmt>(&st)) {
            auto j = plan_insert(*ins, sp.cat);
            if (!j) return j.err();
            if (auto it = sp.cat.settings.find("pipeline.auto-watermark-interval"); it != sp.cat.settings.end())
                j->watermark_interval_ms = *parse_duration_ms(it->second);
            if (auto it = sp.cat.settings.find("pipeline.max-parallelism"); it != sp.cat.settings.end())
                j->max_parallelism = int32_t(std::strtol(it->second.c_str(), nullptr, 10));
            sp.jobs.push_back(std::move(*j));
        }
    }
    return sp;
}

} // namespace brook::stream
