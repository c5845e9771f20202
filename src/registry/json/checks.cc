// Checks on schema and document JSON that need no validator: nesting depth, the 2020-12
// subset, regular expressions, URI lengths, over-long strings.
#include "registry/json/checks.h"

#include "registry/json/json_schema.h"
#include "registry/json/keywords.h"

#include <array>
#include <regex>

namespace brook::registry::json {

using nlohmann::json;

std::size_t depth_of(const json& doc) {
    std::size_t deepest = 0;
    std::vector<std::pair<const json*, std::size_t>> stack{{&doc, 1}};
    while (!stack.empty()) {
        auto [node, d] = stack.back();
        stack.pop_back();
        deepest = std::max(deepest, d);
        if (d > max_depth) return d;
        if (node->is_structured()) {
            for (const auto& child : *node) stack.emplace_back(&child, d + 1);
        }
    }
    return deepest;
}

// 2020-12 keywords whose meaning valijson 1.0 cannot apply, and draft-7 keywords that 2020-12
// dropped but valijson would still enforce. A 2020-12 schema without them validates the same
// under valijson's draft-7 rules.
constexpr std::array unsupported_2020{"prefixItems", "unevaluatedProperties", "unevaluatedItems", "$dynamicRef",
                                      "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor", "$anchor",
                                      "dependentSchemas", "dependentRequired", "minContains", "maxContains",
                                      "additionalItems", "dependencies", "$vocabulary"};

std::string check_2020_subset(const json& schema, const std::string& path) {
    if (!schema.is_object()) return {};
    for (const char* k : unsupported_2020) {
        if (schema.contains(k)) {
            return "JSON Schema 2020-12 keyword '" + std::string(k) + "' at '#" + path +
                   "' is not supported (2020-12 schemas may use the keywords draft-07 shares with it)";
        }
    }
    if (auto it = schema.find("items"); it != schema.end() && it->is_array()) {
        return "'items' at '#" + path + "' is an array, which 2020-12 does not allow (use draft-07 for tuples)";
    }
    std::string error;
    for_each_subschema(schema, [&](const json& sub, const std::string& rel) {
        if (error.empty()) error = check_2020_subset(sub, path + rel);
    });
    return error;
}

// valijson compiles `pattern` and `patternProperties` lazily, at the first string it checks,
// and a bad expression would then fail every document; refuse it here with its location.
std::string check_patterns(const json& schema, const std::string& path) {
    if (!schema.is_object()) return {};
    auto bad = [&](const std::string& pattern, const std::string& where) -> std::string {
        try {
            std::regex compiled(pattern, std::regex::ECMAScript);
            return {};
        } catch (const std::regex_error& e) {
            return "'" + pattern + "' at '#" + where + "' is not a valid regular expression (" + e.what() + ")";
        }
    };
    if (auto it = schema.find("pattern"); it != schema.end() && it->is_string()) {
        if (auto e = bad(it->get<std::string>(), path + "/pattern"); !e.empty()) return e;
    }
    if (auto it = schema.find("patternProperties"); it != schema.end() && it->is_object()) {
        for (const auto& [pattern, _] : it->items()) {
            if (auto e = bad(pattern, path + "/patternProperties"); !e.empty()) return e;
        }
    }
    std::string error;
    for_each_subschema(schema, [&](const json& sub, const std::string& rel) {
        if (error.empty()) error = check_patterns(sub, path + rel);
    });
    return error;
}

bool matches_strings_by_regex(const json& schema) {
    if (!schema.is_object()) return false;
    if (schema.contains("pattern") || schema.contains("patternProperties")) return true;
    if (auto f = schema.find("format"); f != schema.end() && f->is_string()) {
        const std::string format = f->get<std::string>();
        if (format == "date" || format == "time" || format == "date-time") return true;
    }
    bool found = false;
    for_each_subschema(schema, [&](const json& sub, const std::string&) { found = found || matches_strings_by_regex(sub); });
    return found;
}

// The first string value or key longer than `limit`, as a JSON pointer (nullopt: none).
std::optional<std::string> overlong_string(const json& doc, std::size_t limit) {
    std::vector<std::pair<const json*, std::string>> stack{{&doc, ""}};
    while (!stack.empty()) {
        auto [node, path] = stack.back();
        stack.pop_back();
        if (node->is_string() && node->get_ref<const std::string&>().size() > limit) return path;
        if (node->is_object()) {
            for (const auto& [key, value] : node->items()) {
                const std::string child = path + "/" + pointer_escape(key);
                if (key.size() > limit) return child;
                stack.emplace_back(&value, child);
            }
        } else if (node->is_array()) {
            for (std::size_t i = 0; i < node->size(); ++i) stack.emplace_back(&(*node)[i], path + "/" + std::to_string(i));
        }
    }
    return std::nullopt;
}

// valijson matches $ref and id values against a URN regular expression: bound their length.
std::string check_uri_lengths(const json& schema, const std::string& path) {
    if (!schema.is_object()) return {};
    for (const char* k : {"$ref", "$id", "id"}) {
        auto it = schema.find(k);
        if (it != schema.end() && it->is_string() && it->get_ref<const std::string&>().size() > max_uri_length) {
            return std::string(k) + " at '#" + path + "' is longer than " + std::to_string(max_uri_length) + " characters";
        }
    }
    std::string error;
    for_each_subschema(schema, [&](const json& sub, const std::string& rel) {
        if (error.empty()) error = check_uri_lengths(sub, path + rel);
    });
    return error;
}

std::string error_path(const std::vector<std::string>& context) {
    std::string path;
    for (const auto& token : context) {
        if (token == "<root>") continue;
        std::string_view t = token;
        if (t.size() >= 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
        path += "/" + pointer_escape(t);
    }
    return path;
}

} // namespace brook::registry::json
