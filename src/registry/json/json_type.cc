// schema_type for JSON Schema: parse through parse_schema, check through Confluent's diff.
#include "registry/json/diff.h"
#include "registry/json/json_schema.h"
#include "registry/json/model.h"

#include <cctype>

namespace brook::registry {
namespace {

using json::json_schema;

class json_type final : public schema_type {
public:
    schema_kind kind() const override { return schema_kind::json; }

    parse_outcome parse(std::string_view text, const std::vector<resolved_reference>& refs) const override {
        auto out = json::parse_schema(text, refs);
        return {out.schema, std::move(out.error)};
    }

    std::vector<incompatibility> check(const parsed_schema& reader, const parsed_schema& writer,
                                       const check_options& opts) const override {
        const auto* r = dynamic_cast<const json_schema*>(&reader);
        const auto* w = dynamic_cast<const json_schema*>(&writer);
        if (r == nullptr || w == nullptr) {
            return {{"TYPE_CHANGED", "#/",
                     "Incompatible because of different schema type (" + std::string(kind_name(reader.kind())) + " reads " +
                         std::string(kind_name(writer.kind())) + ")",
                     ""}};
        }
        // Unknown values are STRICT, the default (check_options: unknown keys are ignored).
        std::string policy_name = opts.json_policy;
        for (char& c : policy_name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        const json::policy p = policy_name == "LENIENT" ? json::policy::lenient : json::policy::strict;
        const json::schema_model reader_model(*r);
        const json::schema_model writer_model(*w);
        if (reader_model.truncated() || writer_model.truncated()) {
            return {{"TYPE_CHANGED", "#/",
                     "The schemas chain more than " + std::to_string(json::schema_model::max_depth) +
                         " $refs deep; Brook does not compare them",
                     ""}};
        }
        std::vector<incompatibility> out;
        // Confluent's isBackwardCompatible(previous): compare(original = writer, update = reader).
        for (const auto& d : json::compare(writer_model.root(), reader_model.root(), p)) {
            if (json::is_compatible(d.type, p)) continue;
            std::string info = d.path.size() > 2 ? d.path.substr(d.path.rfind('/') + 1) : "";
            out.push_back({d.type, d.path, json::describe(d), std::move(info)});
        }
        return out;
    }
};

} // namespace

std::unique_ptr<schema_type> make_json_type() { return std::make_unique<json_type>(); }

} // namespace brook::registry
