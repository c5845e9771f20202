#pragma once
// An Avro schema parsed from its JSON text (Avro 1.11 specification): the primitives, records
// (and errors), enums, arrays, maps, unions and fixed, named types referred to by name
// (recursion included), and the logical types decimal (bytes or fixed), date, time-millis,
// time-micros, timestamp-millis, timestamp-micros and uuid. A logical type that does not fit
// its underlying type (decimal scale > precision, date on a long) is ignored, as the spec says.
// What the spec forbids is an error naming where: unknown types, bad names, redefined names,
// unions inside unions or with two branches of one unnamed type, duplicate fields or symbols,
// defaults that do not match their field's type.
// A schema is an immutable value (shared nodes): copy it freely, use it from any thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/expected.h"

namespace brook::client::avro {

// What a schema, datum or byte string was refused for: one line saying where and what.
struct error {
    std::string message;
};
template <class T>
using result = brook::expected<T, error>;

enum class type { null, boolean, int_, long_, float_, double_, bytes, string, record, enumeration, array, map, union_, fixed };
enum class logical { none, decimal, date, time_millis, time_micros, timestamp_millis, timestamp_micros, uuid };

struct node;

struct field {
    std::string name;
    const node* type = nullptr;
    std::optional<nlohmann::json> default_value;
};

struct node {
    avro::type t = type::null;
    avro::logical logical = logical::none;
    int precision = 0, scale = 0;      // decimal
    std::string name;                  // full name of a record, enum or fixed
    std::vector<field> fields;         // record
    std::vector<std::string> symbols;  // enum
    const node* items = nullptr;       // array items, map values
    std::vector<const node*> branches; // union
    size_t size = 0;                   // fixed
};

// "int", "record", ...: the spec's name of a type.
const char* type_name(type t);

class schema {
public:
    // The schema or why the text is not one ("avro schema: <where>: <what>").
    static result<schema> parse(std::string_view json_text);
    static result<schema> from_document(const nlohmann::json& doc); // an already parsed document

    const node& root() const { return *root_; }

    struct arena; // owns the nodes (opaque; the parser fills it)

private:
    schema(std::shared_ptr<const arena> a, const node* root) : arena_(std::move(a)), root_(root) {}
    std::shared_ptr<const arena> arena_;
    const node* root_ = nullptr;
};

} // namespace brook::client::avro
