#include "stream/state_codec.h"

#include <cstring>

namespace brook::stream {
namespace {

void put_u32(std::string& out, uint32_t v) {
    char b[4];
    std::memcpy(b, &v, 4);
    out.append(b, 4);
}
bool get_u32(std::string_view& in, uint32_t& v) {
    if (in.size() < 4) return false;
    std::memcpy(&v, in.data(), 4);
    in.remove_prefix(4);
    return true;
}
void put_bytes(std::string& out, std::string_view s) {
    put_u32(out, uint32_t(s.size()));
    out.append(s);
}
bool get_bytes(std::string_view& in, std::string& s) {
    uint32_t n;
    if (!get_u32(in, n) || in.size() < n) return false;
    s.assign(in.substr(0, n));
    in.remove_prefix(n);
    return true;
}
void put_f64(std::string& out, double d) {
    int64_t x;
    std::memcpy(&x, &d, 8);
    put_i64(out, x);
}
bool get_f64(std::string_view& in, double& d) {
    int64_t x;
    if (!get_i64(in, x)) return false;
    std::memcpy(&d, &x, 8);
    return true;
}

} // namespace

void put_i64(std::string& out, int64_t v) {
    char b[8];
    std::memcpy(b, &v, 8);
    out.append(b, 8);
}

bool get_i64(std::string_view& in, int64_t& v) {
    if (in.size() < 8) return false;
    std::memcpy(&v, in.data(), 8);
    in.remove_prefix(8);
    return true;
}

void put_value(std::string& out, const value& v) {
    out.push_back(char(v.index()));
    switch (v.index()) {
    case 1: out.push_back(std::get<bool>(v) ? 1 : 0); break;
    case 2: put_i64(out, std::get<int64_t>(v)); break;
    case 3: put_f64(out, std::get<double>(v)); break;
    case 4: put_bytes(out, std::get<std::string>(v)); break;
    case 5: put_i64(out, std::get<timestamp_ms>(v).ms); break;
    case 6: put_i64(out, std::get<interval_ms>(v).ms); break;
    default: break;
    }
}

bool get_value(std::string_view& in, value& v) {
    if (in.empty()) return false;
    const int tag = in[0];
    in.remove_prefix(1);
    int64_t i;
    switch (tag) {
    case 0: v = value(); return true;
    case 1: if (in.empty()) return false; v = in[0] != 0; in.remove_prefix(1); return true;
    case 2: if (!get_i64(in, i)) return false; v = i; return true;
    case 3: { double d; if (!get_f64(in, d)) return false; v = d; return true; }
    case 4: { std::string s; if (!get_bytes(in, s)) return false; v = std::move(s); return true; }
    case 5: if (!get_i64(in, i)) return false; v = timestamp_ms{i}; return true;
    case 6: if (!get_i64(in, i)) return false; v = interval_ms{i}; return true;
    default: return false;
    }
}

void put_values(std::string& out, const std::vector<value>& vs) {
    put_u32(out, uint32_t(vs.size()));
    for (const auto& v : vs) put_value(out, v);
}

bool get_values(std::string_view& in, std::vector<value>& vs) {
    uint32_t n;
    if (!get_u32(in, n) || n > in.size()) return false;
    vs.resize(n);
    for (auto& v : vs)
        if (!get_value(in, v)) return false;
    return true;
}

void put_accumulators(std::string& out, const std::vector<accumulator>& accs) {
    put_u32(out, uint32_t(accs.size()));
    for (const auto& a : accs) {
        put_i64(out, a.count);
        put_i64(out, a.isum);
        put_f64(out, a.dsum);
        put_value(out, a.best);
        put_u32(out, a.distinct ? uint32_t(a.distinct->size()) : 0);
        if (a.distinct)
            for (const auto& s : *a.distinct) put_bytes(out, s);
    }
}

bool get_accumulators(std::string_view& in, std::vector<accumulator>& accs) {
    uint32_t n;
    if (!get_u32(in, n) || n > in.size()) return false;
    accs.clear();
    accs.resize(n);
    for (auto& a : accs) {
        uint32_t nd;
        if (!get_i64(in, a.count) || !get_i64(in, a.isum) || !get_f64(in, a.dsum) || !get_value(in, a.best) ||
            !get_u32(in, nd) || nd > in.size())
            return false;
        if (nd > 0) {
            a.distinct = std::make_unique<std::unordered_set<std::string>>();
            for (uint32_t k = 0; k < nd; ++k) {
                std::string s;
                if (!get_bytes(in, s)) return false;
                a.distinct->insert(std::move(s));
            }
        }
    }
    return true;
}

} // namespace brook::stream
