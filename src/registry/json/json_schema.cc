// Parsing a JSON Schema: JSON text -> draft -> limits (checks.h) -> meta-schema check -> $ref
// sanity -> valijson compile with the references. Every failure is a sentence for a 42201.
#include "registry/json/json_schema.h"

#include "registry/json/bundle.h"
#include "registry/json/checks.h"
#include "registry/json/graph.h"
#include "registry/json/keywords.h"
#include "registry/json/large_stack.h"
#include "registry/json/meta_schemas.h"
#include "registry/json/resolution.h"
#include "registry/json/uri.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <array>
#include <deque>
#include <exception>
#include <set>
#include <utility>

namespace brook::registry::json {
namespace {

using nlohmann::json;
using named_documents = std::vector<std::pair<std::string, json>>;

struct draft_choice {
    draft d = draft::draft7;
    std::string error;
};

draft_choice choose_draft(const json& doc, draft fallback) {
    if (!doc.is_object()) return {fallback, {}};
    auto it = doc.find("$schema");
    if (it == doc.end()) return {fallback, {}};
    if (!it->is_string()) return {fallback, "$schema must be a string (a meta-schema URL)"};
    const std::string url = strip_fragment(it->get<std::string>());
    auto names = [&](std::string_view path) {
        return url == "http://json-schema.org/" + std::string(path) || url == "https://json-schema.org/" + std::string(path);
    };
    if (names("draft-04/schema")) return {draft::draft4, {}};
    if (names("draft-06/schema")) return {draft::draft6, {}};
    if (names("draft-07/schema")) return {draft::draft7, {}};
    if (names("draft/2020-12/schema")) return {draft::draft2020_12, {}};
    if (names("draft/2019-09/schema"))
        return {fallback, "JSON Schema draft 2019-09 is not supported (use draft-04, -06, -07 or 2020-12)"};
    if (names("draft-03/schema")) return {fallback, "JSON Schema draft-03 is not supported (use draft-04, -06, -07 or 2020-12)"};
    return {fallback, {}}; // an unknown meta-schema URL: the default draft, as Confluent
}

const named_documents& meta_documents() {
    static const named_documents docs = [] {
        named_documents d;
        d.emplace_back("http://json-schema.org/draft-04/schema", json::parse(meta_schema_draft4()));
        d.emplace_back("http://json-schema.org/draft-06/schema", json::parse(meta_schema_draft6()));
        d.emplace_back("http://json-schema.org/draft-07/schema", json::parse(meta_schema_draft7()));
        return d;
    }();
    return docs;
}

valijson::SchemaParser::Version parser_version(draft d) {
    return d == draft::draft4 ? valijson::SchemaParser::kDraft4 : valijson::SchemaParser::kDraft7;
}

// Schemas with more subschemas than this compile on a thread with a large stack.
constexpr std::size_t nodes_compiled_on_caller_stack = 500;

// Finds the document a $ref names: a registered reference (by its name, or by
// its name resolved against the root's $id), a meta-schema, or the caller's extra loader.
class document_finder {
public:
    document_finder(const named_documents& refs, std::string base, const document_loader& extra)
        : refs_(refs), base_(std::move(base)), extra_(extra) {}

    // The stored document a URI (without fragment) names: a reference, a meta-schema or one
    // the extra loader returned (kept here, so the pointer stays valid while the finder lives).
    const json* find_document(const std::string& uri) const {
        const std::string absolute = resolve_uri(base_, uri);
        for (const auto& [name, doc] : refs_) {
            const std::string n = strip_fragment(name);
            if (n == uri || n == absolute || resolve_uri(base_, n) == absolute) return &doc;
        }
        for (const auto& [name, doc] : meta_documents()) {
            if (name == uri || "https" + name.substr(4) == uri) return &doc;
        }
        for (const auto& [name, doc] : loaded_) {
            if (name == uri) return &doc;
        }
        if (extra_) {
            if (auto doc = extra_(uri)) return &loaded_.emplace_back(uri, std::move(*doc)).second;
        }
        return nullptr;
    }

private:
    const named_documents& refs_;
    std::string base_;
    const document_loader& extra_;
    mutable std::deque<std::pair<std::string, json>> loaded_;
};

std::string describe(const valijson::ValidationResults::Error& e) {
    const std::string path = error_path(e.context);
    return (path.empty() ? std::string("/") : path) + ": " + e.description;
}

const valijson::Schema& meta_validator(draft d) {
    // Compiled once; valijson::Schema is read-only after populateSchema.
    static const auto compiled = [] {
        std::array<std::unique_ptr<valijson::Schema>, 3> out;
        const std::array texts{meta_schema_draft4(), meta_schema_draft6(), meta_schema_draft7()};
        for (std::size_t i = 0; i < texts.size(); ++i) {
            const draft d = i == 0 ? draft::draft4 : i == 1 ? draft::draft6 : draft::draft7;
            const json doc = absolutize(json::parse(texts[i]), d, "");
            out[i] = std::make_unique<valijson::Schema>();
            valijson::SchemaParser parser(i == 0 ? valijson::SchemaParser::kDraft4 : valijson::SchemaParser::kDraft7);
            valijson::adapters::NlohmannJsonAdapter adapter(doc);
            parser.populateSchema(adapter, *out[i]);
        }
        return out;
    }();
    switch (d) {
    case draft::draft4: return *compiled[0];
    case draft::draft6: return *compiled[1];
    case draft::draft7:
    case draft::draft2020_12: return *compiled[2];
    }
    return *compiled[2];
}

std::string check_meta(const json& doc, draft d) {
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(doc);
    if (validator.validate(meta_validator(d), target, &results)) return {};
    valijson::ValidationResults::Error first;
    std::string reasons;
    int shown = 0;
    while (results.popError(first) && shown < 3) {
        // valijson reports the failing branch and each enclosing anyOf/allOf; the innermost
        // (longest path) reasons are the useful ones, and the first few suffice.
        if (!reasons.empty()) reasons += "; ";
        reasons += describe(first);
        ++shown;
    }
    return "not a valid " + std::string(draft_name(d)) + " JSON Schema: " + reasons;
}

} // namespace

std::string_view draft_name(draft d) {
    switch (d) {
    case draft::draft4: return "draft-04";
    case draft::draft6: return "draft-06";
    case draft::draft7: return "draft-07";
    case draft::draft2020_12: return "2020-12";
    }
    return "draft-07";
}

json_schema::json_schema(json document, draft d, named_documents references,
                         std::shared_ptr<const valijson::Schema> compiled, std::size_t longest_in_place,
                         std::size_t subschemas)
    : document_(std::move(document)), draft_(d), references_(std::move(references)), compiled_(std::move(compiled)),
      longest_in_place_(longest_in_place), subschemas_(subschemas) {
    uses_regex_ = matches_strings_by_regex(document_);
    for (const auto& [name, doc] : references_) uses_regex_ = uses_regex_ || matches_strings_by_regex(doc);
}

std::string json_schema::canonical() const { return document_.dump(); }

std::string json_schema::normalized() const { return canonical(); }

json_parse_outcome parse_schema(std::string_view text, const std::vector<resolved_reference>& refs,
                                const parse_options& opts) {
    json doc;
    try {
        doc = json::parse(text); // nlohmann reports the byte and the reason only through parse_error
    } catch (const json::exception& e) {
        return {nullptr, std::string("invalid JSON: ") + e.what()};
    }
    if (!doc.is_object() && !doc.is_boolean()) {
        return {nullptr, std::string("a JSON Schema is an object or a boolean, not ") + doc.type_name()};
    }
    if (depth_of(doc) > max_depth) return {nullptr, "schema nests deeper than " + std::to_string(max_depth) + " levels"};

    const draft_choice chosen = choose_draft(doc, opts.default_draft);
    if (!chosen.error.empty()) return {nullptr, chosen.error};
    const draft d = chosen.d;
    if (d == draft::draft4 && doc.is_boolean()) return {nullptr, "draft-04 has no boolean schemas"};
    if (d == draft::draft2020_12) {
        if (auto e = check_2020_subset(doc, ""); !e.empty()) return {nullptr, e};
    }

    named_documents references;
    for (const auto& r : refs) {
        json ref_doc = json::parse(r.schema, nullptr, false);
        if (ref_doc.is_discarded() || depth_of(ref_doc) > max_depth) {
            return {nullptr, "reference '" + r.name + "' (subject '" + r.subject + "' version " +
                                 std::to_string(r.version) + ") is not a valid JSON document"};
        }
        references.emplace_back(r.name, std::move(ref_doc));
    }

    if (auto e = check_meta(doc, d); !e.empty()) return {nullptr, e};
    if (auto e = check_patterns(doc, ""); !e.empty()) return {nullptr, e};
    if (auto e = check_uri_lengths(doc, ""); !e.empty()) return {nullptr, e};
    for (const auto& [name, ref_doc] : references) {
        if (name.size() > max_uri_length) return {nullptr, "reference name '" + name.substr(0, 64) + "...' is too long"};
        if (auto e = check_uri_lengths(ref_doc, ""); !e.empty()) return {nullptr, "reference '" + name + "': " + e};
    }

    const std::string root_base = document_base(doc, d, "");
    document_finder finder(references, root_base, opts.extra_documents);
    const ref_resolver resolver = [&](const json& doc_root, const std::string& base,
                                      const std::string& ref) -> std::optional<ref_target> {
        const std::string where = strip_fragment(ref);
        const std::string fragment = fragment_of(ref);
        if (where.empty()) {
            const json* n = resolve_pointer(doc_root, fragment);
            return n ? std::optional<ref_target>(ref_target{n, &doc_root, base}) : std::nullopt;
        }
        const std::string absolute = resolve_uri(base, where);
        if (const json* embedded = find_identified(doc, d, root_base, absolute)) {
            const json* n = resolve_pointer(*embedded, fragment);
            return n ? std::optional<ref_target>(ref_target{n, embedded, absolute}) : std::nullopt;
        }
        const json* found = finder.find_document(absolute);
        if (found == nullptr) found = finder.find_document(where);
        if (found == nullptr) return std::nullopt; // valijson reports the missing document
        const json* n = resolve_pointer(*found, fragment);
        if (n == nullptr) return std::nullopt;
        return ref_target{n, found, document_base(*found, choose_draft(*found, d).d, absolute)};
    };
    const schema_shape shape = analyse_shape(doc, d, root_base, resolver);
    if (!shape.loop.empty()) {
        return {nullptr, "subschemas loop without descending into the value (" + shape.loop +
                             "), so validation would never end"};
    }
    if (shape.nodes > max_schema_nodes) {
        return {nullptr, "schema has " + std::to_string(shape.nodes) + " subschemas with its references (at most " +
                             std::to_string(max_schema_nodes) + ")"};
    }
    if (shape.longest_in_place > max_in_place_chain) {
        return {nullptr, "schema applies " + std::to_string(shape.longest_in_place) +
                             " subschemas in a row to one value ($ref/allOf/anyOf/oneOf/not/if/then/else; at most " +
                             std::to_string(max_in_place_chain) + ")"};
    }

    auto compiled = std::make_shared<valijson::Schema>();
    std::string compile_error;
    auto compile = [&] {
        try {
            // The references valijson would fetch are bundled into one id-less document
            // first (bundle.h says why), each as its compiled copy named by its URI.
            const compiled_document_lookup lookup = [&finder, d](const std::string& uri) -> std::optional<json> {
                const json* found = finder.find_document(uri);
                if (found == nullptr) return std::nullopt;
                return absolutize(*found, choose_draft(*found, d).d, uri);
            };
            bundle_outcome bundled = bundle(absolutize(doc, d, ""), lookup);
            if (!bundled.error.empty()) {
                compile_error = std::move(bundled.error);
                return;
            }
            valijson::SchemaParser parser(parser_version(d));
            valijson::adapters::NlohmannJsonAdapter adapter(bundled.document);
            parser.populateSchema(adapter, *compiled);
        } catch (const std::exception& e) {
            compile_error = "invalid JSON Schema: " + std::string(e.what());
        }
    };
    // valijson's compile recursion follows the schema graph; big schemas compile on a big stack.
    if (shape.nodes <= nodes_compiled_on_caller_stack) {
        compile();
    } else if (!run_on_large_stack(compile)) {
        return {nullptr, "no thread with a large stack could be started to compile this schema"};
    }
    if (!compile_error.empty()) return {nullptr, compile_error};
    return {std::make_shared<json_schema>(std::move(doc), d, std::move(references), std::move(compiled),
                                          shape.longest_in_place, shape.nodes),
            {}};
}

} // namespace brook::registry::json
