#pragma once
// The shape of a schema as a graph, for the limits valijson needs: it recurses through every
// subschema when it compiles a schema, and through the subschemas applied to one value
// ($ref, allOf, anyOf, oneOf, not, if/then/else, schema dependencies: "in place") when it
// validates. A loop of in-place subschemas ({"allOf":[{"$ref":"#"}]}) never ends; a long chain
// of them, or a huge schema, exhausts the stack. Walked iteratively, so the walk itself is safe.
// Internal to registry/json.
#include "registry/json/json_schema.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>

namespace brook::registry::json {

// Where a $ref leads: the node, the root of its document and that document's base URI.
struct ref_target {
    const nlohmann::json* node = nullptr;
    const nlohmann::json* doc_root = nullptr;
    std::string base;
};
// Resolves `ref` written in the document `doc_root` whose base URI at that point is `base`
// (nullopt: unknown; the walk treats it as a leaf).
using ref_resolver =
    std::function<std::optional<ref_target>(const nlohmann::json& doc_root, const std::string& base, const std::string& ref)>;

struct schema_shape {
    std::string loop;                // set: a loop of in-place subschemas, described
    std::size_t nodes = 0;           // subschemas reachable from the root (each counted once)
    std::size_t longest_in_place = 0; // the longest chain of in-place steps
};

schema_shape analyse_shape(const nlohmann::json& root, draft d, const std::string& base, const ref_resolver& resolve);

} // namespace brook::registry::json
