#include "registry/avro/json_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace brook::registry::avro {

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    out += '"';
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\f': out += "\\f"; break;
        case '\r': out += "\\r"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
            } else {
                out += ch;
            }
        }
    }
    out += '"';
}

namespace {

// Java's Double/Float.toString from the shortest round-trip digits: plain notation with at
// least one fractional digit for 1e-3 <= |v| < 1e7, else d.dddE<exp>.
template <typename F>
std::string java_decimal(F v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<size_t>(res.ptr - buf)); // [-]d[.ddd]e[+-]xx
    std::string out;
    if (sci.front() == '-') {
        out += '-';
        sci.remove_prefix(1);
    }
    auto e = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, e))
        if (c != '.') digits += c;
    int exp = 0;
    std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp);
    F mag = std::fabs(v);
    if (mag >= F(1e-3) && mag < F(1e7)) {
        if (exp >= 0) {
            auto int_len = static_cast<size_t>(exp) + 1;
            if (digits.size() <= int_len) {
                out += digits;
                out.append(int_len - digits.size(), '0');
                out += ".0";
            } else {
                out += digits.substr(0, int_len);
                out += '.';
                out += digits.substr(int_len);
            }
        } else {
            out += "0.";
            out.append(static_cast<size_t>(-exp - 1), '0');
            out += digits;
        }
        return out;
    }
    out += digits[0];
    out += '.';
    out += digits.size() > 1 ? digits.substr(1) : "0";
    out += 'E';
    out += std::to_string(exp);
    return out;
}

} // namespace

std::string java_double(double d) { return java_decimal(d); }
std::string java_float(float f) { return java_decimal(f); }

void append_json_value(std::string& out, const json& v) {
    switch (v.type()) {
    case json::value_t::null: out += "null"; break;
    case json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; break;
    case json::value_t::number_integer: out += std::to_string(v.get<int64_t>()); break;
    case json::value_t::number_unsigned: out += std::to_string(v.get<uint64_t>()); break;
    case json::value_t::number_float: {
        double d = v.get<double>();
        if (std::isnan(d) || std::isinf(d)) { // Jackson's QUOTE_NON_NUMERIC_NUMBERS
            out += '"';
            out += java_double(d);
            out += '"';
        } else {
            out += java_double(d);
        }
        break;
    }
    case json::value_t::string: append_json_string(out, v.get_ref<const std::string&>()); break;
    case json::value_t::array: {
        out += '[';
        bool first = true;
        for (const auto& e : v) {
            if (!first) out += ',';
            first = false;
            append_json_value(out, e);
        }
        out += ']';
        break;
    }
    case json::value_t::object: {
        out += '{';
        bool first = true;
        for (const auto& [k, e] : v.items()) {
            if (!first) out += ',';
            first = false;
            append_json_string(out, k);
            out += ':';
            append_json_value(out, e);
        }
        out += '}';
        break;
    }
    default: out += "null"; break; // binary / discarded never come from the parser
    }
}

std::string json_text(const json& v) {
    std::string out;
    append_json_value(out, v);
    return out;
}

} // namespace brook::registry::avro
