#pragma once
// The AVRO parsed_schema: a parsed graph plus its two text forms, computed once at parse time
// (the value is immutable and shared between threads). Obtained from make_avro_type()->parse;
// code that needs the graph (e.g. to take a fingerprint) may dynamic_cast a parsed_schema of
// kind avro to this type.
#include <memory>
#include <string>

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

} // namespace brook::registry::avro
