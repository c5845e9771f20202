#include "cli/schema_format.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace brook::cli {

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::toupper(c); });
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::optional<int> parse_int(std::string_view s) {
    int n = 0;
    s = trim(s);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return n;
}

// "word:" (letters only) at the start of s: the next key of a message line.
bool starts_with_key(std::string_view s) {
    size_t i = 0;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    return i > 0 && i < s.size() && s[i] == ':';
}

// The value of `key: 'value'` in one of Confluent's message lines. Values quote freely inside
// (descriptions put field names in the same quotes), so a value ends only at a quote followed
// by ", nextKey:" or by the closing brace.
std::optional<std::string> field_value(std::string_view m, std::string_view key) {
    size_t k = 0;
    while (true) {
        k = m.find(key, k);
        if (k == std::string_view::npos) return std::nullopt;
        bool boundary = k == 0 || m[k - 1] == '{' || m[k - 1] == ' ' || m[k - 1] == ',';
        if (boundary && m.substr(k + key.size()).starts_with(":")) break;
        k += key.size();
    }
    size_t p = k + key.size() + 1;
    while (p < m.size() && m[p] == ' ') ++p;
    if (p >= m.size()) return std::nullopt;
    char q = m[p];
    if (q != '\'' && q != '"') {
        auto e = m.find_first_of(",}", p);
        return std::string(trim(m.substr(p, e == std::string_view::npos ? std::string_view::npos : e - p)));
    }
    ++p;
    for (size_t i = p; i < m.size(); ++i) {
        if (m[i] != q) continue;
        auto rest = m.substr(i + 1);
        if (trim(rest) == "}") return std::string(m.substr(p, i - p));
        if (rest.starts_with(",")) {
            auto after = trim(rest.substr(1));
            if (starts_with_key(after)) return std::string(m.substr(p, i - p));
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> parse_schema_type(std::string_view s) {
    auto u = upper(s);
    if (u == "AVRO" || u == "JSON" || u == "PROTOBUF") return u;
    return std::nullopt;
}

std::optional<std::string> schema_type_from_path(std::string_view path) {
    auto slash = path.find_last_of('/');
    auto base = slash == std::string_view::npos ? path : path.substr(slash + 1);
    auto dot = base.find_last_of('.');
    if (dot == std::string_view::npos || dot == 0) return std::nullopt;
    auto ext = upper(base.substr(dot + 1));
    if (ext == "AVSC") return "AVRO";
    if (ext == "JSON") return "JSON";
    if (ext == "PROTO") return "PROTOBUF";
    return std::nullopt;
}

std::optional<std::string> parse_compatibility_level(std::string_view s) {
    static constexpr std::string_view levels[] = {"BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
                                                  "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"};
    auto u = upper(s);
    if (std::ranges::find(levels, u) != std::end(levels)) return u;
    return std::nullopt;
}

std::optional<std::string> parse_schema_version(std::string_view s) {
    if (upper(s) == "LATEST" || s == "-1") return "latest";
    auto n = parse_int(s);
    if (!n || *n < 1 || trim(s).size() != s.size()) return std::nullopt;
    return std::to_string(*n);
}

std::variant<schema_reference, std::string> parse_reference(std::string_view s) {
    auto expected = "expected name=subject:version, e.g. common/money.proto=money-value:1";
    auto eq = s.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return "bad --reference '" + std::string(s) + "': " + expected;
    auto rest = s.substr(eq + 1);
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
        return "bad --reference '" + std::string(s) + "': " + expected;
    auto v = parse_int(rest.substr(colon + 1));
    if (!v || *v < 1 || rest.substr(colon + 1).empty())
        return "bad --reference '" + std::string(s) + "': version '" + std::string(rest.substr(colon + 1)) +
               "' is not a number >= 1";
    return schema_reference{std::string(s.substr(0, eq)), std::string(rest.substr(0, colon)), *v};
}

nlohmann::json schema_request(const std::string& schema, const std::string& type,
                              const std::vector<schema_reference>& refs) {
    auto out = nlohmann::json::array();
    for (const auto& r : refs) out.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
    return client::schema_request(schema, type, out);
}

compatibility_report parse_compatibility_messages(const nlohmann::json& messages) {
    compatibility_report r;
    if (!messages.is_array()) return r;
    size_t unversioned = 0; // changes since the last oldSchemaVersion line
    for (const auto& item : messages) {
        if (!item.is_string()) continue;
        std::string_view m = trim(item.get_ref<const std::string&>());
        if (m.empty()) continue;
        if (m.starts_with("{oldSchema:")) continue;
        if (m.starts_with("{oldSchemaVersion:")) {
            auto v = field_value(m, "oldSchemaVersion");
            auto n = v ? parse_int(*v) : std::nullopt;
            for (size_t i = r.changes.size() - unversioned; i < r.changes.size(); ++i) r.changes[i].old_version = n;
            unversioned = 0;
            continue;
        }
        if (!m.starts_with("{errorType:") && field_value(m, "compatibility")) {
            r.level = field_value(m, "compatibility");
            continue;
        }
        breaking_change c;
        if (m.starts_with("{errorType:")) {
            c.rule = field_value(m, "errorType").value_or("");
            c.description = field_value(m, "description").value_or("");
            c.info = field_value(m, "additionalInfo").value_or("");
            if (c.description.empty() && c.rule.empty()) c.description = std::string(m);
        } else {
            c.description = std::string(m);
        }
        r.changes.push_back(std::move(c));
        ++unversioned;
    }
    return r;
}

std::string describe(const breaking_change& c) {
    std::string out = c.rule;
    if (!c.description.empty()) out += (out.empty() ? "" : ": ") + c.description;
    if (!c.info.empty()) out += " (" + c.info + ")";
    return out;
}

} // namespace brook::cli
