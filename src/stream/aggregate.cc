#include "stream/aggregate.h"

namespace brook::stream {

type_id agg_call::result_type() const {
    switch (fn) {
    case agg_fn::count_star: case agg_fn::count: case agg_fn::count_distinct: return type_id::bigint;
    default: return arg_type;
    }
}

void accumulate(const agg_call& c, accumulator& a, std::span<const value> args) {
    if (c.fn == agg_fn::count_star) { ++a.count; return; }
    const value& v = args[size_t(c.arg)];
    if (is_null(v)) return;
    switch (c.fn) {
    case agg_fn::count: ++a.count; break;
    case agg_fn::count_distinct: {
        if (!a.distinct) a.distinct = std::make_unique<std::unordered_set<std::string>>();
        std::string k;
        encode_key(v, k);
        a.distinct->insert(std::move(k));
        break;
    }
    case agg_fn::sum: case agg_fn::avg:
        ++a.count;
        if (auto* i = std::get_if<int64_t>(&v)) a.isum += *i;
        else if (auto* d = std::get_if<double>(&v)) a.dsum += *d;
        break;
    case agg_fn::min:
        if (is_null(a.best) || compare(v, a.best) < 0) a.best = v;
        break;
    case agg_fn::max:
        if (is_null(a.best) || compare(v, a.best) > 0) a.best = v;
        break;
    default: break;
    }
}

void merge(const agg_call& c, accumulator& into, accumulator&& from) {
    into.count += from.count;
    into.isum += from.isum;
    into.dsum += from.dsum;
    if (!is_null(from.best)) {
        int cmp = is_null(into.best) ? 0 : compare(from.best, into.best);
        if (is_null(into.best) || (c.fn == agg_fn::min && cmp < 0) || (c.fn == agg_fn::max && cmp > 0))
            into.best = std::move(from.best);
    }
    if (from.distinct) {
        if (!into.distinct) into.distinct = std::move(from.distinct);
        else into.distinct->merge(*from.distinct);
    }
}

value result(const agg_call& c, const accumulator& a) {
    switch (c.fn) {
    case agg_fn::count_star: case agg_fn::count: return a.count;
    case agg_fn::count_distinct: return int64_t(a.distinct ? a.distinct->size() : 0);
    case agg_fn::sum:
        if (a.count == 0) return {};
        if (c.arg_type == type_id::double_) return a.dsum;
        return a.isum;
    case agg_fn::avg:
        if (a.count == 0) return {};
        if (c.arg_type == type_id::double_) return a.dsum / double(a.count);
        return a.isum / a.count;
    case agg_fn::min: case agg_fn::max: return a.best;
    }
    return {};
}

} // namespace brook::stream
