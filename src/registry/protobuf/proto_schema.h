#pragma once
// A parsed PROTOBUF schema: one .proto file built in its own private DescriptorPool together
// with the files it imports (its references, and the well-known google/protobuf/*.proto built
// in). The stream engine, CDC and the registry core may hold one through
// shared_ptr<const parsed_schema> and reach the descriptors with as_proto().
//
// Guarantees: immutable after parse; every const member may be called from any thread at once
// (the pool has no fallback database, so lookups never mutate it). Descriptors handed out live
// as long as the proto_schema.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "registry/schema_type.h"

namespace brook::registry::protobuf {

// Where a file of a schema's pool came from. Two schemas that take a type from the same
// subject/version need not compare it (Confluent's rule); anything else is compared.
struct file_origin {
    enum class source { self, reference, builtin };
    source from = source::self;
    std::string subject; // for references
    int version = 0;     // for references
};

class proto_schema final : public parsed_schema {
public:
    // Use parse_proto_schema(); public only for make_shared.
    proto_schema(std::unique_ptr<google::protobuf::DescriptorPool> pool, const google::protobuf::FileDescriptor* file,
                 std::map<std::string, file_origin> origins);

    schema_kind kind() const override { return schema_kind::protobuf; }
    // FileDescriptor::DebugString() of the built file (libprotobuf 3.21's formatter: fully
    // qualified type names, options in field-number order, no comments, json_name only where it
    // differs from the default). Stable for a given libprotobuf; re-parsing it gives it back.
    std::string canonical() const override { return canonical_; }
    // canonical() with the import lines sorted (Confluent's normalize() also sorts imports;
    // options are already in a fixed order and type names already fully qualified).
    std::string normalized() const override { return normalized_; }

    const google::protobuf::FileDescriptor& file() const { return *file_; }
    // The origin of a file in this schema's pool; self for the schema's own file.
    file_origin origin(const google::protobuf::FileDescriptor& f) const;

private:
    std::unique_ptr<google::protobuf::DescriptorPool> pool_;
    const google::protobuf::FileDescriptor* file_;
    std::map<std::string, file_origin> origins_;
    std::string canonical_;
    std::string normalized_;
};

struct proto_parse_outcome {
    std::shared_ptr<const proto_schema> schema; // set on success
    std::string error;                          // set on failure (a 42201 message)
};

// Parses `text` — .proto source, or base64 of a serialized FileDescriptorProto as
// confluent-kafka-python registers it — with its references (name = import path, schema =
// .proto text or base64 descriptor). Imports not among the references must be well-known
// google/protobuf/*.proto files. Never throws for bad input.
proto_parse_outcome parse_proto_schema(std::string_view text, const std::vector<resolved_reference>& refs);

// The protobuf view of a parsed schema, or nullptr when it is not a PROTOBUF schema.
const proto_schema* as_proto(const parsed_schema& s);

// The names of the well-known files built into every pool.
const std::vector<std::string>& well_known_files();

} // namespace brook::registry::protobuf
