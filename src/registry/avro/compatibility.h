#pragma once
// Schema resolution checks: can a reader with one schema read data written with another?
// A port of Avro Java's SchemaCompatibility.ReaderWriterCompatibilityChecker (1.11), which is
// what Confluent's AvroSchema.isBackwardCompatible calls, keeping its quirks so verdicts agree
// pair for pair:
//  - results are memoised per (reader node, writer node); a pair met again while it is being
//    checked counts as compatible (how recursive types terminate);
//  - named types match by short name (namespaces are not compared) or by a reader alias equal
//    to the writer's full name;
//  - a union branch is checked from a fresh root location ("/"), as Java does;
//  - a reader field missing in the writer whose type is an enum with a default is checked as
//    that enum against the writer's record (so it is a TYPE_MISMATCH);
//  - a reader field whose name and aliases match two writer fields stops the check (Java
//    throws; Confluent reports "Unexpected exception ..."): READER_FIELD_MATCHES_MULTIPLE_WRITER_FIELDS
//    is then the only answer.
// Brook's own limit: a check that recurses more than 1000 type pairs deep (possible only
// through chains of named types) stops with SCHEMA_TOO_DEEP instead of exhausting the stack.
// Pure function of two immutable graphs; any thread.
#include <string>
#include <vector>

#include "registry/avro/schema.h"

namespace brook::registry::avro {

struct avro_incompatibility {
    std::string type;     // NAME_MISMATCH, FIXED_SIZE_MISMATCH, MISSING_ENUM_SYMBOLS, READER_FIELD_MISSING_DEFAULT_VALUE, TYPE_MISMATCH, MISSING_UNION_BRANCH, READER_FIELD_MATCHES_MULTIPLE_WRITER_FIELDS, SCHEMA_TOO_DEEP
    std::string location; // Java's JSON-pointer location ("/fields/1/type")
    std::string message;  // Java's message (Confluent's additionalInfo)
    std::string description; // a sentence for the user: the field, both types, what to do
};

// At most this many incompatibilities are listed (Java lists every one, repeats included).
constexpr size_t max_reported = 1000;

// Empty when `reader` can read everything written with `writer`.
std::vector<avro_incompatibility> check_compatibility(const node& reader, const node& writer);

} // namespace brook::registry::avro
