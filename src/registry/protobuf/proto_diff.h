#pragma once
// Confluent's Protobuf schema diff (io.confluent.kafka.schemaregistry.protobuf.diff): every
// difference between an original (the writer's, older) schema and an update (the reader's,
// newer), each of one Difference.Type, and which of those types are compatible. A reader can
// read what a writer wrote when no incompatible difference exists; that is Confluent's
// ProtobufSchema.isBackwardCompatible(previous), and schema_type::check(reader, writer).
// The rule table is in src/registry/protobuf/README.md.
//
// Pure functions of two immutable schemas: callable from any thread.
#include <string>
#include <string_view>
#include <vector>

#include "registry/protobuf/proto_schema.h"

namespace brook::registry::protobuf {

enum class diff_type {
    PACKAGE_CHANGED,
    MESSAGE_ADDED,
    MESSAGE_REMOVED,
    MESSAGE_MOVED,
    ENUM_ADDED,
    ENUM_REMOVED,
    ENUM_CONST_ADDED,
    ENUM_CONST_CHANGED,
    ENUM_CONST_REMOVED,
    FIELD_ADDED,
    FIELD_REMOVED,
    FIELD_NAME_CHANGED,
    FIELD_KIND_CHANGED,
    FIELD_SCALAR_KIND_CHANGED,
    FIELD_NAMED_TYPE_CHANGED,
    FIELD_NUMERIC_LABEL_CHANGED,
    FIELD_STRING_OR_BYTES_LABEL_CHANGED,
    REQUIRED_FIELD_ADDED,
    REQUIRED_FIELD_REMOVED,
    ONEOF_ADDED,
    ONEOF_REMOVED,
    ONEOF_FIELD_ADDED,
    ONEOF_FIELD_REMOVED,
    MULTIPLE_FIELDS_MOVED_TO_ONEOF,
    FIELD_MOVED_TO_EXISTING_ONEOF,
};

std::string_view name(diff_type t);
// Confluent's SchemaDiff.COMPATIBLE_CHANGES.
bool is_compatible(diff_type t);

struct difference {
    diff_type type;
    std::string full_path;   // Confluent's form: "#/Outer/Inner/3" (message names, oneof names, field numbers)
    std::string where;       // "Outer.Inner.field_name": messages and field names, for people
    std::string description; // names the message, the field, its number and both sides
};

// Every difference from `original` (writer) to `update` (reader), compatible ones included,
// in a fixed order (names sorted, field numbers ascending).
std::vector<difference> diff(const proto_schema& original, const proto_schema& update);

// Only the incompatible differences, as the registry reports them.
std::vector<incompatibility> incompatibilities(const proto_schema& reader, const proto_schema& writer);

} // namespace brook::registry::protobuf
