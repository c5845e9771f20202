#pragma once
// Confluent's JSON Schema compatibility (io.confluent.kafka.schemaregistry.json.diff): every
// difference between an original (writer) and an update (reader) schema, named by Confluent's
// Difference.Type, at a JSON path ("#/properties/a/maxLength"); a difference is compatible when
// its type is in the policy's set. Confluent's JsonSchema.isBackwardCompatible(previous) is
// compare(original = previous, update = new): the registry's check(reader = new, writer = old).
#include "registry/json/model.h"

#include <string>
#include <string_view>
#include <vector>

namespace brook::registry::json {

enum class policy { strict, lenient };

struct difference {
    std::string type; // Confluent's Difference.Type name, e.g. "TYPE_NARROWED"
    std::string path; // "#/properties/a"
};

// Whether a difference of this type keeps the update able to read what the original wrote:
// Confluent's SchemaDiff.COMPATIBLE_CHANGES_STRICT, and COMPATIBLE_CHANGES_LENIENT (strict
// plus the open-content-model and additionalProperties narrowings).
bool is_compatible(std::string_view type, policy p);

// Every difference, compatible or not, in Confluent's order.
std::vector<difference> compare(const schema_node* original, const schema_node* update, policy p);

// A sentence for one incompatible difference, naming the property or keyword (from the path)
// and which side has what; the reader is the update, the writer the original.
std::string describe(const difference& d);

} // namespace brook::registry::json
