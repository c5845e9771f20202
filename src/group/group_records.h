#pragma once
// __consumer_offsets records in Kafka's own formats, so tools that read the topic (lag
// exporters, kafka-consumer-groups --describe on a copy) understand ours.
//
// Format: key = int16 key version + key struct; value = int16 value version + value struct
// (schemas: src/protocol/messages/internal/consumer_offsets.def). Key versions 0 and 1 are an
// offset commit (group, topic, partition); key version 2 is group metadata (group). A null
// value is a tombstone. We write key v1 / value v3 for offsets (v1 when an explicit expire
// timestamp is set, as Kafka does) and key v2 / value v3 for group metadata; we read every
// version of the schemas. Keys of version > 2 (KIP-848 consumer-group records) decode as
// `other_record` so a loader can skip them.
// Pure functions; any thread.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "coord/record.h"
#include "protocol/internal_messages.h"

namespace brook::group {

// One record to append to (or read from) a __consumer_offsets partition (the coordinator
// runtime's type, so effects go to coord::runtime::append as they are).
using log_record = coord::log_record;

inline constexpr int16_t offset_commit_key_version = 1;
inline constexpr int16_t group_metadata_key_version = 2;
inline constexpr int16_t offset_commit_value_version = 3;
inline constexpr int16_t offset_commit_value_version_with_expiry = 1;
inline constexpr int16_t group_metadata_value_version = 3;

log_record offset_commit_record(const protocol::OffsetCommitKey& key, const protocol::OffsetCommitValue& value);
log_record offset_commit_tombstone(const protocol::OffsetCommitKey& key);
log_record group_metadata_record(const std::string& group, const protocol::GroupMetadataValue& value);
log_record group_metadata_tombstone(const std::string& group);

struct offset_commit_entry {
    protocol::OffsetCommitKey key;
    std::optional<protocol::OffsetCommitValue> value; // nullopt = tombstone
};
struct group_metadata_entry {
    protocol::GroupMetadataKey key;
    std::optional<protocol::GroupMetadataValue> value; // nullopt = tombstone
};
struct other_record {
    int16_t key_version;
};
using consumer_offsets_entry = std::variant<offset_commit_entry, group_metadata_entry, other_record>;

// CORRUPT_MESSAGE when the key or value is truncated, has trailing bytes or an unknown value
// version.
result<consumer_offsets_entry> decode_record(std::span<const uint8_t> key,
                                             std::optional<std::span<const uint8_t>> value);

} // namespace brook::group
