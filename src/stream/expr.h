#pragma once
// Bound expressions: a parsed expression with its columns resolved to slots of the row it is
// evaluated on, its functions looked up and its type known. eval() never fails: SQL's runtime
// errors (division by zero, a bad CAST) yield NULL, as Flink's TRY_CAST does; a plain CAST of
// a bad string is NULL too (documented in README). Immutable after binding; any thread.
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stream/ast.h"
#include "stream/sql_error.h"
#include "stream/value.h"

namespace brook::stream {

struct bexpr {
    enum class op {
        literal, slot, not_, neg, and_, or_, eq, ne, lt, le, gt, ge, add, sub, mul, div, mod,
        concat, fn, case_, cast, is_null, between, in_list, like,
    };
    op o = op::literal;
    type_id type = type_id::null;
    value lit;
    int slot = -1;
    bool negated = false;
    bool has_operand = false;
    bool has_else = false;
    value (*fn)(std::span<const value>) = nullptr;
    std::vector<bexpr> args;
};

value eval(const bexpr& e, std::span<const value> row);
// WHERE / HAVING: only TRUE passes (NULL and FALSE do not).
inline bool eval_true(const bexpr& e, std::span<const value> row) {
    auto v = eval(e, row);
    auto* b = std::get_if<bool>(&v);
    return b && *b;
}

value cast_value(const value& v, type_id to);

// What a name means where an expression is bound.
struct scope {
    // Resolves a column name (case-insensitive) to a slot and its type, or nullopt.
    std::function<std::optional<std::pair<int, type_id>>(const std::string&)> column;
    // Consulted first on every node: aggregates and GROUP BY keys of a windowed query bind
    // to output slots this way. nullopt: bind the node normally.
    std::function<std::optional<checked<bexpr>>(const expr&)> intercept;
    // For "unknown column" messages: the names that do exist.
    std::function<std::string()> known_columns;
};

checked<bexpr> bind(const expr& e, const scope& s);

bool is_aggregate_name(const std::string& upper_name);

} // namespace brook::stream
