#pragma once
// Accumulators for COUNT(*), COUNT(x), COUNT(DISTINCT x), SUM, MIN, MAX and AVG, with Flink's
// result types: COUNT is BIGINT; SUM, MIN and MAX keep the argument's type; AVG of an integer
// column is an integer (truncated, as Flink's AVG of BIGINT is), of a DOUBLE a DOUBLE; SUM,
// MIN, MAX and AVG over no non-NULL value are NULL. Every accumulator merges (sessions).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "stream/value.h"

namespace brook::stream {

enum class agg_fn { count_star, count, count_distinct, sum, min, max, avg };

struct agg_call {
    agg_fn fn = agg_fn::count_star;
    int arg = -1;                   // index into the per-row argument values; -1 for COUNT(*)
    type_id arg_type = type_id::null;
    type_id result_type() const;
};

struct accumulator {
    int64_t count = 0;
    int64_t isum = 0;
    double dsum = 0;
    value best; // MIN / MAX
    std::unique_ptr<std::unordered_set<std::string>> distinct;

    accumulator() = default;
    accumulator(accumulator&&) = default;
    accumulator& operator=(accumulator&&) = default;
};

void accumulate(const agg_call& c, accumulator& a, std::span<const value> args);
void merge(const agg_call& c, accumulator& into, accumulator&& from);
value result(const agg_call& c, const accumulator& a);

} // namespace brook::stream
