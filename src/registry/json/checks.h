#pragma once
// Checks on schema and document JSON that run before valijson sees them (it recurses, compiles
// regular expressions lazily, and matches URIs with a regular expression), each returning the
// sentence for a 42201 ("" when fine). Internal to registry/json.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace brook::registry::json {

// Deeper documents are refused before anything recursive (dump, valijson) walks them.
inline constexpr std::size_t max_depth = 512;
std::size_t depth_of(const nlohmann::json& doc); // stops counting past max_depth

// A 2020-12 schema may only use the keywords it shares with draft 7 (json_schema.h).
std::string check_2020_subset(const nlohmann::json& schema, const std::string& path);
// Every pattern and patternProperties key compiles as an ECMAScript regular expression.
std::string check_patterns(const nlohmann::json& schema, const std::string& path);
// $ref, $id and id are at most max_uri_length characters.
std::string check_uri_lengths(const nlohmann::json& schema, const std::string& path);

// The schema matches strings with regular expressions (pattern, patternProperties, the
// date/time formats) somewhere.
bool matches_strings_by_regex(const nlohmann::json& schema);
// The first string value or key longer than `limit`, as a JSON pointer (nullopt: none).
std::optional<std::string> overlong_string(const nlohmann::json& doc, std::size_t limit);

// valijson's error context ("<root>", "[a]", "[0]") as a JSON pointer ("/a/0"; "" the root).
std::string error_path(const std::vector<std::string>& context);

} // namespace brook::registry::json
