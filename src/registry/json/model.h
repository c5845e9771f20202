#pragma once
// The typed view of a JSON Schema that Confluent's compatibility rules are written against:
// everit-json-schema's classes (StringSchema, NumberSchema, ObjectSchema, ArraySchema,
// EnumSchema, ConstSchema, CombinedSchema, NotSchema, ...), built from a parsed document the way
// everit's SchemaLoader builds them (draft 4/6/7), so the same schema pair meets the same rule:
//
// - `$ref` is replaced by the schema it points at (in the document or a registered reference);
// - `enum`, each of `allOf`/`anyOf`/`oneOf`, `not`, `const`, an explicit `type` and each group
//   of type-specific keywords without a matching `type` ("sniffed") yield one schema each;
//   several of them make a synthetic allOf; none make the empty schema;
// - `"type": [a, b]` is an anyOf of one schema per type, each with that type's keywords;
// - `true` and `{}` are the empty schema, `false` the false schema.
//
// A model owns its nodes; recursive schemas are graphs (a node may be its own descendant).
// Immutable after construction.
#include "registry/json/json_schema.h"

#include <nlohmann/json.hpp>

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace brook::registry::json {

enum class node_kind { empty, false_schema, string, number, boolean, null, object, array, enumeration, constant,
                       combined, negation, conditional };
enum class criterion { all_of, any_of, one_of };
std::string_view criterion_name(criterion c); // "allOf", "anyOf", "oneOf"

struct schema_node {
    node_kind kind = node_kind::empty;
    nlohmann::json identity; // what makes two subschemas "the same" (the schema's JSON)

    std::optional<nlohmann::json> id, title, description, default_value;
    std::optional<std::string> connect_type; // Kafka Connect's "connect.type"

    // string
    std::optional<double> min_length, max_length;
    std::optional<std::string> pattern;
    // number
    std::optional<double> minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;
    bool requires_integer = false;
    // object
    std::map<std::string, const schema_node*> properties;
    std::set<std::string> required;
    bool permits_additional_properties = true;
    const schema_node* additional_properties = nullptr; // a schema (not a boolean)
    std::vector<std::pair<std::string, const schema_node*>> pattern_properties;
    std::map<std::string, std::set<std::string>> property_dependencies;
    std::map<std::string, const schema_node*> schema_dependencies;
    std::optional<double> min_properties, max_properties;
    // array
    const schema_node* all_items = nullptr; // "items": one schema
    std::vector<const schema_node*> item_list; // "items": [schemas]
    bool permits_additional_items = true;
    const schema_node* additional_items = nullptr;
    std::optional<double> min_items, max_items;
    bool unique_items = false;
    // enum / const
    std::vector<nlohmann::json> values;
    nlohmann::json constant;
    // combined
    criterion crit = criterion::all_of;
    std::vector<const schema_node*> subschemas;
    // not
    const schema_node* negated = nullptr;

    // The property's schema has a "default" (REQUIRED_..._WITH_DEFAULT rules).
    bool has_default() const { return default_value.has_value(); }
};

class schema_model {
public:
    explicit schema_model(const json_schema& schema);
    schema_model(const schema_model&) = delete;
    schema_model& operator=(const schema_model&) = delete;

    const schema_node* root() const { return root_; }
    // A chain of $refs longer than max_depth was cut: the graph is incomplete and must not be
    // compared (the check reports it instead).
    bool truncated() const { return truncated_; }
    static constexpr int max_depth = 1000;

private:
    struct document {
        const nlohmann::json* root;
        std::string base; // its base URI ("" when it has none)
        draft d;
    };

    const schema_node* load(const nlohmann::json& node, const document& doc, int depth);
    const schema_node* load_ref(const std::string& ref, const document& doc, int depth);
    void fill_type(schema_node& n, std::string_view type, const nlohmann::json& o, const document& doc, int depth);
    schema_node& make();

    const json_schema& schema_;
    std::deque<schema_node> nodes_;
    std::unordered_map<const nlohmann::json*, const schema_node*> loaded_;
    std::deque<document> documents_;
    const schema_node* root_ = nullptr;
    bool truncated_ = false;
};

} // namespace brook::registry::json
