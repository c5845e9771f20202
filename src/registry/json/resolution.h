#pragma once
// Makes a schema document's identifiers and references absolute before valijson compiles it.
//
// valijson 1.0 knows only draft 4's `id`, and resolves a relative reference by concatenating it
// to the scope ("http://x/a.json" + "b.json"). The compiled copy of a document therefore gets
// every `id`/`$id` resolved against its enclosing base (RFC 3986) and written as `id`, and
// every `$ref` resolved against its base, so valijson only ever sees absolute URIs (or, with no
// base at all, the reference exactly as written, which is how registered references are named).
// Draft <= 7 rule: `$ref` ignores its siblings, so an `$id` beside it does not change the base.
// Keywords of later drafts are dropped from earlier drafts' copies (draft 4: if/then/else,
// const, contains, propertyNames; draft 6: if/then/else), and the date/time formats are
// guarded to apply to strings only. The stored document (canonical form) is never rewritten.
#include "registry/json/json_schema.h"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace brook::registry::json {

// Subschemas with their own base-changing identifier, by absolute URI (already rewritten), so
// a $ref to "http://x/node" finds the schema embedded under that $id.
using identified_schemas = std::vector<std::pair<std::string, nlohmann::json>>;

nlohmann::json absolutize(const nlohmann::json& doc, draft d, const std::string& base,
                          identified_schemas* ids = nullptr);

// The document's own base URI: its root `id` (draft 4) / `$id`, resolved against `retrieval`
// (the URI it was fetched by; empty for the schema being registered).
std::string document_base(const nlohmann::json& doc, draft d, const std::string& retrieval);

} // namespace brook::registry::json
