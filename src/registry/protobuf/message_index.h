#pragma once
// Confluent's Protobuf wire format names the message a record holds by its index path in the
// schema's file: after the magic byte 0 and the 4-byte schema id come a count N and N indexes,
// each a varint — top-level message index, then nested-message indexes down to the message.
// N = 0 is the shorthand for [0] (the first top-level message, the common case: one byte 0).
// The stream engine and CDC read records with these; the registry does not need them.
//
// Java's and current clients' varints are zig-zag (Kafka's ByteUtils.writeVarint).
// confluent-kafka-python 1.7.0 (Debian's) writes plain unsigned varints instead; for [0] both
// are the byte 0, for anything else a reader must know which client wrote the record.
//
// All functions are pure; bad input returns an error string, never throws.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "registry/protobuf/proto_schema.h"

namespace brook::registry::protobuf {

enum class index_encoding { zigzag, unsigned_varint };

struct message_indexes {
    std::vector<int> path; // never empty: N = 0 decodes to {0}
    size_t length = 0;     // bytes the indexes took; the protobuf payload starts after them
};

struct indexes_outcome {
    std::optional<message_indexes> value;
    std::string error;
};

// Reads the indexes at the start of `in` (the bytes after magic and schema id).
indexes_outcome read_message_indexes(std::span<const uint8_t> in, index_encoding enc = index_encoding::zigzag);

// The bytes for `path` ({0} is written as the single byte 0, as every client does).
std::vector<uint8_t> write_message_indexes(std::span<const int> path, index_encoding enc = index_encoding::zigzag);

struct message_outcome {
    const google::protobuf::Descriptor* message = nullptr; // lives as long as the schema
    std::string error;
};

// The message `path` names in the schema's own file (not in its imports).
message_outcome message_at(const proto_schema& schema, std::span<const int> path);

// The index path of a message of its file: the inverse of message_at.
std::vector<int> index_path(const google::protobuf::Descriptor& message);

} // namespace brook::registry::protobuf
