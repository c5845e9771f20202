#include "registry/avro/schema.h"

namespace brook::registry::avro {

std::string_view type_name(avro_type t) {
    switch (t) {
    case avro_type::null: return "null";
    case avro_type::boolean: return "boolean";
    case avro_type::int_: return "int";
    case avro_type::long_: return "long";
    case avro_type::float_: return "float";
    case avro_type::double_: return "double";
    case avro_type::bytes: return "bytes";
    case avro_type::string: return "string";
    case avro_type::record: return "record";
    case avro_type::enum_: return "enum";
    case avro_type::array: return "array";
    case avro_type::map: return "map";
    case avro_type::union_: return "union";
    case avro_type::fixed: return "fixed";
    }
    return "null";
}

std::string_view type_upper(avro_type t) {
    switch (t) {
    case avro_type::null: return "NULL";
    case avro_type::boolean: return "BOOLEAN";
    case avro_type::int_: return "INT";
    case avro_type::long_: return "LONG";
    case avro_type::float_: return "FLOAT";
    case avro_type::double_: return "DOUBLE";
    case avro_type::bytes: return "BYTES";
    case avro_type::string: return "STRING";
    case avro_type::record: return "RECORD";
    case avro_type::enum_: return "ENUM";
    case avro_type::array: return "ARRAY";
    case avro_type::map: return "MAP";
    case avro_type::union_: return "UNION";
    case avro_type::fixed: return "FIXED";
    }
    return "NULL";
}

bool is_primitive(avro_type t) { return t <= avro_type::string; }
bool is_named(avro_type t) { return t == avro_type::record || t == avro_type::enum_ || t == avro_type::fixed; }

const field* node::find_field(std::string_view n) const {
    auto it = field_index.find(std::string(n));
    return it == field_index.end() ? nullptr : &fields[it->second];
}

std::optional<std::string_view> node::logical_type() const {
    for (const auto& [k, v] : props)
        if (k == "logicalType" && v.is_string()) return std::string_view(v.get_ref<const std::string&>());
    return std::nullopt;
}

} // namespace brook::registry::avro
