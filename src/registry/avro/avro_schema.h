#pragma once
// The AVRO parsed_schema: a parsed graph plus its two text forms, computed once at parse time
// (the value is immutable and shared between threads). Obtained from make_avro_type()->parse;
// code that needs the graph (e.g. to take a fingerprint) may dynamic_cast a parsed_schema of
// kind avro to this type.
#include <memory>
#include <string>
#include <string_view>

#include "registry/avro/schema.h"
#include "registry/schema_type.h"

namespace brook::registry::avro {

class avro_parsed_schema final : public parsed_schema {
public:
    explicit avro_parsed_schema(std::shared_ptr<const schema_graph> graph);

    schema_kind kind() const override { return schema_kind::avro; }
    std::string canonical() const override { return canonical_; }
    std::string normalized() const override { return normalized_; }

    const node& root() const { return *graph_->root(); }
    const schema_graph& graph() const { return *graph_; }

private:
    std::shared_ptr<const schema_graph> graph_;
    std::string canonical_;
    std::string normalized_;
};

// make_avro_type() (schema_type.h) validates field defaults, as Confluent does for a schema
// being registered. This one accepts defaults that do not fit their type, as Confluent does for
// schemas it reads back from `_schemas` (older registries stored such schemas, e.g.
// "default": "null" for a ["null", ...] union); everything else is checked alike.
std::unique_ptr<schema_type> make_avro_type_lenient();

// One of check()'s incompatibilities as Confluent's verbose compatibility answer words it
// (io.confluent.kafka.schemaregistry.avro.Difference, formatted by SchemaValidatorBuilder):
// {errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the
// new schema does not match with the old schema', additionalInfo:'reader type: INT not
// compatible with writer type: LONG'}. `reader_label`/`writer_label` are "new"/"old" for a
// BACKWARD check (reader = new) and "old"/"new" for FORWARD. Brook's own stop conditions are
// worded as Confluent words an exception ("Unexpected exception during compatibility check: ...").
std::string confluent_message(const incompatibility& i, std::string_view reader_label, std::string_view writer_label);

} // namespace brook::registry::avro
