#pragma once
// Bounds on what one request may make the broker build, checked by the dispatcher after
// decoding and before the handler runs. Kafka has none; Brook needs them because a small
// request can ask for a large response (one entry per key, a group's members per group id),
// and the in-flight budget (queued.max.request.bytes) counts requests, not responses.
//
// The bounds are far above what a real client sends (docs/architecture.md, "Resource
// limits"): Kafka's admin client and librdkafka look up each group or key once, so
//   FindCoordinator v4 keys ........ at most 100,000
//   DescribeGroups group ids ....... at most 100,000, each once
//   OffsetFetch v8+ groups ......... at most 100,000, each once
// A request over a bound closes its connection with one log line, like a malformed one.
// Pure functions; any thread.
#include <optional>
#include <string>

#include "protocol/messages.h"

namespace brook::broker {

inline constexpr size_t max_keys_per_request = 100'000;

std::optional<std::string> bound_violation(const protocol::FindCoordinatorRequest& req);
std::optional<std::string> bound_violation(const protocol::DescribeGroupsRequest& req);
std::optional<std::string> bound_violation(const protocol::OffsetFetchRequest& req);
// Every other request: no bound beyond the decoder's.
template <class Request>
std::optional<std::string> bound_violation(const Request&) {
    return std::nullopt;
}

// How much a request of `frame_bytes` may decode to when `free_bytes` of the in-flight
// budget (`limit` in all; 0 = none) are free: the free room, but never less than 8 times the
// frame plus 64 KiB (a real request decodes to a few times its size; a frame of one-byte
// strings to 32 times) and never more than the whole budget. 0 when there is no budget.
size_t decode_allowance(int64_t limit, int64_t free_bytes, size_t frame_bytes);

} // namespace brook::broker
