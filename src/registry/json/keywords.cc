#include "registry/json/keywords.h"

#include <array>

namespace brook::registry::json {

std::string pointer_escape(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    for (char c : token) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

void for_each_subschema(const nlohmann::json& schema,
                        const std::function<void(const nlohmann::json&, const std::string&)>& visit) {
    if (!schema.is_object()) return;
    // Keywords whose value is one schema.
    static constexpr std::array single{"additionalItems", "additionalProperties", "contains", "else", "if",
                                       "not", "propertyNames", "then", "unevaluatedItems",
                                       "unevaluatedProperties", "contentSchema"};
    // Keywords whose value is an array of schemas.
    static constexpr std::array lists{"allOf", "anyOf", "oneOf", "prefixItems"};
    // Keywords whose value maps names to schemas.
    static constexpr std::array maps{"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"};
    for (const char* k : single) {
        if (auto it = schema.find(k); it != schema.end()) visit(*it, std::string("/") + k);
    }
    for (const char* k : lists) {
        auto it = schema.find(k);
        if (it == schema.end() || !it->is_array()) continue;
        for (std::size_t i = 0; i < it->size(); ++i) visit((*it)[i], std::string("/") + k + "/" + std::to_string(i));
    }
    for (const char* k : maps) {
        auto it = schema.find(k);
        if (it == schema.end() || !it->is_object()) continue;
        for (const auto& [name, sub] : it->items()) visit(sub, std::string("/") + k + "/" + pointer_escape(name));
    }
    if (auto it = schema.find("items"); it != schema.end()) {
        if (it->is_array()) {
            for (std::size_t i = 0; i < it->size(); ++i) visit((*it)[i], "/items/" + std::to_string(i));
        } else {
            visit(*it, "/items");
        }
    }
    // draft 4-7 "dependencies": an array of names (no schema) or a schema.
    if (auto it = schema.find("dependencies"); it != schema.end() && it->is_object()) {
        for (const auto& [name, dep] : it->items()) {
            if (!dep.is_array()) visit(dep, "/dependencies/" + pointer_escape(name));
        }
    }
}

} // namespace brook::registry::json
