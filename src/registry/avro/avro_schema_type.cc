// brook::registry::make_avro_type(): the AVRO schema_type over this folder's parser, text
// forms and compatibility checker.
#include <algorithm>
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
    explicit avro_schema_type(bool validate_defaults) : validate_defaults_(validate_defaults) {}

    schema_kind kind() const override { return schema_kind::avro; }

    parse_outcome parse(std::string_view text, const std::vector<resolved_reference>& refs) const override {
        // Confluent keeps resolved references in a map by reference name (a type reached
        // through two paths is parsed once): first position, last text. The same subject
        // version under a second name is the same schema too, and is parsed once.
        std::vector<const resolved_reference*> kept;
        for (const auto& r : refs) {
            auto same = std::find_if(kept.begin(), kept.end(), [&](const resolved_reference* k) {
                return k->name == r.name || (!r.subject.empty() && k->subject == r.subject && k->version == r.version);
            });
            if (same == kept.end()) kept.push_back(&r);
            else if ((*same)->name == r.name) *same = &r;
        }
        std::vector<std::string_view> texts;
        for (const auto* r : kept) texts.emplace_back(r->schema);
        auto parsed = parse_avro(text, texts, validate_defaults_);
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

private:
    bool validate_defaults_;
};

} // namespace

std::string confluent_message(const incompatibility& i, std::string_view reader_label, std::string_view writer_label) {
    const std::string r(reader_label), w(writer_label), path = "'" + i.path + "'";
    std::string description;
    if (i.type == "FIXED_SIZE_MISMATCH")
        description = "The size of FIXED type field at path " + path + " in the " + r + " schema does not match with the " + w + " schema";
    else if (i.type == "TYPE_MISMATCH")
        description = "The type (path " + path + ") of a field in the " + r + " schema does not match with the " + w + " schema";
    else if (i.type == "NAME_MISMATCH")
        description = "The name of the schema has changed (path " + path + ")";
    else if (i.type == "MISSING_ENUM_SYMBOLS")
        description = "The " + r + " schema is missing enum symbols '" + i.info + "' at path " + path + " in the " + w + " schema";
    else if (i.type == "MISSING_UNION_BRANCH")
        description = "The " + r + " schema is missing a type inside a union field at path " + path + " in the " + w + " schema";
    else if (i.type == "READER_FIELD_MISSING_DEFAULT_VALUE")
        description = "The field '" + i.info + "' at path " + path + " in the " + r +
                      " schema has no default value and is missing in the " + w + " schema";
    else if (i.info == "Incompatible because of different schema type")
        return i.info;
    else
        return "Unexpected exception during compatibility check: " + i.info;
    return "{errorType:'" + i.type + "', description:'" + description + "', additionalInfo:'" + i.info + "'}";
}

std::unique_ptr<schema_type> make_avro_type_lenient() { return std::make_unique<avro_schema_type>(false); }

} // namespace avro

std::unique_ptr<schema_type> make_avro_type() { return std::make_unique<avro::avro_schema_type>(true); }

} // namespace brook::registry
