// Message index paths (Confluent's Protobuf wire format) and their descriptors.
#include "registry/protobuf/message_index.h"

#include <algorithm>

#include "base/varint.h"

namespace brook::registry::protobuf {
namespace {

std::optional<std::pair<int64_t, size_t>> read_one(std::span<const uint8_t> in, index_encoding enc) {
    if (enc == index_encoding::zigzag) {
        auto v = read_varint(in);
        if (!v) return std::nullopt;
        return std::pair<int64_t, size_t>{v->value, v->length};
    }
    auto u = read_uvarint(in, 5);
    if (!u || u->first > uint64_t(INT32_MAX)) return std::nullopt;
    return std::pair<int64_t, size_t>{static_cast<int64_t>(u->first), u->second};
}

void write_one(std::vector<uint8_t>& out, int v, index_encoding enc) {
    if (enc == index_encoding::zigzag)
        write_varint(out, v);
    else
        write_uvarint(out, static_cast<uint32_t>(v));
}

} // namespace

indexes_outcome read_message_indexes(std::span<const uint8_t> in, index_encoding enc) {
    auto count = read_one(in, enc);
    if (!count) return {std::nullopt, "message indexes: truncated or malformed count varint"};
    if (count->first < 0) return {std::nullopt, "message indexes: negative count " + std::to_string(count->first)};
    size_t pos = count->second;
    if (count->first == 0) return {message_indexes{{0}, pos}, {}};
    // Each index takes at least one byte: a count beyond the bytes left is garbage, not a
    // reason to allocate.
    if (static_cast<uint64_t>(count->first) > in.size() - pos)
        return {std::nullopt, "message indexes: count " + std::to_string(count->first) + " exceeds the " +
                                  std::to_string(in.size() - pos) + " bytes left"};
    message_indexes out;
    for (int64_t i = 0; i < count->first; ++i) {
        auto v = read_one(in.subspan(pos), enc);
        if (!v) return {std::nullopt, "message indexes: truncated or malformed index " + std::to_string(i)};
        if (v->first < 0)
            return {std::nullopt, "message indexes: negative index " + std::to_string(v->first) + " at position " +
                                      std::to_string(i)};
        out.path.push_back(static_cast<int>(v->first));
        pos += v->second;
    }
    out.length = pos;
    return {std::move(out), {}};
}

std::vector<uint8_t> write_message_indexes(std::span<const int> path, index_encoding enc) {
    std::vector<uint8_t> out;
    if (path.empty() || (path.size() == 1 && path[0] == 0)) {
        out.push_back(0);
        return out;
    }
    write_one(out, static_cast<int>(path.size()), enc);
    for (int i : path) write_one(out, i, enc);
    return out;
}

message_outcome message_at(const proto_schema& schema, std::span<const int> path) {
    if (path.empty()) return {nullptr, "empty message index path"};
    const auto& file = schema.file();
    if (path[0] < 0 || path[0] >= file.message_type_count())
        return {nullptr, "message index " + std::to_string(path[0]) + " out of range: the schema has " +
                             std::to_string(file.message_type_count()) + " top-level messages"};
    const google::protobuf::Descriptor* m = file.message_type(path[0]);
    for (size_t i = 1; i < path.size(); ++i) {
        if (path[i] < 0 || path[i] >= m->nested_type_count())
            return {nullptr, "message index " + std::to_string(path[i]) + " at depth " + std::to_string(i) +
                                 " out of range: " + m->full_name() + " has " + std::to_string(m->nested_type_count()) +
                                 " nested messages"};
        m = m->nested_type(path[i]);
    }
    return {m, {}};
}

std::vector<int> index_path(const google::protobuf::Descriptor& message) {
    std::vector<int> path;
    for (const auto* m = &message; m != nullptr; m = m->containing_type()) path.push_back(m->index());
    std::reverse(path.begin(), path.end());
    return path;
}

} // namespace brook::registry::protobuf
