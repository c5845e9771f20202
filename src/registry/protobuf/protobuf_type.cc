// make_protobuf_type(): the PROTOBUF schema_type the registry core sees.
#include "registry/protobuf/proto_diff.h"
#include "registry/protobuf/proto_schema.h"

namespace brook::registry {
namespace {

class protobuf_type final : public schema_type {
public:
    schema_kind kind() const override { return schema_kind::protobuf; }

    parse_outcome parse(std::string_view text, const std::vector<resolved_reference>& refs) const override {
        auto out = protobuf::parse_proto_schema(text, refs);
        return {std::move(out.schema), std::move(out.error)};
    }

    std::vector<incompatibility> check(const parsed_schema& reader, const parsed_schema& writer,
                                       const check_options&) const override {
        const auto* r = protobuf::as_proto(reader);
        const auto* w = protobuf::as_proto(writer);
        if (r == nullptr || w == nullptr) // the core compares kinds first; this is its safety net
            return {{"TYPE_CHANGED", "", "a PROTOBUF schema can only be compared with another PROTOBUF schema", ""}};
        return protobuf::incompatibilities(*r, *w);
    }
};

} // namespace

std::unique_ptr<schema_type> make_protobuf_type() { return std::make_unique<protobuf_type>(); }

} // namespace brook::registry
