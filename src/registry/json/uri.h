#pragma once
// The little URI and JSON-pointer handling $ref resolution needs: split a reference into its
// document and fragment, resolve a relative reference against a base (RFC 3986 §5.2, the
// path-merge cases $ref uses), and follow a fragment's JSON pointer.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace brook::registry::json {

std::string strip_fragment(std::string_view uri); // "a.json#/x" -> "a.json"
std::string fragment_of(std::string_view uri);    // "a.json#/x" -> "/x", "a.json" -> ""
bool is_absolute_uri(std::string_view uri);       // has a scheme ("http:", "urn:")
// `ref` resolved against `base` (empty base or absolute ref: ref unchanged).
std::string resolve_uri(std::string_view base, std::string_view ref);
// The node a fragment points at ("" = the document; "/a/0" a JSON pointer, percent-decoded);
// nullptr when it names nothing or is a plain-name anchor.
const nlohmann::json* resolve_pointer(const nlohmann::json& doc, std::string_view fragment);

} // namespace brook::registry::json
