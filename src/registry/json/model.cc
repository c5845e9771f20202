#include "registry/json/model.h"

#include "registry/json/keywords.h"
#include "registry/json/uri.h"

#include <array>

namespace brook::registry::json {
namespace {

using nlohmann::json;

// everit's keyword sets per type (its PropertySnifferSchemaExtractor and type loaders).
constexpr std::array array_keywords{"items", "additionalItems", "maxItems", "minItems", "uniqueItems", "contains"};
constexpr std::array object_keywords{"properties",    "required",          "minProperties",        "maxProperties",
                                     "dependencies",  "patternProperties", "additionalProperties", "propertyNames"};
constexpr std::array number_keywords{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"};
constexpr std::array string_keywords{"minLength", "maxLength", "pattern", "format"};

template <std::size_t N>
bool has_any(const json& o, const std::array<const char*, N>& keys) {
    for (const char* k : keys) {
        if (o.contains(k)) return true;
    }
    return false;
}

std::optional<double> number_at(const json& o, const char* key) {
    auto it = o.find(key);
    if (it == o.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

// The parts a schema object is made of, in everit's extraction order.
enum class part { enumeration, all_of, any_of, one_of, negation, constant, explicit_type, sniff_array, sniff_object,
                  sniff_number, sniff_string, conditional };

std::vector<part> parts_of(const json& o, draft d) {
    std::vector<part> parts;
    if (o.contains("enum")) parts.push_back(part::enumeration);
    if (o.contains("allOf")) parts.push_back(part::all_of);
    if (o.contains("anyOf")) parts.push_back(part::any_of);
    if (o.contains("oneOf")) parts.push_back(part::one_of);
    if (o.contains("not")) parts.push_back(part::negation);
    if (d != draft::draft4 && o.contains("const")) parts.push_back(part::constant);
    std::set<std::string> typed;
    if (auto t = o.find("type"); t != o.end() && (t->is_string() || t->is_array())) {
        parts.push_back(part::explicit_type);
        if (t->is_string()) typed.insert(t->get<std::string>());
        else for (const auto& e : *t) if (e.is_string()) typed.insert(e.get<std::string>());
    }
    // Keywords of a type the explicit "type" already covers are consumed by it.
    if (!typed.contains("array") && has_any(o, array_keywords)) parts.push_back(part::sniff_array);
    if (!typed.contains("object") && has_any(o, object_keywords)) parts.push_back(part::sniff_object);
    if (!typed.contains("number") && !typed.contains("integer") && has_any(o, number_keywords))
        parts.push_back(part::sniff_number);
    if (!typed.contains("string") && has_any(o, string_keywords)) parts.push_back(part::sniff_string);
    if (d != draft::draft4 && d != draft::draft6 && o.contains("if")) parts.push_back(part::conditional);
    return parts;
}

// The subschema whose identifier, resolved against its enclosing base, is `uri`.
const json* find_identified(const json& node, draft d, const std::string& base, const std::string& uri) {
    if (!node.is_object()) return nullptr;
    std::string here = base;
    const char* id_key = d == draft::draft4 ? "id" : "$id";
    if (auto id = node.find(id_key); id != node.end() && id->is_string() && !node.contains("$ref")) {
        const std::string id_text = id->get<std::string>();
        if (!id_text.empty() && id_text.front() != '#') {
            here = strip_fragment(resolve_uri(base, id_text));
            if (here == uri) return &node;
        }
    }
    const json* found = nullptr;
    for_each_subschema(node, [&](const json& sub, const std::string&) {
        if (found == nullptr) found = find_identified(sub, d, here, uri);
    });
    return found;
}

} // namespace

std::string_view criterion_name(criterion c) {
    switch (c) {
    case criterion::all_of: return "allOf";
    case criterion::any_of: return "anyOf";
    case criterion::one_of: return "oneOf";
    }
    return "allOf";
}

schema_model::schema_model(const json_schema& schema) : schema_(schema) {
    const json& doc = schema.document();
    std::string base;
    const char* id_key = schema.schema_draft() == draft::draft4 ? "id" : "$id";
    if (doc.is_object() && doc.contains(id_key) && doc[id_key].is_string()) base = strip_fragment(doc[id_key].get<std::string>());
    documents_.push_back({&doc, base, schema.schema_draft()});
    root_ = load(doc, documents_.front(), 0);
}

schema_node& schema_model::make() { return nodes_.emplace_back(); }

const schema_node* schema_model::load_ref(const std::string& ref, const document& doc, int depth) {
    const std::string where = strip_fragment(ref);
    const document* target_doc = &doc;
    if (!where.empty()) {
        const std::string absolute = resolve_uri(doc.base, where);
        target_doc = nullptr;
        for (const auto& d : documents_) {
            if (d.base == absolute || d.base == where) target_doc = &d;
        }
        if (target_doc == nullptr) {
            for (const auto& [name, ref_doc] : schema_.references()) {
                const std::string n = strip_fragment(name);
                if (n == where || n == absolute || resolve_uri(doc.base, n) == absolute) {
                    documents_.push_back({&ref_doc, n == where ? where : absolute, doc.d});
                    target_doc = &documents_.back();
                    break;
                }
            }
        }
    }
    const json* target = target_doc ? resolve_pointer(*target_doc->root, fragment_of(ref)) : nullptr;
    if (target == nullptr && !where.empty()) {
        // A subschema of this document that carries the URI as its own $id (draft 4: id).
        const std::string absolute = resolve_uri(doc.base, where);
        if (const json* embedded = find_identified(*doc.root, doc.d, doc.base, absolute)) {
            documents_.push_back({embedded, absolute, doc.d});
            target_doc = &documents_.back();
            target = resolve_pointer(*embedded, fragment_of(ref));
        }
    }
    if (target == nullptr) {
        // Parse resolved every $ref valijson follows; one it cannot see here (an embedded $id,
        // a meta-schema) constrains nothing this model knows, like everit's unresolved refs.
        schema_node& n = make();
        n.kind = node_kind::empty;
        n.identity = json{{"$ref", ref}};
        return &n;
    }
    return load(*target, *target_doc, depth + 1);
}

const schema_node* schema_model::load(const json& node, const document& doc, int depth) {
    if (auto it = loaded_.find(&node); it != loaded_.end()) return it->second;
    schema_node& n = make();
    n.identity = node;
    loaded_[&node] = &n; // before the children: recursive schemas point back here
    if (depth > max_depth) {
        // Only a very long chain of distinct $refs gets here (parse bounds nesting); the check
        // reports it rather than comparing a cut-off graph.
        truncated_ = true;
        return &n;
    }
    if (node.is_boolean()) {
        n.kind = node.get<bool>() ? node_kind::empty : node_kind::false_schema;
        return &n;
    }
    if (!node.is_object()) return &n;
    if (auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
        // everit replaces a reference by the schema it refers to; draft <= 7 ignores siblings.
        const schema_node* target = load_ref(ref->get<std::string>(), doc, depth);
        loaded_[&node] = target;
        return target;
    }

    // The draft's identifier keyword, else the other one: Confluent reports ID_CHANGED for a
    // changed "id" in a draft-7 schema too. ID_CHANGED is compatible either way.
    const std::string id_key = doc.d == draft::draft4 ? "id" : "$id";
    const std::string other_id_key = doc.d == draft::draft4 ? "$id" : "id";
    if (auto it = node.find(id_key); it != node.end()) n.id = *it;
    else if (auto other = node.find(other_id_key); other != node.end() && other->is_string()) n.id = *other;
    if (auto it = node.find("title"); it != node.end()) n.title = *it;
    if (auto it = node.find("description"); it != node.end()) n.description = *it;
    if (auto it = node.find("default"); it != node.end()) n.default_value = *it;
    if (auto it = node.find("connect.type"); it != node.end() && it->is_string()) n.connect_type = it->get<std::string>();

    const std::vector<part> parts = parts_of(node, doc.d);
    if (parts.empty()) {
        n.kind = node_kind::empty;
        return &n;
    }
    auto build = [&](schema_node& into, part p) {
        switch (p) {
        case part::enumeration:
            into.kind = node_kind::enumeration;
            for (const auto& v : node["enum"]) {
                if (std::find(into.values.begin(), into.values.end(), v) == into.values.end()) into.values.push_back(v);
            }
            break;
        case part::all_of:
        case part::any_of:
        case part::one_of: {
            into.kind = node_kind::combined;
            into.crit = p == part::all_of ? criterion::all_of : p == part::any_of ? criterion::any_of : criterion::one_of;
            for (const auto& sub : node[std::string(criterion_name(into.crit))]) into.subschemas.push_back(load(sub, doc, depth + 1));
            break;
        }
        case part::negation:
            into.kind = node_kind::negation;
            into.negated = load(node["not"], doc, depth + 1);
            break;
        case part::constant:
            into.kind = node_kind::constant;
            into.constant = node["const"];
            break;
        case part::explicit_type: {
            const json& t = node["type"];
            if (t.is_string()) {
                fill_type(into, t.get<std::string>(), node, doc, depth);
            } else {
                into.kind = node_kind::combined;
                into.crit = criterion::any_of;
                for (const auto& one : t) {
                    schema_node& sub = make();
                    json identity = node;
                    identity["type"] = one;
                    sub.identity = std::move(identity);
                    fill_type(sub, one.get<std::string>(), node, doc, depth);
                    into.subschemas.push_back(&sub);
                }
            }
            break;
        }
        case part::sniff_array: fill_type(into, "array", node, doc, depth); break;
        case part::sniff_object: fill_type(into, "object", node, doc, depth); break;
        case part::sniff_number: fill_type(into, "number", node, doc, depth); break;
        case part::sniff_string: fill_type(into, "string", node, doc, depth); break;
        case part::conditional: into.kind = node_kind::conditional; break;
        }
    };
    if (parts.size() == 1) {
        build(n, parts.front());
        return &n;
    }
    n.kind = node_kind::combined; // everit's synthetic allOf of the parts
    n.crit = criterion::all_of;
    for (part p : parts) {
        schema_node& sub = make();
        sub.identity = json{{"part", static_cast<int>(p)}, {"of", node}};
        build(sub, p);
        n.subschemas.push_back(&sub);
    }
    return &n;
}

void schema_model::fill_type(schema_node& n, std::string_view type, const json& o, const document& doc, int depth) {
    if (type == "string") {
        n.kind = node_kind::string;
        n.min_length = number_at(o, "minLength");
        n.max_length = number_at(o, "maxLength");
        if (auto it = o.find("pattern"); it != o.end() && it->is_string()) n.pattern = it->get<std::string>();
    } else if (type == "number" || type == "integer") {
        n.kind = node_kind::number;
        n.requires_integer = type == "integer";
        n.minimum = number_at(o, "minimum");
        n.maximum = number_at(o, "maximum");
        n.exclusive_minimum = number_at(o, "exclusiveMinimum"); // draft 4's booleans are not limits
        n.exclusive_maximum = number_at(o, "exclusiveMaximum");
        n.multiple_of = number_at(o, "multipleOf");
    } else if (type == "boolean") {
        n.kind = node_kind::boolean;
    } else if (type == "null") {
        n.kind = node_kind::null;
    } else if (type == "object") {
        n.kind = node_kind::object;
        if (auto it = o.find("properties"); it != o.end() && it->is_object()) {
            for (const auto& [name, sub] : it->items()) n.properties[name] = load(sub, doc, depth + 1);
        }
        if (auto it = o.find("required"); it != o.end() && it->is_array()) {
            for (const auto& r : *it) {
                if (r.is_string()) n.required.insert(r.get<std::string>());
            }
        }
        if (auto it = o.find("additionalProperties"); it != o.end()) {
            if (it->is_boolean()) n.permits_additional_properties = it->get<bool>();
            else n.additional_properties = load(*it, doc, depth + 1);
        }
        if (auto it = o.find("patternProperties"); it != o.end() && it->is_object()) {
            for (const auto& [pattern, sub] : it->items()) n.pattern_properties.emplace_back(pattern, load(sub, doc, depth + 1));
        }
        if (auto it = o.find("dependencies"); it != o.end() && it->is_object()) {
            for (const auto& [name, dep] : it->items()) {
                if (dep.is_array()) {
                    auto& names = n.property_dependencies[name];
                    for (const auto& d : dep) {
                        if (d.is_string()) names.insert(d.get<std::string>());
                    }
                } else {
                    n.schema_dependencies[name] = load(dep, doc, depth + 1);
                }
            }
        }
        n.min_properties = number_at(o, "minProperties");
        n.max_properties = number_at(o, "maxProperties");
    } else if (type == "array") {
        n.kind = node_kind::array;
        if (auto it = o.find("items"); it != o.end()) {
            if (it->is_array()) {
                for (const auto& sub : *it) n.item_list.push_back(load(sub, doc, depth + 1));
            } else {
                n.all_items = load(*it, doc, depth + 1);
            }
        }
        if (auto it = o.find("additionalItems"); it != o.end()) {
            if (it->is_boolean()) n.permits_additional_items = it->get<bool>();
            else n.additional_items = load(*it, doc, depth + 1);
        }
        n.min_items = number_at(o, "minItems");
        n.max_items = number_at(o, "maxItems");
        if (auto it = o.find("uniqueItems"); it != o.end() && it->is_boolean()) n.unique_items = it->get<bool>();
    }
}

} // namespace brook::registry::json
