#pragma once
// An Avro schema as Avro Java's Schema.Parser builds it, so that everything computed from it
// (Schema.toString, SchemaCompatibility, Confluent's normalize) can follow Java step by step.
//
// A parsed schema is a graph of nodes owned by one `schema_graph`: named types are defined
// once and every later mention points at the same node (so recursive types are cycles, and
// the compatibility checker may memoise on node identity exactly as Java does on object
// identity); every other mention of a primitive, array, map or union is its own node.
//
// Guarantees: a schema_graph is immutable after `parse_avro` returns it and may be read from
// any number of threads. Node pointers stay valid as long as the graph lives.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace brook::registry::avro {

// JSON values kept from the schema text (defaults, custom properties) with their key order,
// as Jackson's ObjectNode keeps it.
using json = nlohmann::ordered_json;

enum class avro_type { null, boolean, int_, long_, float_, double_, bytes, string, record, enum_, array, map, union_, fixed };

// "null", "int", ..., "record": the Avro spelling (Java's Type.getName()).
std::string_view type_name(avro_type t);
// "NULL", "INT", ..., "RECORD": Java's Type.toString(), used in incompatibility messages.
std::string_view type_upper(avro_type t);
bool is_primitive(avro_type t);
bool is_named(avro_type t);

// A property in definition order (logicalType, precision, custom keys, ...).
using property = std::pair<std::string, json>;

enum class field_order { ascending, descending, ignore };

struct node;

struct field {
    std::string name;
    const node* type = nullptr;
    std::optional<std::string> doc;
    std::optional<json> default_value; // as Java keeps it (a textual float default is a number)
    field_order order = field_order::ascending;
    std::vector<std::string> aliases; // as written, duplicates removed, in order
    std::vector<property> props;
    int pos = 0;
};

struct node {
    avro_type type = avro_type::null;
    std::vector<property> props; // not for unions (a union is a JSON array)

    // Named types (record, enum, fixed). `space` empty means the null namespace.
    std::string name;
    std::string space;
    std::optional<std::string> doc;
    std::vector<std::string> aliases; // full names, resolved against `space`, in order
    bool is_error = false;            // a record declared with "type":"error"

    std::vector<field> fields;  // record
    bool fields_set = false;    // false while the record's own fields are being parsed
    std::unordered_map<std::string, size_t> field_index; // record: name -> position

    std::vector<std::string> symbols;       // enum
    std::optional<std::string> enum_default; // enum

    int size = 0; // fixed

    const node* items = nullptr;  // array
    const node* values = nullptr; // map
    std::vector<const node*> branches; // union

    std::string full_name() const { return space.empty() ? name : space + "." + name; }
    // Java's Schema.getFullName(): the full name of a named type, else the type's name.
    std::string java_full_name() const { return is_named(type) ? full_name() : std::string(type_name(type)); }
    const field* find_field(std::string_view n) const;
    std::optional<std::string_view> logical_type() const;
};

struct parse_result;

class schema_graph {
public:
    const node* root() const { return root_; }
    // Named types defined by the references, by full name, in definition order: Confluent
    // writes these by name only (they are the referenced schemas' types, not this one's).
    const std::vector<const node*>& referenced_named() const { return referenced_named_; }

private:
    friend class parser;
    friend parse_result parse_avro(std::string_view, const std::vector<std::string_view>&, bool);
    std::vector<std::unique_ptr<node>> nodes_;
    const node* root_ = nullptr;
    std::vector<const node*> referenced_named_;
};

struct parse_result {
    std::shared_ptr<const schema_graph> graph; // set on success
    std::string error;                         // set on failure: what is wrong, and where
};

// Parses `text` after the referenced schemas' texts (in order; each may use the types the
// ones before it defined), as Confluent's AvroSchema does with one Schema.Parser. With
// `validate_defaults` field defaults must fit their types (Schema.Parser's validateDefaults,
// which Confluent turns on for schemas being registered and off for schemas read back from
// `_schemas`, where older registries stored defaults that do not fit). Never throws for bad
// input.
parse_result parse_avro(std::string_view text, const std::vector<std::string_view>& reference_texts,
                        bool validate_defaults = true);

} // namespace brook::registry::avro
