#include "group/group_records.h"

#include "protocol/versioned.h"

namespace brook::group {

namespace {

using protocol::decode_versioned;
using protocol::encode_versioned;

template <class T>
std::optional<T> decode_at(std::span<const uint8_t> in, int16_t version) {
    protocol::reader r(in);
    (void)r.i16();
    T v;
    if (!r.ok() || !v.decode(r, version) || r.remaining() != 0) return std::nullopt;
    return v;
}

} // namespace

log_record offset_commit_record(const protocol::OffsetCommitKey& key, const protocol::OffsetCommitValue& value) {
    const int16_t vv = value.expireTimestamp >= 0 ? offset_commit_value_version_with_expiry
                                                  : offset_commit_value_version;
    return {encode_versioned(key, offset_commit_key_version), encode_versioned(value, vv)};
}

log_record offset_commit_tombstone(const protocol::OffsetCommitKey& key) {
    return {encode_versioned(key, offset_commit_key_version), std::nullopt};
}

log_record group_metadata_record(const std::string& group, const protocol::GroupMetadataValue& value) {
    protocol::GroupMetadataKey key;
    key.group = group;
    return {encode_versioned(key, group_metadata_key_version),
            encode_versioned(value, group_metadata_value_version)};
}

log_record group_metadata_tombstone(const std::string& group) {
    protocol::GroupMetadataKey key;
    key.group = group;
    return {encode_versioned(key, group_metadata_key_version), std::nullopt};
}

result<consumer_offsets_entry> decode_record(std::span<const uint8_t> key,
                                             std::optional<std::span<const uint8_t>> value) {
    protocol::reader peek(key);
    const int16_t key_version = peek.i16();
    if (!peek.ok()) return error_code::corrupt_message;
    if (key_version == 0 || key_version == 1) {
        auto k = decode_at<protocol::OffsetCommitKey>(key, key_version);
        if (!k) return error_code::corrupt_message;
        offset_commit_entry e{std::move(*k), std::nullopt};
        if (value) {
            auto v = decode_versioned<protocol::OffsetCommitValue>(*value);
            if (!v) return error_code::corrupt_message;
            e.value = std::move(*v);
        }
        return consumer_offsets_entry{std::move(e)};
    }
    if (key_version == 2) {
        auto k = decode_at<protocol::GroupMetadataKey>(key, key_version);
        if (!k) return error_code::corrupt_message;
        group_metadata_entry e{std::move(*k), std::nullopt};
        if (value) {
            auto v = decode_versioned<protocol::GroupMetadataValue>(*value);
            if (!v) return error_code::corrupt_message;
            e.value = std::move(*v);
        }
        return consumer_offsets_entry{std::move(e)};
    }
    if (key_version < 0) return error_code::corrupt_message;
    return consumer_offsets_entry{other_record{key_version}};
}

} // namespace brook::group
