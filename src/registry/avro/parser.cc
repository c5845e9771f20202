// Avro Java's Schema.parse(JsonNode, Names) (1.11), step for step, with its error messages, so
// that what Confluent accepts Brook accepts and what it rejects Brook rejects with the same
// reason. Errors are values: every step returns nullptr/false after setting `error_`.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>
#include <unordered_map>

#include "registry/avro/canonical.h"
#include "registry/avro/json_text.h"
#include "registry/avro/schema.h"

namespace brook::registry::avro {

namespace {

std::optional<avro_type> primitive(std::string_view s) {
    if (s == "null") return avro_type::null;
    if (s == "boolean") return avro_type::boolean;
    if (s == "int") return avro_type::int_;
    if (s == "long") return avro_type::long_;
    if (s == "float") return avro_type::float_;
    if (s == "double") return avro_type::double_;
    if (s == "bytes") return avro_type::bytes;
    if (s == "string") return avro_type::string;
    return std::nullopt;
}

bool reserved(std::string_view key, bool is_enum) {
    static const std::set<std::string_view> schema{"doc", "fields", "items", "name", "namespace", "size", "symbols", "values", "type", "aliases"};
    return schema.count(key) || (is_enum && key == "default");
}
bool field_reserved(std::string_view key) {
    static const std::set<std::string_view> f{"default", "doc", "name", "order", "type", "aliases"};
    return f.count(key) > 0;
}

// JsonNode.textValue(): the string, or nothing for any other kind of value.
const std::string* text_of(const json& container, std::string_view key) {
    auto it = container.find(key);
    if (it == container.end() || !it->is_string()) return nullptr;
    return &it->get_ref<const std::string&>();
}

// Character.isLetter / isLetterOrDigit for ASCII; any byte of a multi-byte UTF-8 sequence is
// taken as a letter (Java accepts Unicode letters; Brook does not classify them further).
bool letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80; }
bool digit(unsigned char c) { return c >= '0' && c <= '9'; }

// Jackson's default StreamReadConstraints.maxNestingDepth. Also what keeps the recursive
// parse, writers and checker within a thread's stack.
constexpr int max_nesting_depth = 1000;

// The deepest nesting of JSON arrays and objects in `text`, outside strings and comments.
int nesting_depth(std::string_view text) {
    int depth = 0, max = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '"') {
            for (++i; i < text.size() && text[i] != '"'; ++i)
                if (text[i] == '\\') ++i;
        } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
            while (i < text.size() && text[i] != '\n') ++i;
        } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
            auto end = text.find("*/", i + 2);
            i = end == std::string_view::npos ? text.size() : end + 1;
        } else if (c == '[' || c == '{') {
            max = std::max(max, ++depth);
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return max;
}

} // namespace

class parser {
public:
    parser(schema_graph& g, bool validate_defaults) : g_(g), validate_defaults_(validate_defaults) {}

    // One Schema.Parser.parse(String) call; the names it defines stay known for the next.
    // Comments are allowed, as Avro's JSON factory allows them (ALLOW_COMMENTS).
    const node* parse_text(std::string_view text) {
        if (int depth = nesting_depth(text); depth > max_nesting_depth)
            return fail("Invalid JSON: nesting depth " + std::to_string(depth) + " exceeds the maximum allowed (" +
                        std::to_string(max_nesting_depth) + ")");
        json j;
        try { // nlohmann reports the position of a syntax error only through its exception
            j = json::parse(text, nullptr, true, true);
        } catch (const json::exception& e) {
            error_ = std::string("Invalid JSON: ") + e.what();
            return nullptr;
        }
        space_.clear();
        return parse(j);
    }

    std::vector<const node*> defined() const { return order_; }
    const std::string& error() const { return error_; }

private:
    node* make(avro_type t) {
        g_.nodes_.push_back(std::make_unique<node>());
        g_.nodes_.back()->type = t;
        return g_.nodes_.back().get();
    }

    [[gnu::noinline]] const node* fail(std::string msg) {
        error_ = std::move(msg);
        return nullptr;
    }

    // Name.validateName.
    [[gnu::noinline]] bool valid_name(std::string_view n) {
        if (n.empty()) {
            error_ = "Empty name";
            return false;
        }
        if (!(letter(n[0]) || n[0] == '_')) {
            error_ = "Illegal initial character: " + std::string(n);
            return false;
        }
        for (size_t i = 1; i < n.size(); ++i) {
            auto c = static_cast<unsigned char>(n[i]);
            if (!(letter(c) || digit(c) || c == '_')) {
                error_ = "Illegal character in: " + std::string(n);
                return false;
            }
        }
        return true;
    }

    // new Name(name, space): a dotted name carries its own space; "" is the null space.
    struct name_t {
        std::string name, space;
        std::string full() const { return space.empty() ? name : space + "." + name; }
    };
    [[gnu::noinline]] std::optional<name_t> make_name(std::string_view name, std::string_view space) {
        name_t n;
        auto dot = name.rfind('.');
        if (dot == std::string_view::npos) {
            n.name = name;
            n.space = space;
        } else {
            n.space = name.substr(0, dot);
            n.name = name.substr(dot + 1);
        }
        if (!valid_name(n.name)) return std::nullopt;
        return n;
    }

    // Names.get(String): primitives first, then the name in the current space, then in the
    // null space. nullptr with error_ empty: not defined.
    [[gnu::noinline]] const node* lookup(std::string_view text, bool& bad) {
        bad = false;
        if (auto p = primitive(text)) return make(*p);
        auto n = make_name(text, space_);
        if (!n) {
            bad = true;
            return nullptr;
        }
        if (auto it = names_.find(n->full()); it != names_.end()) return it->second;
        auto plain = make_name(text, "");
        if (!plain) {
            bad = true;
            return nullptr;
        }
        if (auto it = names_.find(plain->full()); it != names_.end()) return it->second;
        return nullptr;
    }

    [[gnu::noinline]] bool define(node* n) {
        std::string full = n->full_name();
        if (primitive(full)) {
            error_ = "Schemas may not be named after primitives: " + full;
            return false;
        }
        if (names_.count(full)) {
            error_ = "Can't redefine: " + full;
            return false;
        }
        names_.emplace(full, n);
        order_.push_back(n);
        return true;
    }

    // The recursion (parse -> parse_fields / parse_union -> parse) keeps only what it needs in
    // its frames; headers, names, messages and attributes are handled out of line, so that
    // deeply nested schemas stay well within a thread's stack.
    const node* parse(const json& j) {
        if (j.is_string()) return parse_name(j);
        if (j.is_array()) return parse_union(j);
        if (!j.is_object()) return fail_with("Schema not yet supported: ", j);
        std::string saved_space = space_;
        node* result = nullptr;
        const node* existing = nullptr;
        if (!begin(j, result, existing)) return nullptr;
        if (existing) {
            space_ = saved_space;
            return existing;
        }
        if (result->type == avro_type::record) {
            if (!parse_fields(*result, j)) return nullptr;
        } else if (result->type == avro_type::array || result->type == avro_type::map) {
            bool array = result->type == avro_type::array;
            auto it = j.find(array ? "items" : "values");
            if (it == j.end()) return fail_with(array ? "Array has no items type: " : "Map has no values type: ", j);
            const node* inner = parse(*it);
            if (!inner) return nullptr;
            (array ? result->items : result->values) = inner;
        }
        space_ = saved_space;
        if (!finish(*result, j)) return nullptr;
        return result;
    }

    [[gnu::noinline]] const node* fail_with(const char* what, const json& j) { return fail(what + json_text(j)); }

    [[gnu::noinline]] const node* parse_name(const json& j) {
        bool bad = false;
        const node* n = lookup(j.get_ref<const std::string&>(), bad);
        if (!n && !bad) return fail("Undefined name: " + json_text(j));
        return n;
    }

    // Everything of a {"type": ...} object before its nested types: the type, a named type's
    // name/namespace/doc (the namespace then applies inside), a primitive, an enum's symbols,
    // a fixed size, and the definition of the name (a record's before its fields, so they may
    // refer to it). `existing` is set for {"type": "SomeDefinedName"}.
    [[gnu::noinline]] bool begin(const json& j, node*& result, const node*& existing) {
        const std::string* type = text_of(j, "type");
        if (!type) return fail_with("No type: ", j), false;
        bool is_record = *type == "record" || *type == "error";
        bool is_enum = *type == "enum";
        bool is_fixed = *type == "fixed";
        std::optional<name_t> name;
        std::optional<std::string> doc;
        if (is_record || is_enum || is_fixed) {
            const std::string* space = text_of(j, "namespace");
            if (const std::string* d = text_of(j, "doc")) doc = *d;
            const std::string* nm = text_of(j, "name");
            if (!nm) return fail_with("No name in schema: ", j), false;
            name = make_name(*nm, space ? std::string_view(*space) : std::string_view(space_));
            if (!name) return false;
            space_ = name->space;
        }
        if (auto p = primitive(*type)) {
            result = make(*p);
        } else if (is_record) {
            result = make(avro_type::record);
            set_name(*result, *name, doc);
            result->is_error = *type == "error";
            if (!define(result)) return false;
        } else if (is_enum) {
            result = make(avro_type::enum_);
            set_name(*result, *name, doc);
            if (!parse_enum(*result, j) || !define(result)) return false;
        } else if (*type == "array") {
            result = make(avro_type::array);
        } else if (*type == "map") {
            result = make(avro_type::map);
        } else if (is_fixed) {
            auto it = j.find("size");
            bool is_int = it != j.end() && it->is_number_integer() &&
                          (it->is_number_unsigned() ? it->get<uint64_t>() <= uint64_t(std::numeric_limits<int32_t>::max())
                                                    : it->get<int64_t>() >= std::numeric_limits<int32_t>::min() &&
                                                          it->get<int64_t>() <= std::numeric_limits<int32_t>::max());
            if (!is_int) return fail_with("Invalid or no size: ", j), false;
            if (it->get<int64_t>() < 0)
                return fail("Invalid fixed size " + std::to_string(it->get<int64_t>()) + ": " + json_text(j)), false;
            result = make(avro_type::fixed);
            set_name(*result, *name, doc);
            result->size = static_cast<int>(it->get<int64_t>());
            if (!define(result)) return false;
        } else {
            // {"type": "SomeName"}: a defined name (how unions may refer to a type); its other
            // attributes are not read.
            auto n = make_name(*type, space_);
            if (!n) return false;
            auto it = names_.find(n->full());
            if (it == names_.end()) return fail("Type not supported: " + *type), false;
            existing = it->second;
        }
        return true;
    }

    // Everything after the nested types: custom properties in their order, and a named
    // type's aliases (resolved against its own namespace).
    [[gnu::noinline]] bool finish(node& result, const json& j) {
        for (const auto& [key, value] : j.items())
            if (!reserved(key, result.type == avro_type::enum_)) result.props.emplace_back(key, value);
        if (!is_named(result.type)) return true;
        std::vector<std::string> aliases;
        if (!parse_aliases(j, aliases)) return false;
        std::set<std::string> seen;
        for (const auto& a : aliases) {
            auto an = make_name(a, result.space);
            if (!an) return false;
            if (seen.insert(an->full()).second) result.aliases.push_back(an->full());
        }
        return true;
    }

    static void set_name(node& n, const name_t& name, const std::optional<std::string>& doc) {
        n.name = name.name;
        n.space = name.space;
        n.doc = doc;
    }

    [[gnu::noinline]] bool parse_aliases(const json& j, std::vector<std::string>& out) {
        auto it = j.find("aliases");
        if (it == j.end()) return true;
        if (!it->is_array()) {
            error_ = "aliases not an array: " + json_text(j);
            return false;
        }
        std::set<std::string> seen(out.begin(), out.end());
        for (const auto& a : *it) {
            if (!a.is_string()) {
                error_ = "alias not a string: " + json_text(a);
                return false;
            }
            const auto& s = a.get_ref<const std::string&>();
            if (seen.insert(s).second) out.push_back(s);
        }
        return true;
    }

    [[gnu::noinline]] bool parse_fields(node& rec, const json& j) {
        auto fields_it = j.find("fields");
        if (fields_it == j.end() || !fields_it->is_array()) return fail_with("Record has no fields: ", j), false;
        std::vector<field> fields;
        for (const json& fj : *fields_it) {
            field f;
            const json* type = field_head(fj, f);
            if (!type) return false;
            f.type = parse(*type);
            if (!f.type || !field_tail(fj, f)) return false;
            f.pos = static_cast<int>(fields.size());
            fields.push_back(std::move(f));
        }
        for (size_t i = 0; i < fields.size(); ++i)
            if (!rec.field_index.emplace(fields[i].name, i).second) {
                error_ = "Duplicate field " + fields[i].name + " in record " + rec.full_name();
                return false;
            }
        rec.fields = std::move(fields);
        rec.fields_set = true;
        return true;
    }

    // A field's name and doc, and its type's JSON (a name there must already be defined).
    [[gnu::noinline]] const json* field_head(const json& fj, field& f) {
        const std::string* fname = fj.is_object() ? text_of(fj, "name") : nullptr;
        if (!fname) return fail_with("No field name: ", fj), nullptr;
        f.name = *fname;
        if (const std::string* d = text_of(fj, "doc")) f.doc = *d;
        auto type_it = fj.find("type");
        if (type_it == fj.end()) return fail_with("No field type: ", fj), nullptr;
        if (type_it->is_string()) {
            bool bad = false;
            if (!lookup(type_it->get_ref<const std::string&>(), bad)) {
                if (!bad)
                    error_ = json_text(*type_it) + " is not a defined name. The type of the \"" + f.name +
                             "\" field must be a defined name or a {\"type\": ...} expression.";
                return nullptr;
            }
        }
        return &*type_it;
    }

    // A field's order, default (validated against its type), properties and aliases.
    [[gnu::noinline]] bool field_tail(const json& fj, field& f) {
        if (auto o = fj.find("order"); o != fj.end()) {
            std::string v = o->is_string() ? o->get<std::string>() : "";
            std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            if (v == "ASCENDING") f.order = field_order::ascending;
            else if (v == "DESCENDING") f.order = field_order::descending;
            else if (v == "IGNORE") f.order = field_order::ignore;
            else {
                error_ = "Invalid order for field " + f.name + ": " + json_text(*o) + " (ascending, descending or ignore)";
                return false;
            }
        }
        if (auto d = fj.find("default"); d != fj.end()) {
            json def = *d;
            if ((f.type->type == avro_type::float_ || f.type->type == avro_type::double_) && def.is_string()) {
                auto num = java_double_value_of(def.get_ref<const std::string&>());
                if (!num) {
                    error_ = "Invalid default for field " + f.name + ": " + json_text(def) + " is not a number";
                    return false;
                }
                def = *num;
            }
            f.default_value = std::move(def);
        }
        if (!valid_name(f.name)) return false;
        if (validate_defaults_ && f.default_value && !valid_default(*f.type, *f.default_value)) {
            if (error_.empty())
                error_ = "Invalid default for field " + f.name + ": " + json_text(*f.default_value) + " not a " +
                         java_string(*f.type);
            return false;
        }
        for (const auto& [key, value] : fj.items())
            if (!field_reserved(key)) f.props.emplace_back(key, value);
        return parse_aliases(fj, f.aliases);
    }

    // Double.valueOf: surrounding whitespace trimmed, NaN/Infinity words, decimal or
    // scientific notation with an optional f/d suffix.
    [[gnu::noinline]] static std::optional<double> java_double_value_of(std::string_view s) {
        while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
        while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
        std::string_view body = s;
        bool neg = false;
        if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
            neg = body[0] == '-';
            body.remove_prefix(1);
        }
        if (body == "NaN") return std::numeric_limits<double>::quiet_NaN();
        if (body == "Infinity") return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
        if (!body.empty() && (body.back() == 'f' || body.back() == 'F' || body.back() == 'd' || body.back() == 'D'))
            body.remove_suffix(1);
        bool digits = false;
        for (char c : body) {
            if (c >= '0' && c <= '9') digits = true;
            else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') return std::nullopt;
        }
        if (!digits) return std::nullopt;
        std::string copy(body);
        char* end = nullptr;
        double v = std::strtod(copy.c_str(), &end);
        if (end != copy.c_str() + copy.size()) return std::nullopt;
        return neg ? -v : v;
    }

    // Schema.isValidDefault.
    bool valid_default(const node& s, const json& v) {
        switch (s.type) {
        case avro_type::string:
        case avro_type::bytes:
        case avro_type::enum_:
        case avro_type::fixed: return v.is_string();
        case avro_type::int_:
            if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t(std::numeric_limits<int32_t>::max());
            return v.is_number_integer() && v.get<int64_t>() >= std::numeric_limits<int32_t>::min() &&
                   v.get<int64_t>() <= std::numeric_limits<int32_t>::max();
        case avro_type::long_:
            if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max());
            return v.is_number_integer();
        case avro_type::float_:
        case avro_type::double_: return v.is_number();
        case avro_type::boolean: return v.is_boolean();
        case avro_type::null: return v.is_null();
        case avro_type::array:
            if (!v.is_array()) return false;
            for (const auto& e : v)
                if (!valid_default(*s.items, e)) return false;
            return true;
        case avro_type::map:
            if (!v.is_object()) return false;
            for (const auto& [k, e] : v.items())
                if (!valid_default(*s.values, e)) return false;
            return true;
        case avro_type::union_: return valid_default(*s.branches.front(), v);
        case avro_type::record:
            if (!v.is_object()) return false;
            if (!s.fields_set) {
                error_ = "Invalid default: record " + s.full_name() + " is used in its own default before its fields are defined";
                return false;
            }
            for (const field& f : s.fields) {
                auto it = v.find(f.name);
                if (it != v.end()) {
                    if (!valid_default(*f.type, *it)) return false;
                } else if (!f.default_value || !valid_default(*f.type, *f.default_value)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    [[gnu::noinline]] const node* parse_union(const json& j) {
        std::vector<const node*> branches;
        for (const json& b : j) {
            const node* n = parse(b);
            if (!n) return nullptr;
            branches.push_back(n);
        }
        node* u = make(avro_type::union_);
        u->branches = std::move(branches);
        return valid_union(*u) ? u : nullptr;
    }

    // No union directly inside a union, no two branches of the same type or name. Java
    // accepts [] (a type no value has).
    [[gnu::noinline]] bool valid_union(const node& u) {
        std::set<std::string> seen;
        for (const node* b : u.branches) {
            if (b->type == avro_type::union_) return fail("Nested union: " + java_string(u)), false;
            if (!seen.insert(b->java_full_name()).second) return fail("Duplicate in union:" + b->java_full_name()), false;
        }
        return true;
    }

    [[gnu::noinline]] bool parse_enum(node& e, const json& j) {
        auto it = j.find("symbols");
        if (it == j.end() || !it->is_array()) {
            error_ = "Enum has no symbols: " + json_text(j);
            return false;
        }
        std::set<std::string_view> seen;
        for (const auto& s : *it) {
            if (!s.is_string()) {
                error_ = "Enum symbol is not a string: " + json_text(s) + " in enum " + e.full_name();
                return false;
            }
            const auto& sym = s.get_ref<const std::string&>();
            if (!valid_name(sym)) return false;
            if (!seen.insert(sym).second) {
                error_ = "Duplicate enum symbol: " + sym;
                return false;
            }
            e.symbols.push_back(sym);
        }
        if (const std::string* d = text_of(j, "default")) {
            if (!seen.count(*d)) {
                std::string list;
                for (const auto& s : e.symbols) list += (list.empty() ? "" : ", ") + s;
                error_ = "The Enum Default: " + *d + " is not in the enum symbol set: [" + list + "]";
                return false;
            }
            e.enum_default = *d;
        }
        return true;
    }

    schema_graph& g_;
    bool validate_defaults_;
    std::unordered_map<std::string, const node*> names_;
    std::vector<const node*> order_;
    std::string space_;
    std::string error_;
};

parse_result parse_avro(std::string_view text, const std::vector<std::string_view>& reference_texts,
                        bool validate_defaults) {
    auto g = std::make_shared<schema_graph>();
    parser p(*g, validate_defaults);
    for (size_t i = 0; i < reference_texts.size(); ++i) {
        if (!p.parse_text(reference_texts[i]))
            return {nullptr, "Invalid reference " + std::to_string(i + 1) + ": " + p.error()};
    }
    g->referenced_named_ = p.defined();
    const node* root = p.parse_text(text);
    if (!root) return {nullptr, p.error()};
    g->root_ = root;
    return {std::move(g), {}};
}

} // namespace brook::registry::avro
