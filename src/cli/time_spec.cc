#include "cli/time_spec.h"

#include <cctype>
#include <charconv>
#include <limits>

namespace brook::cli {
namespace {

// Reads exactly n digits at s[i], advancing i.
bool digits(std::string_view s, size_t& i, size_t n, int& out) {
    if (i + n > s.size()) return false;
    out = 0;
    for (size_t k = 0; k < n; ++k) {
        char c = s[i + k];
        if (c < '0' || c > '9') return false;
        out = out * 10 + (c - '0');
    }
    i += n;
    return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int days_in_month(int y, int m) {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

std::optional<int64_t> parse_date_time(std::string_view s) {
    size_t i = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!digits(s, i, 4, y) || i >= s.size() || s[i++] != '-' || !digits(s, i, 2, mo) || i >= s.size() || s[i++] != '-' ||
        !digits(s, i, 2, d))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return std::nullopt;
    int64_t ms = 0;
    if (i < s.size()) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
        ++i;
        if (!digits(s, i, 2, h) || i >= s.size() || s[i++] != ':' || !digits(s, i, 2, mi)) return std::nullopt;
        if (i < s.size() && s[i] == ':') {
            ++i;
            if (!digits(s, i, 2, sec)) return std::nullopt;
            if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
                ++i;
                size_t n = 0;
                int64_t scale = 100;
                while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
                    ms += (s[i] - '0') * scale; // digits past milliseconds are dropped
                    scale /= 10;
                    ++i;
                    ++n;
                }
                if (n == 0) return std::nullopt;
            }
        }
        if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
        if (i < s.size()) {
            if (s[i] == 'Z' || s[i] == 'z') {
                ++i;
            } else if (s[i] == '+' || s[i] == '-') {
                const int sign = s[i++] == '+' ? 1 : -1;
                int oh = 0, om = 0;
                if (!digits(s, i, 2, oh)) return std::nullopt;
                if (i < s.size() && s[i] == ':') ++i;
                if (!digits(s, i, 2, om) || oh > 23 || om > 59) return std::nullopt;
                // Local time = UTC + offset, so UTC = local - offset.
                ms -= sign * (oh * 3600 + om * 60) * int64_t{1000};
            } else {
                return std::nullopt;
            }
        }
        if (i != s.size()) return std::nullopt;
    }
    return (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * int64_t{1000} + ms;
}

// "1h30m", "500ms", "2d": a sum of number+unit groups, in milliseconds.
std::optional<int64_t> parse_duration(std::string_view s) {
    if (s.empty()) return std::nullopt;
    int64_t total = 0;
    size_t i = 0;
    while (i < s.size()) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt; // no sign
        int64_t n = 0;
        auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), n);
        if (ec != std::errc{} || p == s.data() + i) return std::nullopt;
        i = static_cast<size_t>(p - s.data());
        int64_t unit = 0;
        if (s.substr(i, 2) == "ms") {
            unit = 1, i += 2;
        } else if (i < s.size()) {
            switch (s[i]) {
            case 's': unit = 1000; break;
            case 'm': unit = 60'000; break;
            case 'h': unit = 3'600'000; break;
            case 'd': unit = 86'400'000; break;
            default: return std::nullopt;
            }
            ++i;
        } else {
            return std::nullopt; // a bare number: no unit given
        }
        if (n > std::numeric_limits<int64_t>::max() / unit / 2) return std::nullopt;
        total += n * unit;
    }
    return total;
}

} // namespace

std::optional<int64_t> parse_time_spec(std::string_view s, int64_t now_ms) {
    if (s.size() < 2 || s[0] != '@') return std::nullopt;
    s.remove_prefix(1);
    if (s[0] == '-') {
        auto d = parse_duration(s.substr(1));
        if (!d) return std::nullopt;
        return now_ms - *d;
    }
    if (s.find('-') == std::string_view::npos) {
        int64_t ms = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), ms);
        if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
        return ms;
    }
    return parse_date_time(s);
}

} // namespace brook::cli
