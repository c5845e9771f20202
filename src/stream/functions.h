#pragma once
// The scalar functions of the SQL surface (UPPER .. DATE_FORMAT, see README) and the arithmetic
// eval shares with MOD: a name -> definition table, argument checks done at planning, and the
// result type of a call. Runtime failures yield NULL. Immutable tables; any thread.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stream/expr.h"

namespace brook::stream {

inline bool is_numeric(type_id t) { return t == type_id::bigint || t == type_id::double_; }

// + - * / % over numbers, TIMESTAMP +/- INTERVAL and INTERVAL arithmetic; NULL on NULL input,
// division by zero or types that do not combine.
value arith(bexpr::op o, const value& a, const value& b);

enum class fn_result { same_as_first, bigint, double_, string, timestamp, boolean, common_of_rest, common_of_all };

struct function_def {
    int min_args, max_args; // max -1: any number
    fn_result ret;
    value (*impl)(std::span<const value>);
};

const function_def* find_function(const std::string& upper_name);
// A message when fn cannot take arguments of these types (checked when the call is bound).
std::optional<std::string> check_function_args(const std::string& fn, const std::vector<bexpr>& args);
type_id function_result_type(const function_def& def, const std::vector<bexpr>& args);

} // namespace brook::stream
