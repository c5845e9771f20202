// brook::registry::make_avro_type(): the AVRO schema_type over this folder's parser, text
// forms and compatibility checker.
#include <memory>

#include "registry/avro/avro_schema.h"
#include "registry/avro/canonical.h"
#include "registry/avro/compatibility.h"
#include "registry/schema_type.h"

namespace brook::registry {

namespace avro {

avro_parsed_schema::avro_parsed_schema(std::shared_ptr<const schema_graph> graph)
    : graph_(std::move(graph)),
      canonical_(java_string(*graph_->root(), graph_->referenced_named())),
      normalized_(confluent_normalized(*graph_->root(), graph_->referenced_named())) {}

namespace {

class avro_schema_type final : public schema_type {
public:
    schema_kind kind() const override { return schema_kind::avro; }

    parse_outcome parse(std::string_view text, const std::vector<resolved_reference>& refs) const override {
        std::vector<std::string_view> texts;
        texts.reserve(refs.size());
        for (const auto& r : refs) texts.emplace_back(r.schema);
        auto parsed = parse_avro(text, texts);
        if (!parsed.graph) return {nullptr, std::move(parsed.error)};
        return {std::make_shared<const avro_parsed_schema>(std::move(parsed.graph)), {}};
    }

    std::vector<incompatibility> check(const parsed_schema& reader, const parsed_schema& writer,
                                       const check_options&) const override {
        const auto* r = dynamic_cast<const avro_parsed_schema*>(&reader);
        const auto* w = dynamic_cast<const avro_parsed_schema*>(&writer);
        if (!r || !w)
            return {{"TYPE_MISMATCH", "/",
                     "The reader's schema is " + std::string(kind_name(reader.kind())) + " and the writer's is " +
                         std::string(kind_name(writer.kind())) + ": a schema type cannot change",
                     "Incompatible because of different schema type"}};
        std::vector<incompatibility> out;
        for (auto& i : check_compatibility(r->root(), w->root()))
            out.push_back({std::move(i.type), std::move(i.location), std::move(i.description), std::move(i.message)});
        return out;
    }
};

} // namespace
} // namespace avro

std::unique_ptr<schema_type> make_avro_type() { return std::make_unique<avro::avro_schema_type>(); }

} // namespace brook::registry
