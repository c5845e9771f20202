#pragma once
// Where a JSON Schema keeps its subschemas, for code that walks a schema document (the 2020-12
// subset check, the compatibility model): one function calls back for every subschema position
// below a schema object with the JSON-pointer tokens that lead to it.
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace brook::registry::json {

// "~" -> "~0", "/" -> "~1" (RFC 6901).
std::string pointer_escape(std::string_view token);

// Calls `visit(subschema, path)` for each direct subschema of `schema` (an object; booleans and
// other values have none). `path` is relative to `schema`, e.g. "/properties/a", "/allOf/0".
void for_each_subschema(const nlohmann::json& schema,
                        const std::function<void(const nlohmann::json&, const std::string&)>& visit);

} // namespace brook::registry::json
