#include "cli/format.h"

#include <charconv>

namespace brook::cli {

std::optional<int64_t> parse_offset_spec(std::string_view s) {
    if (s == "start" || s == "beginning" || s == "earliest") return client::offset_beginning;
    if (s == "end" || s == "latest") return client::offset_end;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || n < 0) return std::nullopt;
    return n;
}

std::optional<std::pair<std::string, std::string>> parse_key_value(std::string_view s) {
    auto eq = s.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    return std::pair{std::string(s.substr(0, eq)), std::string(s.substr(eq + 1))};
}

namespace {
std::string headers_text(const client::record& r) {
    std::string out;
    for (const auto& h : r.headers) {
        if (!out.empty()) out += ',';
        out += h.key;
        out += '=';
        if (h.value) out += *h.value;
    }
    return out;
}
} // namespace

std::string render(std::string_view f, const client::record& r) {
    std::string out;
    for (size_t i = 0; i < f.size(); ++i) {
        char c = f[i];
        if ((c != '%' && c != '\\') || i + 1 == f.size()) {
            out += c;
            continue;
        }
        char d = f[++i];
        if (c == '\\') {
            switch (d) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case '\\': out += '\\'; break;
            default: out += '\\'; out += d;
            }
            continue;
        }
        switch (d) {
        case 'T': out += r.topic; break;
        case 'k': if (r.key) out += *r.key; break;
        case 'v':
        case 's': if (r.value) out += *r.value; break;
        case 'K': out += std::to_string(r.key ? static_cast<int64_t>(r.key->size()) : -1); break;
        case 'S': out += std::to_string(r.value ? static_cast<int64_t>(r.value->size()) : -1); break;
        case 'p': out += std::to_string(r.partition); break;
        case 'o': out += std::to_string(r.offset); break;
        case 't': out += std::to_string(r.timestamp_ms); break;
        case 'h': out += headers_text(r); break;
        case '%': out += '%'; break;
        default: out += '%'; out += d; // unknown: kept as written, so a typo shows
        }
    }
    return out;
}

nlohmann::ordered_json to_json(const client::record& r) {
    nlohmann::ordered_json j;
    j["topic"] = r.topic;
    j["partition"] = r.partition;
    j["offset"] = r.offset;
    j["timestamp"] = r.timestamp_ms;
    j["key"] = r.key ? nlohmann::ordered_json(*r.key) : nullptr;
    j["value"] = r.value ? nlohmann::ordered_json(*r.value) : nullptr;
    j["headers"] = nlohmann::ordered_json::array();
    for (const auto& h : r.headers)
        j["headers"].push_back({{"key", h.key}, {"value", h.value ? nlohmann::ordered_json(*h.value) : nullptr}});
    return j;
}

std::string dump_line(const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

} // namespace brook::cli
