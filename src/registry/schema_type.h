#pragma once
// What the registry core needs of a schema type (AVRO, JSON, PROTOBUF): parse a schema text
// with its resolved references, give its canonical form (identity: whitespace and key order
// do not make a new version) and its normalized form (`normalize=true`), and list what breaks
// when one schema must read what another wrote. One implementation per type, in
// src/registry/<type>/; the core only sees this interface.
//
// Threads: a schema_type is immutable after construction and may be used from any thread at
// once; a parsed_schema is an immutable value, shared between threads through shared_ptr<const>.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brook::registry {

enum class schema_kind { avro, json, protobuf };

// "AVRO", "JSON", "PROTOBUF" — the schemaType strings of the REST API and the `_schemas` log.
inline std::string_view kind_name(schema_kind k) {
    switch (k) {
    case schema_kind::avro: return "AVRO";
    case schema_kind::json: return "JSON";
    case schema_kind::protobuf: return "PROTOBUF";
    }
    return "AVRO";
}
inline std::optional<schema_kind> parse_kind(std::string_view name) { // exact, upper case
    if (name == "AVRO") return schema_kind::avro;
    if (name == "JSON") return schema_kind::json;
    if (name == "PROTOBUF") return schema_kind::protobuf;
    return std::nullopt;
}

// A reference as registered: the name the schema uses for it (Avro: the full name of a named
// type; JSON Schema: the $ref URL; Protobuf: the import path) and the subject/version it
// points at, resolved by the core to the referenced schema's text.
struct resolved_reference {
    std::string name;
    std::string subject;
    int version = 0;
    std::string schema; // the referenced schema's text as registered
};

// Per-subject options a checker may honour. Unknown keys are ignored.
struct check_options {
    // JSON Schema: STRICT (default) or LENIENT handling of open content models; the core
    // passes the subject's setting through.
    std::string json_policy = "STRICT";
};

// One incompatibility, in the shape Confluent's verbose compatibility answer uses:
// {errorType:'<type>', description:'<description>', additionalInfo:'<info>'}.
struct incompatibility {
    std::string type;        // Confluent's / Avro's name for the rule: READER_FIELD_MISSING_DEFAULT_VALUE, TYPE_CHANGED, FIELD_KIND_CHANGED, ...
    std::string path;        // where in the schema ("/fields/1/type", "#/properties/a", "Message.field_x")
    std::string description; // a sentence a user can act on, naming the field and both types
    std::string info;        // additionalInfo (the field name, the symbol, ...); may be empty
};

class parsed_schema {
public:
    virtual ~parsed_schema() = default;
    virtual schema_kind kind() const = 0;
    // The form two schemas are compared in to decide "same schema": Confluent's canonical
    // string (Avro: the schema as JSON with attributes in a fixed order and no insignificant
    // whitespace, defaults/docs/aliases kept; JSON: minified JSON with sorted keys;
    // Protobuf: the formatted .proto text).
    virtual std::string canonical() const = 0;
    // The `normalize=true` form (Confluent's normalize(): Avro: namespaces resolved to full
    // names and the canonical attribute order; Protobuf: options and imports sorted, ...).
    virtual std::string normalized() const = 0;
    // The text the registry stores and serves for this schema (GET .../schema): the canonical
    // form, so a lookup by any equivalent text finds the same id.
    virtual std::string text() const { return canonical(); }
};

struct parse_outcome {
    std::shared_ptr<const parsed_schema> schema; // set on success
    std::string error;                           // set on failure: why, for a 42201 message
};

class schema_type {
public:
    virtual ~schema_type() = default;
    virtual schema_kind kind() const = 0;
    // Parses `text` with its references (already resolved, dependencies of dependencies
    // first). Never throws for bad input.
    virtual parse_outcome parse(std::string_view text, const std::vector<resolved_reference>& refs) const = 0;
    // What stops `reader` from reading data written with `writer` (empty: it can). BACKWARD
    // checks (reader = new, writer = old); FORWARD (reader = old, writer = new); FULL both. For
    // JSON Schema and Protobuf this is Confluent's rule set for "reader's schema is backward
    // compatible with writer's", so the core applies one rule for every type.
    virtual std::vector<incompatibility> check(const parsed_schema& reader, const parsed_schema& writer,
                                               const check_options& opts) const = 0;
};

// The implementations (src/registry/avro, json, protobuf).
std::unique_ptr<schema_type> make_avro_type();
std::unique_ptr<schema_type> make_json_type();
std::unique_ptr<schema_type> make_protobuf_type();

} // namespace brook::registry
