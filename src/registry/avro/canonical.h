#pragma once
// The text forms of a parsed Avro schema. Pure functions of an immutable graph; any thread.
//
//  - java_string: Avro Java's Schema.toString(referencedSchemas, false), which is Confluent's
//    AvroSchema.canonicalString(): no whitespace; per object "type", then name/namespace
//    (namespace only where it differs from the enclosing one), doc, the type's own attributes
//    (fields / symbols + default / items / values / size), then custom properties in their
//    order of definition, then aliases. A named type is written in full once, then by name;
//    types defined by the references are always written by name.
//  - confluent_normalized: Confluent's AvroSchemaUtils.toNormalizedString (normalize=true):
//    full names instead of namespaces, "name" before "type", every field's "order", aliases
//    sorted, custom properties sorted by key, defaults rewritten through their field's type
//    (a float default 1 becomes 1.0).
//  - parsing_canonical_form: the Avro specification's Parsing Canonical Form (PCF: only
//    name/type/fields/symbols/items/values/size, full names, no logical types), and
//    fingerprint64 its CRC-64-AVRO (Rabin) fingerprint, as Java's SchemaNormalization.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "registry/avro/schema.h"

namespace brook::registry::avro {

std::string java_string(const node& root, const std::vector<const node*>& known_named = {});
std::string confluent_normalized(const node& root, const std::vector<const node*>& known_named = {});
std::string parsing_canonical_form(const node& root);
// CRC-64-AVRO of the bytes; as Java's SchemaNormalization.fingerprint64 (a signed long there).
uint64_t fingerprint64(std::string_view bytes);

} // namespace brook::registry::avro
