#pragma once
// The parsed form of a job file: SET, CREATE TABLE and INSERT INTO ... SELECT statements and
// their expressions, each node carrying the position of its first token for error messages.
// Names are as written; the planner resolves them (case-insensitively, as Flink's default).
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "stream/sql_error.h"
#include "stream/value.h"

namespace brook::stream {

struct expr;
using expr_ptr = std::unique_ptr<expr>;

struct expr {
    enum class kind {
        literal,    // lit (INTERVAL literals are interval_ms values)
        column,     // name, optional qualifier
        star,       // * in COUNT(*)
        unary,      // name = "-" | "NOT"; args[0]
        binary,     // name = operator (upper-cased: AND, OR, =, <>, ||, + ...); args[0], args[1]
        call,       // name = function (upper-cased); args; distinct for COUNT(DISTINCT x)
        case_,      // has_operand: args[0] is the operand; then WHEN/THEN pairs; has_else: last
        cast,       // args[0] AS type; try_cast for TRY_CAST
        is_null,    // args[0] IS [NOT] NULL (negated)
        between,    // args[0] [NOT] BETWEEN args[1] AND args[2]
        in_list,    // args[0] [NOT] IN (args[1..])
        like,       // args[0] [NOT] LIKE args[1]
        named_arg,  // name => args[0] (table function arguments)
        table_arg,  // TABLE name [PARTITION BY cols]
        descriptor, // DESCRIPTOR(col)
    };
    kind k = kind::literal;
    position pos;
    std::string name;
    std::string qualifier;
    value lit;
    std::vector<expr_ptr> args;
    bool negated = false;
    bool distinct = false;
    bool has_operand = false;
    bool has_else = false;
    bool try_cast = false;
    sql_type type;
    std::vector<std::string> partition_by; // table_arg
    std::vector<position> partition_pos;
};

// Canonical SQL text of an expression: GROUP BY matching and default output column names.
std::string to_sql(const expr& e);

struct set_stmt {
    position pos;
    std::string key, value;
};

struct column_def {
    position pos;
    std::string name;
    sql_type type;             // unset (null) for computed columns
    expr_ptr computed;         // `name AS expr`
    std::optional<std::string> metadata_key; // `METADATA [FROM 'key']`: the key, defaulting to the name
    bool is_virtual = false;
};

struct table_option {
    position pos;
    std::string key, value;
};

struct create_table {
    position pos;
    std::string name;
    std::vector<column_def> columns;
    std::string watermark_column;
    position watermark_pos;
    expr_ptr watermark;
    std::vector<std::string> primary_key;
    position primary_key_pos;
    std::vector<table_option> options;
};

struct select_item {
    expr_ptr e;
    std::string alias; // "" when none
};

struct select_query {
    position pos;
    std::vector<select_item> items;
    expr_ptr from; // kind::column (a table name) or kind::call (a window TVF)
    expr_ptr where;
    std::vector<expr_ptr> group_by;
    expr_ptr having;
    bool emit_changes = false;
    position emit_pos;
};

struct insert_stmt {
    position pos;
    std::string sink;
    position sink_pos;
    select_query query;
};

using statement = std::variant<set_stmt, create_table, insert_stmt>;

} // namespace brook::stream
