#pragma once
// The pure parts of `brook schema`, kept apart so they are unit-tested without a registry:
// schema types from file extensions, --reference / --version / --set arguments, the request
// body Confluent's REST API takes, its error bodies, and its verbose compatibility messages.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "client/registry_client.h"

namespace brook::cli {

// "AVRO", "JSON" or "PROTOBUF" from a case-insensitive name; nullopt for anything else.
std::optional<std::string> parse_schema_type(std::string_view s);

// .avsc -> AVRO, .json -> JSON, .proto -> PROTOBUF (case-insensitive); nullopt otherwise.
std::optional<std::string> schema_type_from_path(std::string_view path);

// One of the seven compatibility levels from a case-insensitive name, upper-cased.
std::optional<std::string> parse_compatibility_level(std::string_view s);
inline constexpr std::string_view compatibility_levels =
    "BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE, NONE";

// A version as a path segment: "latest" (also -1) or a number >= 1; nullopt otherwise.
std::optional<std::string> parse_schema_version(std::string_view s);

struct schema_reference {
    std::string name;    // as the schema refers to it: a Protobuf import path, an Avro full name
    std::string subject;
    int version = 0;     // >= 1
};

// "name=subject:version": the name up to the first '=', the version after the last ':'
// (so subjects may contain ':'). Returns the reference or why it is not one.
std::variant<schema_reference, std::string> parse_reference(std::string_view s);

// The body of POST /subjects/{s}/versions and of the compatibility check: schemaType is left
// out for AVRO (registries older than 5.5 know no other and reject the field) and references
// when there are none.
nlohmann::json schema_request(const std::string& schema, const std::string& type,
                              const std::vector<schema_reference>& refs);

// What a registry said when it refused: the shared client's error (client/registry_client.h).
using client::registry_error;
using client::parse_registry_error;

// One line of a verbose compatibility answer, as Confluent (and Brook) word them:
//   {errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field ...', additionalInfo:'f'}
//   {oldSchemaVersion: 3}   {oldSchema: '...'}   {validateFields: 'false', compatibility: 'BACKWARD'}
// A line in another form is kept whole as the description.
struct breaking_change {
    std::string rule;        // errorType, "" when the line had none
    std::string description;
    std::string info;        // additionalInfo, often the field or the two types
    std::optional<int> old_version; // the version this change is against, when the answer said
};

struct compatibility_report {
    std::vector<breaking_change> changes;
    std::optional<std::string> level; // the level the registry checked under, when it said
};

// Reads the "messages" array of a compatibility answer; oldSchemaVersion lines attach to the
// changes before them (Confluent appends them after each version's list), oldSchema lines are
// dropped (the whole old schema, too long for a report).
compatibility_report parse_compatibility_messages(const nlohmann::json& messages);

// "RULE: description (info)", or the parts that are there.
std::string describe(const breaking_change& c);

} // namespace brook::cli
