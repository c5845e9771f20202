#pragma once
// Helpers shared by the group_coordinator_*.cc files (not part of the library's interface).
#include <cstdint>
#include <string>

#include "base/error_code.h"
#include "group/group.h"
#include "protocol/internal_messages.h"

namespace brook::group::detail {

inline int16_t err(error_code e) { return static_cast<int16_t>(e); }

inline protocol::OffsetCommitKey commit_key(const std::string& group, const topic_partition& tp) {
    protocol::OffsetCommitKey k;
    k.group = group;
    k.topic = tp.first;
    k.partition = tp.second;
    return k;
}

inline protocol::OffsetCommitValue commit_value(const committed_offset& c) {
    protocol::OffsetCommitValue v;
    v.offset = c.offset;
    v.leaderEpoch = c.leader_epoch;
    v.metadata = c.metadata;
    v.commitTimestamp = c.commit_timestamp_ms;
    v.expireTimestamp = c.expire_timestamp_ms;
    return v;
}

} // namespace brook::group::detail
