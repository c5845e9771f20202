// confluent_normalized: Confluent's AvroSchemaUtils.toNormalizedString (normalize=true), which
// adapts Avro's SchemaNormalization but keeps docs, aliases, defaults, logical types and
// properties.
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "registry/avro/canonical.h"
#include "registry/avro/json_text.h"

namespace brook::registry::avro {

namespace {

const json* find_prop(const std::vector<property>& props, std::string_view key) {
    for (const auto& [k, v] : props)
        if (k == key) return &v;
    return nullptr;
}

bool is_java_int(const json& v) {
    if (v.is_number_integer() && !v.is_number_unsigned()) {
        auto i = v.get<int64_t>();
        return i >= std::numeric_limits<int32_t>::min() && i <= std::numeric_limits<int32_t>::max();
    }
    return v.is_number_unsigned() && v.get<uint64_t>() <= uint64_t(std::numeric_limits<int32_t>::max());
}
bool is_java_long(const json& v) { // Jackson's LongNode: integral, outside int, inside long
    if (is_java_int(v)) return false;
    if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max());
    return v.is_number_integer();
}

// A logical type Avro Java accepts (LogicalTypes.fromSchemaIgnoreInvalid returns non-null):
// only those does Confluent write through setLogicalProps.
struct logical {
    std::string name;
    int precision = 0;
    int scale = 0;
};
std::optional<logical> valid_logical_type(const node& n) {
    const json* lt = find_prop(n.props, "logicalType");
    if (!lt || !lt->is_string()) return std::nullopt;
    const auto& name = lt->get_ref<const std::string&>();
    if (name == "decimal") {
        const json* p = find_prop(n.props, "precision");
        const json* s = find_prop(n.props, "scale");
        if (!p || !is_java_int(*p) || (s && !is_java_int(*s))) return std::nullopt;
        logical l{name, static_cast<int>(p->get<int64_t>()), s ? static_cast<int>(s->get<int64_t>()) : 0};
        if (n.type != avro_type::bytes && n.type != avro_type::fixed) return std::nullopt;
        long max = n.type == avro_type::bytes
                       ? std::numeric_limits<int32_t>::max()
                       : std::lround(std::floor(std::log10(2.0) * (8.0 * n.size - 1)));
        if (l.precision <= 0 || l.precision > max || l.scale < 0 || l.scale > l.precision) return std::nullopt;
        return l;
    }
    avro_type want;
    if (name == "date" || name == "time-millis") want = avro_type::int_;
    else if (name == "time-micros" || name == "timestamp-millis" || name == "timestamp-micros" ||
             name == "local-timestamp-millis" || name == "local-timestamp-micros")
        want = avro_type::long_;
    else if (name == "uuid") want = avro_type::string;
    else return std::nullopt;
    if (n.type != want) return std::nullopt;
    return logical{name};
}

class normalizer {
public:
    explicit normalizer(const std::vector<const node*>& known) {
        for (const node* n : known) env_.insert(n->full_name());
    }

    void build(const node& s) {
        switch (s.type) {
        case avro_type::union_: {
            out += '[';
            bool first = true;
            for (const node* b : s.branches) {
                if (!first) out += ',';
                first = false;
                build(*b);
            }
            out += ']';
            return;
        }
        case avro_type::array:
        case avro_type::map:
            out += s.type == avro_type::array ? "{\"type\":\"array\",\"items\":" : "{\"type\":\"map\",\"values\":";
            build(s.type == avro_type::array ? *s.items : *s.values);
            simple_props(s.props, {});
            out += '}';
            return;
        case avro_type::enum_:
        case avro_type::fixed:
        case avro_type::record: build_named(s); return;
        default: {
            auto lt = valid_logical_type(s);
            if (lt) {
                out += "{\"type\":";
                append_json_string(out, type_name(s.type));
                logical_props(*lt);
                simple_props(s.props, *lt);
                out += '}';
            } else if (!s.props.empty()) {
                out += "{\"type\":";
                append_json_string(out, type_name(s.type));
                simple_props(s.props, {});
                out += '}';
            } else {
                append_json_string(out, type_name(s.type));
            }
        }
        }
    }

    std::string out;

private:
    void build_named(const node& s) {
        std::string full = s.full_name();
        if (env_.count(full)) {
            append_json_string(out, full);
            return;
        }
        env_.insert(full);
        out += "{\"name\":";
        append_json_string(out, full);
        out += ",\"type\":";
        append_json_string(out, type_name(s.type)); // an error record is written as "record"
        std::optional<logical> lt;
        if (s.type == avro_type::enum_) {
            out += ",\"symbols\":[";
            bool first = true;
            for (const auto& sym : s.symbols) {
                if (!first) out += ',';
                first = false;
                append_json_string(out, sym);
            }
            out += ']';
        } else if (s.type == avro_type::fixed) {
            out += ",\"size\":" + std::to_string(s.size);
            lt = valid_logical_type(s);
            if (lt) logical_props(*lt);
        } else {
            out += ",\"fields\":[";
            bool first = true;
            for (const field& f : s.fields) {
                if (!first) out += ',';
                first = false;
                out += "{\"name\":";
                append_json_string(out, f.name);
                out += ",\"type\":";
                build(*f.type);
                field_props(f);
                out += '}';
            }
            out += ']';
        }
        // setComplexProps
        if (s.doc && !s.doc->empty()) {
            out += ",\"doc\":";
            append_json_string(out, *s.doc);
        }
        sorted_strings("aliases", s.aliases);
        if (s.type == avro_type::enum_ && s.enum_default) {
            out += ",\"default\":";
            append_json_string(out, *s.enum_default);
        }
        simple_props(s.props, lt);
        out += '}';
    }

    void field_props(const field& f) {
        out += f.order == field_order::ascending    ? ",\"order\":\"ASCENDING\""
               : f.order == field_order::descending ? ",\"order\":\"DESCENDING\""
                                                    : ",\"order\":\"IGNORE\"";
        if (f.doc) {
            out += ",\"doc\":";
            append_json_string(out, *f.doc);
        }
        sorted_strings("aliases", f.aliases);
        if (f.default_value) {
            std::string v;
            if (default_object(v, *f.default_value, f.type)) out += ",\"default\":" + v;
        }
        simple_props(f.props, {});
    }

    void sorted_strings(std::string_view key, const std::vector<std::string>& values) {
        if (values.empty()) return;
        std::set<std::string> sorted(values.begin(), values.end());
        out += ",\"";
        out += key;
        out += "\":[";
        bool first = true;
        for (const auto& v : sorted) {
            if (!first) out += ',';
            first = false;
            append_json_string(out, v);
        }
        out += ']';
    }

    void logical_props(const logical& lt) {
        out += ",\"logicalType\":";
        append_json_string(out, lt.name);
        if (lt.name == "decimal") {
            out += ",\"precision\":" + std::to_string(lt.precision);
            if (lt.scale != 0) out += ",\"scale\":" + std::to_string(lt.scale);
        }
    }

    // Custom properties sorted by key. Keys setLogicalProps already wrote are not repeated
    // (Confluent's code writes them twice, giving an object with duplicate keys).
    void simple_props(const std::vector<property>& props, const std::optional<logical>& lt) {
        std::map<std::string, const json*> sorted;
        for (const auto& [k, v] : props) sorted[k] = &v;
        for (const auto& [k, v] : sorted) {
            if (lt && (k == "logicalType" || (lt->name == "decimal" && (k == "precision" || k == "scale")))) continue;
            out += ',';
            append_json_string(out, k);
            out += ':';
            append_json_value(out, *v);
        }
    }

    // JacksonUtils.toObject(defaultValue, schema) then genJson: the default converted through
    // its type. False where Java's conversion gives null (the default is then left out).
    static bool default_object(std::string& o, const json& v, const node* s) {
        if (s && s->type == avro_type::union_) return default_object(o, v, s->branches.front());
        const bool any = s == nullptr; // no schema to convert through (a custom property)
        const avro_type t = s ? s->type : avro_type::null;
        if (v.is_null()) {
            o += "null";
            return true;
        }
        if (v.is_boolean()) {
            o += v.get<bool>() ? "true" : "false";
            return true;
        }
        if (is_java_int(v) || is_java_long(v)) {
            if (any || t == avro_type::int_ || t == avro_type::long_) {
                o += std::to_string(v.get<int64_t>());
                return true;
            }
            if (t == avro_type::float_) {
                o += java_float(static_cast<float>(static_cast<double>(v.get<int64_t>())));
                return true;
            }
            if (t == avro_type::double_) {
                o += java_double(static_cast<double>(v.get<int64_t>()));
                return true;
            }
            return false;
        }
        if (v.is_number_float()) {
            double d = v.get<double>();
            std::string text;
            if (any || t == avro_type::double_) text = java_double(d);
            else if (t == avro_type::float_) text = java_float(static_cast<float>(d));
            else return false;
            if (std::isnan(d) || std::isinf(d)) o += "\"" + text + "\"";
            else o += text;
            return true;
        }
        if (v.is_string()) {
            const auto& str = v.get_ref<const std::string&>();
            if (any || t == avro_type::string || t == avro_type::enum_) {
                append_json_string(o, str);
                return true;
            }
            if (t == avro_type::bytes || t == avro_type::fixed) {
                append_json_string(o, latin1_roundtrip(str));
                return true;
            }
            return false;
        }
        if (v.is_array()) {
            const node* elem = s && s->type == avro_type::array ? s->items : nullptr;
            o += '[';
            bool first = true;
            for (const auto& e : v) {
                if (!first) o += ',';
                first = false;
                if (!default_object(o, e, elem)) o += "null";
            }
            o += ']';
            return true;
        }
        if (v.is_object()) {
            o += '{';
            bool first = true;
            for (const auto& [k, e] : v.items()) {
                const node* sub = nullptr;
                if (s && s->type == avro_type::map) sub = s->values;
                else if (s && s->type == avro_type::record) {
                    const field* f = s->find_field(k);
                    sub = f ? f->type : nullptr;
                }
                if (!first) o += ',';
                first = false;
                append_json_string(o, k);
                o += ':';
                if (!default_object(o, e, sub)) o += "null";
            }
            o += '}';
            return true;
        }
        return false;
    }

    // text.getBytes(ISO_8859_1) then new String(bytes, ISO_8859_1): characters above U+00FF
    // become '?'.
    static std::string latin1_roundtrip(const std::string& utf8) {
        std::string out;
        for (size_t i = 0; i < utf8.size();) {
            auto c = static_cast<unsigned char>(utf8[i]);
            uint32_t cp = c;
            size_t len = 1;
            if (c >= 0xF0) { len = 4; cp = c & 0x07; }
            else if (c >= 0xE0) { len = 3; cp = c & 0x0F; }
            else if (c >= 0xC0) { len = 2; cp = c & 0x1F; }
            for (size_t k = 1; k < len && i + k < utf8.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
            if (cp > 0xFF) out += len == 4 ? "??" : "?"; // a Java surrogate pair is two chars
            else out.append(utf8, i, len);
            i += len;
        }
        return out;
    }

    std::set<std::string> env_;
};

} // namespace

std::string confluent_normalized(const node& root, const std::vector<const node*>& known_named) {
    normalizer n(known_named);
    n.build(root);
    return std::move(n.out);
}


} // namespace brook::registry::avro
