#include "client/avro_schema.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <set>

namespace brook::client::avro {

using json = nlohmann::json;

const char* type_name(type t) {
    switch (t) {
    case type::null: return "null";
    case type::boolean: return "boolean";
    case type::int_: return "int";
    case type::long_: return "long";
    case type::float_: return "float";
    case type::double_: return "double";
    case type::bytes: return "bytes";
    case type::string: return "string";
    case type::record: return "record";
    case type::enumeration: return "enum";
    case type::array: return "array";
    case type::map: return "map";
    case type::union_: return "union";
    case type::fixed: return "fixed";
    }
    return "?";
}

struct schema::arena {
    std::vector<std::unique_ptr<node>> nodes;
};

namespace {

std::optional<type> primitive(std::string_view s) {
    if (s == "null") return type::null;
    if (s == "boolean") return type::boolean;
    if (s == "int") return type::int_;
    if (s == "long") return type::long_;
    if (s == "float") return type::float_;
    if (s == "double") return type::double_;
    if (s == "bytes") return type::bytes;
    if (s == "string") return type::string;
    return std::nullopt;
}

bool valid_name(std::string_view s) {
    if (s.empty()) return false;
    auto head = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
    if (!head(s[0])) return false;
    for (char c : s)
        if (!head(c) && !(c >= '0' && c <= '9')) return false;
    return true;
}

bool valid_fullname(std::string_view s) {
    size_t start = 0;
    for (;;) {
        auto dot = s.find('.', start);
        if (!valid_name(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

struct failure {
    std::string message;
};

class parser {
public:
    std::unique_ptr<schema::arena> arena = std::make_unique<schema::arena>();

    const node* parse(const json& j, const std::string& ns, const std::string& where) {
        if (j.is_string()) return named_or_primitive(j.get<std::string>(), ns, where);
        if (j.is_array()) return parse_union(j, ns, where);
        if (!j.is_object()) throw failure{where + ": a schema is a string, an object or an array, not " + j.dump()};
        auto t = j.find("type");
        if (t == j.end()) throw failure{where + ": no \"type\""};
        if (!t->is_string()) {
            // {"type": {...}} / {"type": [...]}: the inner schema, as Java's parser takes it.
            if (t->is_object() || t->is_array()) return parse(*t, ns, where);
            throw failure{where + ": \"type\" must be a string, not " + t->dump()};
        }
        const std::string ts = t->get<std::string>();
        if (auto p = primitive(ts)) return with_logical(*p, j, where);
        if (ts == "record" || ts == "error") return parse_record(j, ns, where);
        if (ts == "enum") return parse_enum(j, ns, where);
        if (ts == "array") return parse_collection(j, type::array, "items", ns, where);
        if (ts == "map") return parse_collection(j, type::map, "values", ns, where);
        if (ts == "fixed") return parse_fixed(j, ns, where);
        return named_or_primitive(ts, ns, where);
    }

private:
    std::map<std::string, const node*> named_;

    node* make(type t) {
        arena->nodes.push_back(std::make_unique<node>());
        arena->nodes.back()->t = t;
        return arena->nodes.back().get();
    }

    const node* named_or_primitive(const std::string& s, const std::string& ns, const std::string& where) {
        if (auto p = primitive(s)) return make(*p);
        // A simple name is looked up in the enclosing namespace first, then as given.
        if (s.find('.') == std::string::npos && !ns.empty())
            if (auto it = named_.find(ns + "." + s); it != named_.end()) return it->second;
        if (auto it = named_.find(s); it != named_.end()) return it->second;
        throw failure{where + ": unknown type \"" + s + "\" (not a primitive and not defined before this point)"};
    }

    // Returns the full name and the namespace that applies inside the type.
    std::pair<std::string, std::string> full_name(const json& j, const std::string& ns, const std::string& where) {
        auto n = j.find("name");
        if (n == j.end() || !n->is_string()) throw failure{where + ": a named type needs a \"name\" string"};
        std::string name = n->get<std::string>();
        std::string space = ns;
        if (auto s = j.find("namespace"); s != j.end()) {
            if (!s->is_string() && !s->is_null()) throw failure{where + ": \"namespace\" must be a string"};
            space = s->is_string() ? s->get<std::string>() : "";
        }
        std::string full;
        if (name.find('.') != std::string::npos) {
            full = name;
            space = name.substr(0, name.rfind('.'));
        } else {
            full = space.empty() ? name : space + "." + name;
        }
        if (!valid_fullname(full))
            throw failure{where + ": \"" + full + "\" is not a valid name ([A-Za-z_][A-Za-z0-9_]* per dotted part)"};
        if (!space.empty() && !valid_fullname(space)) throw failure{where + ": namespace \"" + space + "\" is not valid"};
        if (primitive(name)) throw failure{where + ": \"" + name + "\" is a primitive type's name, not a valid type name"};
        if (named_.count(full)) throw failure{where + ": \"" + full + "\" is defined twice"};
        return {full, space};
    }

    const node* with_logical(type t, const json& j, const std::string& where) {
        node* n = make(t);
        auto lt = j.find("logicalType");
        if (lt == j.end() || !lt->is_string()) return n;
        const std::string l = lt->get<std::string>();
        if (l == "decimal" && (t == type::bytes || t == type::fixed)) {
            decimal(n, j, where);
        } else if (l == "date" && t == type::int_) n->logical = logical::date;
        else if (l == "time-millis" && t == type::int_) n->logical = logical::time_millis;
        else if (l == "time-micros" && t == type::long_) n->logical = logical::time_micros;
        else if (l == "timestamp-millis" && t == type::long_) n->logical = logical::timestamp_millis;
        else if (l == "timestamp-micros" && t == type::long_) n->logical = logical::timestamp_micros;
        else if (l == "uuid" && t == type::string) n->logical = logical::uuid;
        return n;
    }

    // Sets decimal on n when its precision and scale are valid; otherwise n stays plain.
    static void decimal(node* n, const json& j, const std::string&) {
        auto p = j.find("precision");
        auto s = j.find("scale");
        if (p == j.end() || !p->is_number_integer()) return;
        const int64_t precision = p->get<int64_t>();
        int64_t scale = 0;
        if (s != j.end()) {
            if (!s->is_number_integer()) return;
            scale = s->get<int64_t>();
        }
        if (precision <= 0 || scale < 0 || scale > precision) return;
        if (n->t == type::fixed) {
            // The most digits n bytes of two's complement hold: floor(log10(2^(8n-1) - 1)).
            const double digits = std::floor((8.0 * static_cast<double>(n->size) - 1) * 0.30102999566398120);
            if (static_cast<double>(precision) > digits) return;
        }
        n->logical = logical::decimal;
        n->precision = static_cast<int>(precision);
        n->scale = static_cast<int>(scale);
    }

    const node* parse_union(const json& j, const std::string& ns, const std::string& where) {
        node* n = make(type::union_);
        std::set<std::string> seen;
        for (size_t i = 0; i < j.size(); ++i) {
            const node* b = parse(j[i], ns, where + "[" + std::to_string(i) + "]");
            if (b->t == type::union_) throw failure{where + ": a union may not contain a union directly"};
            const bool named = b->t == type::record || b->t == type::enumeration || b->t == type::fixed;
            const std::string key = named ? b->name : type_name(b->t);
            if (!seen.insert(key).second)
                throw failure{where + ": the union holds " + key + " twice (one branch per unnamed type or name)"};
            n->branches.push_back(b);
        }
        if (n->branches.empty()) throw failure{where + ": an empty union has no values"};
        return n;
    }

    const node* parse_record(const json& j, const std::string& ns, const std::string& where) {
        auto [full, space] = full_name(j, ns, where);
        node* n = make(type::record);
        n->name = full;
        named_[full] = n; // before the fields: a field may refer to the record itself
        auto fs = j.find("fields");
        if (fs == j.end() || !fs->is_array()) throw failure{where + " (" + full + "): a record needs a \"fields\" array"};
        std::set<std::string> names;
        for (const auto& f : *fs) {
            if (!f.is_object() || !f.contains("name") || !f["name"].is_string())
                throw failure{where + " (" + full + "): every field needs a \"name\" string"};
            field fd;
            fd.name = f["name"].get<std::string>();
            const std::string at = full + "." + fd.name;
            if (!valid_name(fd.name)) throw failure{at + ": \"" + fd.name + "\" is not a valid field name"};
            if (!names.insert(fd.name).second) throw failure{full + ": field \"" + fd.name + "\" is defined twice"};
            if (!f.contains("type")) throw failure{at + ": a field needs a \"type\""};
            fd.type = parse(f["type"], space, at);
            if (auto d = f.find("default"); d != f.end()) {
                if (!default_fits(*fd.type, *d))
                    throw failure{at + ": the default " + d->dump() + " is not a " + describe(*fd.type) +
                                  (fd.type->t == type::union_ ? " (a union's default must match its first branch)" : "")};
                fd.default_value = *d;
            }
            n->fields.push_back(std::move(fd));
        }
        return n;
    }

    const node* parse_enum(const json& j, const std::string& ns, const std::string& where) {
        auto [full, space] = full_name(j, ns, where);
        node* n = make(type::enumeration);
        n->name = full;
        auto ss = j.find("symbols");
        if (ss == j.end() || !ss->is_array()) throw failure{where + " (" + full + "): an enum needs a \"symbols\" array"};
        std::set<std::string> seen;
        for (const auto& s : *ss) {
            if (!s.is_string() || !valid_name(s.get<std::string>()))
                throw failure{full + ": symbol " + s.dump() + " is not a valid name"};
            if (!seen.insert(s.get<std::string>()).second) throw failure{full + ": symbol " + s.dump() + " appears twice"};
            n->symbols.push_back(s.get<std::string>());
        }
        if (auto d = j.find("default"); d != j.end() && (!d->is_string() || !seen.count(d->get<std::string>())))
            throw failure{full + ": the enum default " + d->dump() + " is not one of its symbols"};
        named_[full] = n;
        return n;
    }

    const node* parse_collection(const json& j, type t, const char* key, const std::string& ns, const std::string& where) {
        auto it = j.find(key);
        if (it == j.end()) throw failure{where + ": " + type_name(t) + " needs \"" + key + "\""};
        node* n = make(t);
        n->items = parse(*it, ns, where + "." + key);
        return n;
    }

    const node* parse_fixed(const json& j, const std::string& ns, const std::string& where) {
        auto [full, space] = full_name(j, ns, where);
        auto sz = j.find("size");
        if (sz == j.end() || !sz->is_number_unsigned())
            throw failure{where + " (" + full + "): a fixed needs a \"size\" >= 0"};
        node* n = make(type::fixed);
        n->name = full;
        n->size = sz->get<size_t>();
        named_[full] = n;
        if (auto lt = j.find("logicalType"); lt != j.end() && lt->is_string() && lt->get<std::string>() == "decimal")
            decimal(n, j, where);
        return n;
    }

    static std::string describe(const node& n) {
        if (n.t == type::union_) return describe(*n.branches[0]);
        return n.name.empty() ? type_name(n.t) : std::string(type_name(n.t)) + " " + n.name;
    }

    // The spec's default-value rules (JSON encoding of the type; a union's is its first branch's).
    static bool default_fits(const node& n, const json& d, int depth = 0) {
        if (depth > 64) return true; // a recursive default this deep is not worth refusing
        switch (n.t) {
        case type::null: return d.is_null();
        case type::boolean: return d.is_boolean();
        case type::int_: return d.is_number_integer() && d.get<int64_t>() >= INT32_MIN && d.get<int64_t>() <= INT32_MAX;
        case type::long_: return d.is_number_integer();
        case type::float_:
        case type::double_: return d.is_number();
        case type::bytes:
        case type::string: return d.is_string();
        case type::fixed: return d.is_string();
        case type::enumeration:
            return d.is_string() && std::find(n.symbols.begin(), n.symbols.end(), d.get<std::string>()) != n.symbols.end();
        case type::array:
            if (!d.is_array()) return false;
            for (const auto& e : d)
                if (!default_fits(*n.items, e, depth + 1)) return false;
            return true;
        case type::map:
            if (!d.is_object()) return false;
            for (const auto& [k, v] : d.items())
                if (!default_fits(*n.items, v, depth + 1)) return false;
            return true;
        case type::record:
            if (!d.is_object()) return false;
            for (const auto& f : n.fields) {
                auto it = d.find(f.name);
                if (it == d.end()) {
                    if (!f.default_value) return false;
                } else if (!default_fits(*f.type, *it, depth + 1)) {
                    return false;
                }
            }
            return true;
        case type::union_: return default_fits(*n.branches[0], d, depth + 1);
        }
        return false;
    }
};

} // namespace

result<schema> schema::from_document(const nlohmann::json& doc) {
    parser p;
    try {
        const node* root = p.parse(doc, "", "schema");
        return schema(std::shared_ptr<const arena>(std::move(p.arena)), root);
    } catch (const failure& f) {
        return error{"avro schema: " + f.message};
    } catch (const nlohmann::json::exception& e) { // a value of an unexpected JSON type
        return error{std::string("avro schema: ") + e.what()};
    }
}

result<schema> schema::parse(std::string_view json_text) {
    auto doc = nlohmann::json::parse(json_text, nullptr, false);
    if (doc.is_discarded()) return error{"avro schema: not JSON"};
    return from_document(doc);
}

} // namespace brook::client::avro
