#pragma once
// The tables a CDC source captures, as the catalog and pgoutput describe them: columns in
// replication order with their Debezium mapping, nullability and primary key. Loaded at start
// (for the checks and the snapshot) and again whenever a Relation message announces a changed
// table. Plain values; the loaders run on the thread that owns the connection they are given.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "connect/error.h"
#include "connect/postgres/pg_conn.h"
#include "connect/postgres/pgoutput.h"
#include "connect/postgres/types.h"

namespace brook::connect::pg {

struct column {
    std::string name;
    uint32_t type_oid = 0;
    int32_t typmod = -1;
    std::string type_name; // Postgres' format_type, for messages ("integer", "numeric(10,2)")
    bool optional = true; // nullable
    int key_position = -1; // 0-based position in the primary key, -1 when not part of it
    column_type type;
};

struct table_info {
    uint32_t oid = 0;
    std::string schema;
    std::string name;
    char replica_identity = 'd';
    bool has_toastable = false; // a column whose value may be stored out of line (TOAST)
    std::vector<column> columns;  // in pgoutput's (attribute) order
    std::vector<size_t> key;      // indexes into columns, in primary-key order
    std::string qualified() const { return schema + "." + name; }
};

// Resolves the tables to capture: `wanted` as "schema.table" or "table" (schema public), or,
// when empty, every table of `publication` if it exists, else every user table. A table that
// does not exist, or has no primary key, is a usage error naming it and the fix.
expected<std::vector<table_info>> load_tables(connection& c, const std::vector<std::string>& wanted,
                                              const std::string& publication, decimal_mode mode);

// One table by oid (after a Relation message), columns ordered and typed as `rel` says.
expected<table_info> load_relation(connection& c, const relation_msg& rel, decimal_mode mode);

} // namespace brook::connect::pg
