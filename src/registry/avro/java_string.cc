// java_string: Avro Java's Schema.toString(referencedSchemas, false), i.e. Confluent's
// AvroSchema.canonicalString(), written the way Schema.toJson walks a schema.
#include <algorithm>
#include <array>
#include <unordered_map>

#include "registry/avro/canonical.h"
#include "registry/avro/json_text.h"

namespace brook::registry::avro {

namespace {

// Java's Name.getQualified(defaultSpace): the short name when the space is the enclosing one,
// unless the short name is a type name ("record", "int", ...) that would read as that type.
std::string qualified(std::string_view space, std::string_view name, std::string_view default_space) {
    static constexpr std::array<std::string_view, 14> type_names{
        "record", "enum", "array", "map", "union", "fixed", "string", "bytes", "int", "long", "float", "double", "boolean", "null"};
    bool is_type_name = std::find(type_names.begin(), type_names.end(), name) != type_names.end();
    if (!space.empty() && space == default_space && !is_type_name) return std::string(name);
    return space.empty() ? std::string(name) : std::string(space) + "." + std::string(name);
}

std::pair<std::string_view, std::string_view> split_full(std::string_view full) {
    auto dot = full.rfind('.');
    if (dot == std::string_view::npos) return {{}, full};
    return {full.substr(0, dot), full.substr(dot + 1)};
}

// Schema.toJson(Names, JsonGenerator) for each kind of schema.
class java_writer {
public:
    explicit java_writer(const std::vector<const node*>& known) {
        for (const node* n : known) names_.emplace(n->full_name(), n);
    }

    void write(const node& n) {
        switch (n.type) {
        case avro_type::record: write_record(n); return;
        case avro_type::enum_: write_enum(n); return;
        case avro_type::fixed: write_fixed(n); return;
        case avro_type::array:
            out += "{\"type\":\"array\",\"items\":";
            write(*n.items);
            write_props(n.props);
            out += '}';
            return;
        case avro_type::map:
            out += "{\"type\":\"map\",\"values\":";
            write(*n.values);
            write_props(n.props);
            out += '}';
            return;
        case avro_type::union_: {
            out += '[';
            bool first = true;
            for (const node* b : n.branches) {
                if (!first) out += ',';
                first = false;
                write(*b);
            }
            out += ']';
            return;
        }
        default:
            if (n.props.empty()) {
                append_json_string(out, type_name(n.type));
            } else {
                out += "{\"type\":";
                append_json_string(out, type_name(n.type));
                write_props(n.props);
                out += '}';
            }
        }
    }

    std::string out;

private:
    bool write_name_ref(const node& n) {
        auto it = names_.find(n.full_name());
        if (it != names_.end() && it->second == &n) {
            append_json_string(out, qualified(n.space, n.name, space_));
            return true;
        }
        names_.emplace(n.full_name(), &n);
        return false;
    }

    void write_name(const node& n) {
        out += ",\"name\":";
        append_json_string(out, n.name);
        if (!n.space.empty()) {
            if (n.space != space_) {
                out += ",\"namespace\":";
                append_json_string(out, n.space);
            }
        } else if (!space_.empty()) { // a null namespace inside a non-null one
            out += ",\"namespace\":\"\"";
        }
    }

    void write_doc(const std::optional<std::string>& doc) {
        if (!doc) return;
        out += ",\"doc\":";
        append_json_string(out, *doc);
    }

    void write_props(const std::vector<property>& props) {
        for (const auto& [k, v] : props) {
            out += ',';
            append_json_string(out, k);
            out += ':';
            append_json_value(out, v);
        }
    }

    void write_aliases(const node& n) {
        if (n.aliases.empty()) return;
        out += ",\"aliases\":[";
        bool first = true;
        for (const auto& a : n.aliases) {
            if (!first) out += ',';
            first = false;
            auto [space, name] = split_full(a);
            append_json_string(out, qualified(space, name, n.space));
        }
        out += ']';
    }

    void write_record(const node& n) {
        if (write_name_ref(n)) return;
        std::string saved = space_;
        out += n.is_error ? "{\"type\":\"error\"" : "{\"type\":\"record\"";
        write_name(n);
        space_ = n.space;
        write_doc(n.doc);
        if (n.fields_set) {
            out += ",\"fields\":[";
            bool first = true;
            for (const field& f : n.fields) {
                if (!first) out += ',';
                first = false;
                out += "{\"name\":";
                append_json_string(out, f.name);
                out += ",\"type\":";
                write(*f.type);
                write_doc(f.doc);
                if (f.default_value) {
                    out += ",\"default\":";
                    append_json_value(out, *f.default_value);
                }
                if (f.order != field_order::ascending)
                    out += f.order == field_order::descending ? ",\"order\":\"descending\"" : ",\"order\":\"ignore\"";
                if (!f.aliases.empty()) {
                    out += ",\"aliases\":[";
                    bool first_alias = true;
                    for (const auto& a : f.aliases) {
                        if (!first_alias) out += ',';
                        first_alias = false;
                        append_json_string(out, a);
                    }
                    out += ']';
                }
                write_props(f.props);
                out += '}';
            }
            out += ']';
        }
        write_props(n.props);
        write_aliases(n);
        out += '}';
        space_ = saved;
    }

    void write_enum(const node& n) {
        if (write_name_ref(n)) return;
        out += "{\"type\":\"enum\"";
        write_name(n);
        write_doc(n.doc);
        out += ",\"symbols\":[";
        bool first = true;
        for (const auto& s : n.symbols) {
            if (!first) out += ',';
            first = false;
            append_json_string(out, s);
        }
        out += ']';
        if (n.enum_default) {
            out += ",\"default\":";
            append_json_string(out, *n.enum_default);
        }
        write_props(n.props);
        write_aliases(n);
        out += '}';
    }

    void write_fixed(const node& n) {
        if (write_name_ref(n)) return;
        out += "{\"type\":\"fixed\"";
        write_name(n);
        write_doc(n.doc);
        out += ",\"size\":" + std::to_string(n.size);
        write_props(n.props);
        write_aliases(n);
        out += '}';
    }

    std::unordered_map<std::string, const node*> names_;
    std::string space_;
};


} // namespace

std::string java_string(const node& root, const std::vector<const node*>& known_named) {
    java_writer w(known_named);
    w.write(root);
    return std::move(w.out);
}


} // namespace brook::registry::avro
