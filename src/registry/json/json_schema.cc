// Parsing a JSON Schema: JSON text -> draft -> limits (checks.h) -> meta-schema check -> $ref
// sanity -> valijson compile with the references. Every failure is a sentence for a 42201.
#include "registry/json/json_schema.h"

#include "registry/json/checks.h"
#include "registry/json/keywords.h"
#include "registry/json/meta_schemas.h"
#include "registry/json/resolution.h"
#include "registry/json/uri.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <array>
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

// valijson resolves a relative document reference at the root of a schema ({"$ref":"a.json"})
// inside the schema itself, forever; marked with this prefix it is fetched like any other.
const std::string root_ref_scheme = "brook-ref://";

// Finds the document for a URI valijson asks for: a registered reference (by its name, or by
// its name resolved against the root's $id), a meta-schema, or the caller's extra loader.
class document_finder {
public:
    document_finder(const named_documents& refs, std::string base, const document_loader& extra)
        : refs_(refs), base_(std::move(base)), extra_(extra) {}

    // Subschemas of the schema itself that carry their own absolute identifier.
    void add_embedded(identified_schemas ids) { embedded_ = std::move(ids); }

    std::optional<json> find(const std::string& raw_uri) const {
        std::string uri = strip_fragment(raw_uri);
        if (uri.rfind(root_ref_scheme, 0) == 0) uri = uri.substr(root_ref_scheme.size());
        const std::string absolute = resolve_uri(base_, uri);
        for (const auto& [id, doc] : embedded_) {
            if (id == uri) return doc;
        }
        for (const auto& [name, doc] : refs_) {
            const std::string n = strip_fragment(name);
            if (n == uri || n == absolute || resolve_uri(base_, n) == absolute) return doc;
        }
        for (const auto& [name, doc] : meta_documents()) {
            if (name == uri || "https" + name.substr(4) == uri) return doc;
        }
        if (extra_) return extra_(uri);
        return std::nullopt;
    }

private:
    const named_documents& refs_;
    std::string base_;
    const document_loader& extra_;
    identified_schemas embedded_;
};

// valijson follows a chain of `$ref`-only nodes until it reaches a schema; a chain that loops
// ({"$ref": "#"}, or a -> b -> a) would recurse forever, so such chains are refused first.
std::string check_ref_cycles(const json& root, const document_finder& finder) {
    std::string error;
    std::function<void(const json&, const json&, const std::string&)> walk = [&](const json& doc, const json& node,
                                                                                 const std::string& path) {
        if (!error.empty() || !node.is_object()) return;
        if (auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
            std::set<std::string> seen;
            const json* current_doc = &doc;
            std::optional<json> fetched;
            const json* target = &node;
            while (target->is_object() && target->contains("$ref") && (*target)["$ref"].is_string()) {
                const std::string r = (*target)["$ref"].get<std::string>();
                const std::string where = r.substr(0, r.find('#'));
                const std::string key = (where.empty() ? std::string("<doc>") : where) + "#" + fragment_of(r);
                if (!seen.insert(key).second) {
                    error = "$ref '" + ref->get<std::string>() + "' at '#" + path + "' refers to itself in a loop";
                    return;
                }
                if (!where.empty()) {
                    fetched = finder.find(where);
                    if (!fetched) return; // valijson reports the missing document
                    current_doc = &*fetched;
                }
                const json* next = resolve_pointer(*current_doc, fragment_of(r));
                if (next == nullptr) return; // valijson reports the bad pointer
                target = next;
                if (fetched && target == &*fetched) break; // a whole fetched document: its own walk
            }
        }
        for_each_subschema(node, [&](const json& sub, const std::string& rel) { walk(doc, sub, path + rel); });
    };
    walk(root, root, "");
    return error;
}

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
                         std::shared_ptr<const valijson::Schema> compiled)
    : document_(std::move(document)), draft_(d), references_(std::move(references)), compiled_(std::move(compiled)) {
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

    document_finder finder(references, document_base(doc, d, ""), opts.extra_documents);
    if (auto e = check_ref_cycles(doc, finder); !e.empty()) return {nullptr, e};

    auto compiled = std::make_shared<valijson::Schema>();
    try {
        valijson::SchemaParser parser(parser_version(d));
        identified_schemas embedded;
        json compiled_doc = absolutize(doc, d, "", &embedded);
        if (compiled_doc.is_object() && compiled_doc.contains("$ref") && compiled_doc["$ref"].is_string()) {
            const std::string r = compiled_doc["$ref"].get<std::string>();
            if (!r.empty() && r.front() != '#' && r.find("://") == std::string::npos && r.rfind("urn:", 0) != 0) {
                compiled_doc["$ref"] = root_ref_scheme + r;
            }
        }
        finder.add_embedded(std::move(embedded));
        valijson::adapters::NlohmannJsonAdapter adapter(compiled_doc);
        // valijson takes ownership of each fetched document through a raw pointer and hands it
        // back to the free callback; unique_ptr on both sides keeps the pairing exact.
        auto fetch = [&finder, d](const std::string& uri) -> const json* {
            auto found = finder.find(uri);
            if (!found) return nullptr;
            const draft found_draft = choose_draft(*found, d).d;
            const std::string name =
                uri.rfind(root_ref_scheme, 0) == 0 ? uri.substr(root_ref_scheme.size()) : uri;
            return std::make_unique<json>(absolutize(*found, found_draft, name)).release();
        };
        auto release = [](const json* p) { std::unique_ptr<const json> owned(p); };
        parser.populateSchema(adapter, *compiled, fetch, release);
    } catch (const std::exception& e) {
        std::string why = e.what();
        const std::string prefix = "Failed to fetch referenced schema document: ";
        if (why.rfind(prefix, 0) == 0) {
            return {nullptr, "$ref '" + why.substr(prefix.size()) +
                                 "' names no reference given with the schema (register it and list it in 'references')"};
        }
        return {nullptr, "invalid JSON Schema: " + why};
    }
    return {std::make_shared<json_schema>(std::move(doc), d, std::move(references), std::move(compiled)), {}};
}

} // namespace brook::registry::json
