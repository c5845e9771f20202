#include "connect/postgres/catalog.h"

#include <algorithm>

namespace brook::connect::pg {

namespace {

std::string str(uint32_t v) { return std::to_string(v); }

expected<type_facts> facts_of(connection& c, uint32_t type_oid) {
    auto r = c.exec_params(
        "SELECT t.typtype, CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END, "
        "(SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), "
        "t.typbasetype, t.typtypmod FROM pg_type t WHERE t.oid = $1",
        {str(type_oid)});
    if (!r) return runtime_error("reading type " + str(type_oid) + ": " + r.err().message);
    if (r->rows() != 1) return runtime_error("type " + str(type_oid) + " not found in pg_type");
    type_facts f;
    f.oid = type_oid;
    f.typtype = r->get(0, 0)[0];
    f.element_oid = static_cast<uint32_t>(std::stoul(r->get(0, 1)));
    f.enum_labels = r->get_opt(0, 2).value_or("");
    if (f.typtype == 'd') {
        // A domain maps as its base type (with the base's typmod when the column has none).
        auto base = facts_of(c, static_cast<uint32_t>(std::stoul(r->get(0, 3))));
        return base;
    }
    return f;
}

// Resolves a column's type through domains to what map_type needs.
expected<column_type> resolve(connection& c, uint32_t type_oid, int32_t typmod, decimal_mode mode) {
    auto f = facts_of(c, type_oid);
    if (!f) return f.err();
    type_facts element;
    if (f->element_oid) {
        auto e = facts_of(c, f->element_oid);
        if (!e) return e.err();
        element = *e;
    }
    return map_type(f->oid, typmod, &*f, f->element_oid ? &element : nullptr, mode);
}

struct attr {
    std::string name;
    uint32_t type_oid;
    int32_t typmod;
    bool not_null;
    int key_position;
    bool toastable;
    std::string type_name;
};

expected<std::vector<attr>> attributes(connection& c, uint32_t rel) {
    auto r = c.exec_params(
        "SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull, "
        "COALESCE(array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1), -1), "
        "a.attstorage <> 'p', format_type(a.atttypid, a.atttypmod) "
        "FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
        "WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
        "ORDER BY a.attnum",
        {str(rel)});
    if (!r) return runtime_error("reading the columns of table " + str(rel) + ": " + r.err().message);
    std::vector<attr> out;
    for (int i = 0; i < r->rows(); ++i)
        out.push_back({r->get(i, 0), static_cast<uint32_t>(std::stoul(r->get(i, 1))), std::stoi(r->get(i, 2)),
                       r->get(i, 3) == "t", std::stoi(r->get(i, 4)), r->get(i, 5) == "t", r->get(i, 6)});
    return out;
}

// Builds the table from the catalog's attributes; `order` (from a Relation message) decides
// the column order and types when given.
expected<table_info> build(connection& c, table_info t, const std::vector<attr>& attrs, const relation_msg* rel,
                           decimal_mode mode) {
    auto add = [&](const std::string& name, uint32_t type_oid, int32_t typmod, const attr* a) -> status {
        column col;
        col.name = name;
        col.type_oid = type_oid;
        col.typmod = typmod;
        col.optional = a ? !a->not_null : true;
        col.key_position = a ? a->key_position : -1;
        if (a && a->type_oid == type_oid && a->typmod == typmod) {
            col.type_name = a->type_name;
        } else if (auto n = c.exec_params("SELECT format_type($1, $2)", {str(type_oid), std::to_string(typmod)}); n && n->rows() == 1) {
            col.type_name = n->get(0, 0); // the message's type, which the catalog no longer has
        }
        auto ty = resolve(c, type_oid, typmod, mode);
        if (!ty) return ty.err();
        col.type = *ty;
        if (a && a->toastable) t.has_toastable = true;
        t.columns.push_back(std::move(col));
        return done{};
    };
    if (rel) {
        for (const auto& rc : rel->columns) {
            auto it = std::ranges::find(attrs, rc.name, &attr::name);
            if (auto s = add(rc.name, rc.type_oid, rc.typmod, it == attrs.end() ? nullptr : &*it); !s) return s.err();
        }
    } else {
        for (const auto& a : attrs)
            if (auto s = add(a.name, a.type_oid, a.typmod, &a); !s) return s.err();
    }
    std::vector<std::pair<int, size_t>> keys;
    for (size_t i = 0; i < t.columns.size(); ++i)
        if (t.columns[i].key_position >= 0) keys.emplace_back(t.columns[i].key_position, i);
    std::ranges::sort(keys);
    for (const auto& k : keys) t.key.push_back(k.second);
    if (t.key.empty())
        return usage_error("table " + t.qualified() + " has no primary key; add one (ALTER TABLE " + t.qualified() +
                           " ADD PRIMARY KEY (...)) or leave it out of --tables / the publication");
    return t;
}

expected<table_info> load_by_oid(connection& c, uint32_t oid, const relation_msg* rel, decimal_mode mode) {
    auto r = c.exec_params(
        "SELECT n.nspname, c.relname, c.relreplident FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = $1",
        {str(oid)});
    if (!r) return runtime_error("reading table " + str(oid) + ": " + r.err().message);
    if (r->rows() != 1) return runtime_error("table with oid " + str(oid) + " no longer exists");
    table_info t;
    t.oid = oid;
    t.schema = r->get(0, 0);
    t.name = r->get(0, 1);
    t.replica_identity = r->get(0, 2)[0];
    auto attrs = attributes(c, oid);
    if (!attrs) return attrs.err();
    return build(c, std::move(t), *attrs, rel, mode);
}

} // namespace

expected<std::vector<table_info>> load_tables(connection& c, const std::vector<std::string>& wanted,
                                              const std::string& publication, decimal_mode mode) {
    std::vector<uint32_t> oids;
    if (!wanted.empty()) {
        for (const auto& w : wanted) {
            const auto dot = w.find('.');
            const std::string schema = dot == std::string::npos ? "public" : w.substr(0, dot);
            const std::string name = dot == std::string::npos ? w : w.substr(dot + 1);
            auto r = c.exec_params(
                "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
                {schema, name});
            if (!r) return runtime_error("looking up table " + w + ": " + r.err().message);
            if (r->rows() != 1)
                return usage_error("table " + schema + "." + name + " not found; check --tables (schema.table)");
            oids.push_back(static_cast<uint32_t>(std::stoul(r->get(0, 0))));
        }
    } else {
        auto r = c.exec_params(
            "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' "
            "AND (NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1) OR EXISTS (SELECT 1 FROM "
            "pg_publication_tables p WHERE p.pubname = $1 AND p.schemaname = n.nspname AND p.tablename = c.relname)) "
            "ORDER BY n.nspname, c.relname",
            {publication});
        if (!r) return runtime_error("listing tables: " + r.err().message);
        for (int i = 0; i < r->rows(); ++i) oids.push_back(static_cast<uint32_t>(std::stoul(r->get(i, 0))));
        if (oids.empty())
            return usage_error("no tables to capture: create some, or name them with --tables schema.table");
    }
    std::vector<table_info> out;
    for (auto oid : oids) {
        auto t = load_by_oid(c, oid, nullptr, mode);
        if (!t) return t.err();
        out.push_back(std::move(*t));
    }
    return out;
}

expected<table_info> load_relation(connection& c, const relation_msg& rel, decimal_mode mode) {
    auto t = load_by_oid(c, rel.oid, &rel, mode);
    if (!t && !t.err().usage) {
        // The table is gone from the catalog (dropped after these changes were written): map
        // from the message alone — built-in types, every column nullable, the replica
        // identity as the key.
        table_info only;
        only.oid = rel.oid;
        for (const auto& rc : rel.columns) {
            column col;
            col.name = rc.name;
            col.type_oid = rc.type_oid;
            col.typmod = rc.typmod;
            col.type = map_type(rc.type_oid, rc.typmod, nullptr, nullptr, mode);
            if (rc.key) only.key.push_back(only.columns.size());
            only.columns.push_back(std::move(col));
        }
        if (only.key.empty())
            return usage_error("table " + rel.nspname + "." + rel.relname + " has no replica identity key");
        t = std::move(only);
    }
    if (!t) return t;
    // The message is the truth for names and identity at that point of the WAL.
    t->schema = rel.nspname;
    t->name = rel.relname;
    t->replica_identity = rel.replica_identity;
    return t;
}

} // namespace brook::connect::pg
