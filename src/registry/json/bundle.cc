#include "registry/json/bundle.h"

#include "registry/json/keywords.h"
#include "registry/json/uri.h"

#include <deque>
#include <map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace brook::registry::json {
namespace {

using nlohmann::json;

struct location {
    std::size_t doc = 0;
    std::string path; // JSON pointer inside the document ("" its root)
};

// valijson percent-decodes each pointer token, so a '%' in a property name on the way to an
// identified subschema must reach it encoded.
std::string percent_encode_percent(const std::string& pointer) {
    std::string out;
    out.reserve(pointer.size());
    for (char c : pointer) {
        if (c == '%') out += "%25";
        else out += c;
    }
    return out;
}

class bundler {
public:
    explicit bundler(const compiled_document_lookup& lookup) : lookup_(lookup) {}

    std::string run(json root) {
        add_document(std::move(root), std::nullopt);
        std::vector<std::pair<json*, std::size_t>> work{{&docs_.front(), 0}};
        std::unordered_set<const json*> visited;
        while (!work.empty()) {
            auto [node, doc] = work.back();
            work.pop_back();
            if (!node->is_object() || !visited.insert(node).second) continue;
            if (auto ref = node->find("$ref"); ref != node->end() && ref->is_string()) {
                // draft 4-7: a $ref's siblings are ignored, so only its target is reached.
                std::string error;
                auto target = resolve(ref->get<std::string>(), doc, error);
                if (!target) return error;
                *ref = "#" + target->pointer;
                work.emplace_back(target->node, target->doc);
                continue;
            }
            for (const auto& rel : child_paths(*node)) work.emplace_back(&(*node)[json::json_pointer(rel)], doc);
        }
        return {};
    }

    json take() {
        json all = json::array();
        for (auto& d : docs_) all.push_back(std::move(d));
        return json{{"$ref", "#/d/0"}, {"d", std::move(all)}};
    }

private:
    struct target {
        json* node;
        std::size_t doc;
        std::string pointer; // in the bundle, percent-encoded as a URI fragment
    };

    static std::vector<std::string> child_paths(const json& node) {
        std::vector<std::string> paths;
        for_each_subschema(node, [&](const json&, const std::string& rel) { paths.push_back(rel); });
        return paths;
    }

    // Adds a document, indexes its identified subschemas by their (absolute) `id` and drops the
    // identifiers, so valijson never changes scope inside the bundle.
    location add_document(json doc, const std::optional<std::string>& name) {
        const std::size_t index = docs_.size();
        json& stored = docs_.emplace_back(std::move(doc));
        if (name) names_.emplace(*name, location{index, ""});
        std::vector<std::pair<json*, std::string>> work{{&stored, ""}};
        while (!work.empty()) {
            auto [node, path] = std::move(work.back());
            work.pop_back();
            if (!node->is_object()) continue;
            if (auto id = node->find("id"); id != node->end() && id->is_string()) {
                names_.emplace(id->get<std::string>(), location{index, path});
                node->erase(id);
            }
            for (const auto& rel : child_paths(*node)) work.emplace_back(&(*node)[json::json_pointer(rel)], path + rel);
        }
        return {index, ""};
    }

    std::optional<target> resolve(const std::string& ref, std::size_t current, std::string& error) {
        const std::string where = strip_fragment(ref);
        const std::string fragment = fragment_of(ref);
        if (!fragment.empty() && fragment.front() != '/') {
            error = "$ref '" + ref + "': a plain-name fragment is not supported (use a JSON pointer, '#/definitions/...')";
            return std::nullopt;
        }
        location at{current, ""};
        if (!where.empty()) {
            if (auto it = names_.find(where); it != names_.end()) {
                at = it->second;
            } else if (auto doc = lookup_(where)) {
                at = add_document(std::move(*doc), where);
            } else {
                error = "$ref '" + ref +
                        "' names no reference given with the schema (register it and list it in 'references')";
                return std::nullopt;
            }
        }
        json& base = docs_[at.doc][json::json_pointer(at.path)];
        // resolve_pointer hands out a const view of a document this bundler owns and may edit.
        auto* node = const_cast<json*>(resolve_pointer(base, fragment));
        if (node == nullptr) {
            error = "invalid JSON Schema: $ref '" + ref + "' points at no value";
            return std::nullopt;
        }
        return target{node, at.doc, "/d/" + std::to_string(at.doc) + percent_encode_percent(at.path) + fragment};
    }

    const compiled_document_lookup& lookup_;
    std::deque<json> docs_; // a deque: nodes being walked stay where they are as documents are added
    std::map<std::string, location> names_;
};

} // namespace

bundle_outcome bundle(json root, const compiled_document_lookup& lookup) {
    if (!root.is_object()) return {std::move(root), {}}; // a boolean schema refers to nothing
    bundler b(lookup);
    if (auto error = b.run(std::move(root)); !error.empty()) return {json(), std::move(error)};
    return {b.take(), {}};
}

} // namespace brook::registry::json
