#include "stream/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace brook::stream {

type_id type_of(const value& v) {
    switch (v.index()) {
    case 0: return type_id::null;
    case 1: return type_id::boolean;
    case 2: return type_id::bigint;
    case 3: return type_id::double_;
    case 4: return type_id::string;
    case 5: return type_id::timestamp;
    default: return type_id::interval;
    }
}

std::string type_name(type_id t) {
    switch (t) {
    case type_id::null: return "NULL";
    case type_id::boolean: return "BOOLEAN";
    case type_id::bigint: return "BIGINT";
    case type_id::double_: return "DOUBLE";
    case type_id::string: return "STRING";
    case type_id::timestamp: return "TIMESTAMP(3)";
    case type_id::interval: return "INTERVAL";
    }
    return "?";
}

int compare(const value& a, const value& b) {
    auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
    auto num = [](const value& v, double& d) {
        if (auto* i = std::get_if<int64_t>(&v)) { d = double(*i); return true; }
        if (auto* x = std::get_if<double>(&v)) { d = *x; return true; }
        return false;
    };
    if (a.index() == 2 && b.index() == 2) return sign(std::get<2>(a), std::get<2>(b));
    double da, db;
    if (num(a, da) && num(b, db)) return sign(da, db);
    if (a.index() != b.index()) return sign(a.index(), b.index());
    switch (a.index()) {
    case 0: return 0;
    case 1: return sign(std::get<1>(a), std::get<1>(b));
    case 4: { int c = std::get<4>(a).compare(std::get<4>(b)); return c < 0 ? -1 : (c > 0 ? 1 : 0); }
    case 5: return sign(std::get<5>(a).ms, std::get<5>(b).ms);
    case 6: return sign(std::get<6>(a).ms, std::get<6>(b).ms);
    }
    return 0;
}

void encode_key(const value& v, std::string& out) {
    out.push_back(char('0' + v.index()));
    auto put64 = [&](uint64_t x) { char b[8]; std::memcpy(b, &x, 8); out.append(b, 8); };
    switch (v.index()) {
    case 1: out.push_back(std::get<1>(v) ? '1' : '0'); break;
    case 2: put64(uint64_t(std::get<2>(v))); break;
    case 3: { double d = std::get<3>(v); uint64_t x; std::memcpy(&x, &d, 8); put64(x); break; }
    case 4: { const auto& s = std::get<4>(v); put64(s.size()); out += s; break; }
    case 5: put64(uint64_t(std::get<5>(v).ms)); break;
    case 6: put64(uint64_t(std::get<6>(v).ms)); break;
    default: break;
    }
}

namespace {
// Howard Hinnant's civil-date algorithms: exact for the proleptic Gregorian calendar.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + int64_t(doe) - 719468;
}
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = unsigned(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = int64_t(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}
struct parts { int64_t y; unsigned mo, d, h, mi, s, ms; };
parts split(int64_t ms) {
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    int64_t rem = ms - days * 86400000;
    parts p{};
    civil_from_days(days, p.y, p.mo, p.d);
    p.h = unsigned(rem / 3600000); rem %= 3600000;
    p.mi = unsigned(rem / 60000); rem %= 60000;
    p.s = unsigned(rem / 1000); p.ms = unsigned(rem % 1000);
    return p;
}
} // namespace

std::string format_timestamp(int64_t ms) {
    auto p = split(ms);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02u:%02u:%02u.%03u", (long long)p.y, p.mo, p.d, p.h, p.mi, p.s, p.ms);
    return buf;
}

std::string format_timestamp_pattern(int64_t ms, std::string_view pat) {
    auto p = split(ms);
    std::string out;
    char buf[16];
    for (size_t i = 0; i < pat.size();) {
        auto run = [&](char c) { size_t n = 0; while (i + n < pat.size() && pat[i + n] == c) ++n; return n; };
        char c = pat[i];
        size_t n = run(c);
        auto num = [&](long long v, int width) { std::snprintf(buf, sizeof buf, "%0*lld", width, v); out += buf; };
        switch (c) {
        case 'y': num(n == 2 ? p.y % 100 : p.y, int(n == 2 ? 2 : 4)); break;
        case 'M': num(p.mo, int(n)); break;
        case 'd': num(p.d, int(n)); break;
        case 'H': num(p.h, int(n)); break;
        case 'm': num(p.mi, int(n)); break;
        case 's': num(p.s, int(n)); break;
        case 'S': num(p.ms, 3); break;
        default: out.append(n, c); break;
        }
        i += n;
    }
    return out;
}

std::optional<int64_t> parse_timestamp(std::string_view s) {
    auto digits = [&](size_t pos, size_t n, unsigned& out) {
        if (pos + n > s.size()) return false;
        out = 0;
        for (size_t i = pos; i < pos + n; ++i) {
            if (s[i] < '0' || s[i] > '9') return false;
            out = out * 10 + unsigned(s[i] - '0');
        }
        return true;
    };
    unsigned y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
    if (!digits(0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' || !digits(8, 2, d))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
    size_t i = 10;
    if (i < s.size()) {
        if (s[i] != ' ' && s[i] != 'T') return std::nullopt;
        if (!digits(i + 1, 2, h) || s.size() < i + 6 || s[i + 3] != ':' || !digits(i + 4, 2, mi)) return std::nullopt;
        i += 6;
        if (i < s.size() && s[i] == ':') {
            if (!digits(i + 1, 2, sec)) return std::nullopt;
            i += 3;
        }
        if (i < s.size() && s[i] == '.') {
            ++i;
            unsigned scale = 100;
            while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
                frac += unsigned(s[i] - '0') * scale; // digits past milliseconds are truncated
                scale /= 10;
                ++i;
            }
        }
        if (i < s.size() && s[i] == 'Z') ++i;
        if (i != s.size()) return std::nullopt;
        if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
    }
    return days_from_civil(y, mo, d) * 86400000 + int64_t(h) * 3600000 + int64_t(mi) * 60000 + int64_t(sec) * 1000 + frac;
}

std::string to_text(const value& v) {
    switch (v.index()) {
    case 0: return "NULL";
    case 1: return std::get<1>(v) ? "TRUE" : "FALSE";
    case 2: return std::to_string(std::get<2>(v));
    case 3: {
        char buf[32];
        auto d = std::get<3>(v);
        auto r = std::to_chars(buf, buf + sizeof buf, d);
        std::string s(buf, r.ptr);
        if (std::isfinite(d) && s.find_first_of(".e") == std::string::npos) s += ".0";
        return s;
    }
    case 4: return std::get<4>(v);
    case 5: return format_timestamp(std::get<5>(v).ms);
    default: return std::to_string(std::get<6>(v).ms) + " ms";
    }
}

} // namespace brook::stream
