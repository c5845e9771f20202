#pragma once
// answer_error(response, e): turns a coordinator response into the answer to a request whose
// records could not be appended: e in every error field it has (top level, per group, per
// topic-partition, per member), so no part of it claims a success the log does not hold.
#include <cstdint>

#include "base/error_code.h"

namespace brook::broker {

template <class T>
void answer_error(T& r, error_code e) {
    const int16_t w = to_wire(e);
    if constexpr (requires { r.ErrorCode = w; }) r.ErrorCode = w;
    if constexpr (requires { r.PartitionErrorCode = w; }) r.PartitionErrorCode = w;
    if constexpr (requires { r.Topics.begin(); }) for (auto& x : r.Topics) answer_error(x, e);
    if constexpr (requires { r.Partitions.begin(); }) for (auto& x : r.Partitions) answer_error(x, e);
    if constexpr (requires { r.Results.begin(); }) for (auto& x : r.Results) answer_error(x, e);
    if constexpr (requires { r.ResultsByTopicV3AndBelow.begin(); })
        for (auto& x : r.ResultsByTopicV3AndBelow) answer_error(x, e);
    if constexpr (requires { r.ResultsByPartition.begin(); }) for (auto& x : r.ResultsByPartition) answer_error(x, e);
    if constexpr (requires { r.Members.begin(); r.Members.front().ErrorCode; })
        for (auto& x : r.Members) answer_error(x, e);
}

} // namespace brook::broker
