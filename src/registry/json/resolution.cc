#include "registry/json/resolution.h"

#include "registry/json/keywords.h"
#include "registry/json/uri.h"

namespace brook::registry::json {
namespace {

const char* id_keyword(draft d) { return d == draft::draft4 ? "id" : "$id"; }

// An identifier that only names a location ("#foo") does not change the base.
bool changes_base(const std::string& id) { return !id.empty() && id.front() != '#'; }

// valijson 1.0 checks "date", "time" and "date-time" on every value, though a format applies
// only to strings ({"format":"date"} rejects 5). The compiled copy says what the spec means:
// allOf += anyOf[not string, {format}]. Added after the children are rewritten, so the new
// subschema is not visited again.
void guard_string_formats(nlohmann::json& node) {
    auto f = node.find("format");
    if (f == node.end() || !f->is_string()) return;
    const std::string format = f->get<std::string>();
    if (format != "date" && format != "time" && format != "date-time") return;
    nlohmann::json guard = {{"anyOf", nlohmann::json::array({{{"not", {{"type", "string"}}}}, {{"format", format}}})}};
    node.erase("format");
    if (!node.contains("allOf") || !node["allOf"].is_array()) node["allOf"] = nlohmann::json::array();
    node["allOf"].push_back(std::move(guard));
}

void rewrite(nlohmann::json& node, draft d, const std::string& base, identified_schemas* ids) {
    if (!node.is_object()) return;
    std::string here = base;
    const bool has_ref = node.contains("$ref") && node["$ref"].is_string();
    auto id = node.find(id_keyword(d));
    const bool id_is_string = id != node.end() && id->is_string();
    std::string absolute_id;
    if (id_is_string && !has_ref && changes_base(id->get<std::string>())) {
        absolute_id = strip_fragment(resolve_uri(base, id->get<std::string>()));
        here = absolute_id;
    }
    if (d != draft::draft4) node.erase("id"); // not a keyword after draft 4; valijson would read it
    // Keywords a later draft introduced are unknown, so ignored, in an earlier one; valijson
    // would enforce const/contains in any draft and refuses if/propertyNames in draft 4.
    if (d == draft::draft4) {
        for (const char* k : {"if", "then", "else", "const", "contains", "propertyNames"}) node.erase(k);
    } else if (d == draft::draft6) {
        for (const char* k : {"if", "then", "else"}) node.erase(k);
    }
    if (!absolute_id.empty()) node["id"] = absolute_id;
    else if (d == draft::draft4 && id_is_string) node.erase("id");
    if (has_ref && !base.empty()) node["$ref"] = resolve_uri(base, node["$ref"].get<std::string>());
    // for_each_subschema hands out const references; the positions it names are rewritten here.
    std::vector<std::string> paths;
    for_each_subschema(node, [&](const nlohmann::json&, const std::string& rel) { paths.push_back(rel); });
    for (const auto& rel : paths) {
        nlohmann::json::json_pointer ptr(rel);
        rewrite(node[ptr], d, here, ids);
    }
    guard_string_formats(node);
    if (ids != nullptr && !absolute_id.empty()) ids->emplace_back(absolute_id, node);
}

} // namespace

std::string document_base(const nlohmann::json& doc, draft d, const std::string& retrieval) {
    if (doc.is_object()) {
        auto id = doc.find(id_keyword(d));
        if (id != doc.end() && id->is_string() && !doc.contains("$ref") && changes_base(id->get<std::string>())) {
            return strip_fragment(resolve_uri(retrieval, id->get<std::string>()));
        }
    }
    return strip_fragment(retrieval);
}

nlohmann::json absolutize(const nlohmann::json& doc, draft d, const std::string& base, identified_schemas* ids) {
    nlohmann::json copy = doc;
    rewrite(copy, d, base, ids);
    return copy;
}

} // namespace brook::registry::json
