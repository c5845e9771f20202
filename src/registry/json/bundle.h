#pragma once
// Bundles a compiled copy and every document its `$ref`s reach into one self-contained document
// whose references are all JSON pointers into itself ("#/d/2/definitions/x") and which carries
// no identifiers, so valijson never fetches a document and never keys anything by a scope.
//
// Why: valijson 1.0 compiles a fetched document's root under the *referring* schema's scope
// (SchemaParser::makeOrReuseSchema passes `currentScope`, not the fetched URI, when it recurses
// into the fetched document), so two `$id`-identified subschemas that refer to each other
// (tree -> node -> tree) share one cache entry and "tree" resolves to "node". With every
// reference a pointer into one id-less document, valijson's cache keys are plain locations.
//
// The result is {"$ref": "#/d/0", "d": [root, doc1, doc2, ...]}: d/0 the schema itself, the
// others the documents (registered references, meta-schemas, loader documents) in the order
// first reached. Only `$ref`s valijson can reach are rewritten (siblings of a `$ref` are
// ignored in drafts 4-7, so an unresolvable `$ref` there is no error). Pure function; any thread.
#include "registry/json/json_schema.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>

namespace brook::registry::json {

// The compiled copy (absolutized: resolution.h) of the document an absolute URI without
// fragment names, with that URI as its retrieval name; nullopt when nothing is named so.
using compiled_document_lookup = std::function<std::optional<nlohmann::json>(const std::string& uri)>;

struct bundle_outcome {
    nlohmann::json document; // meaningful when error is empty
    std::string error;       // a sentence for a 42201
};

// `root` is the schema's compiled copy (absolutize(doc, d, "")): every base-changing identifier
// is an absolute `id` and every `$ref` is absolute, or as written where no base applies.
bundle_outcome bundle(nlohmann::json root, const compiled_document_lookup& lookup);

} // namespace brook::registry::json
