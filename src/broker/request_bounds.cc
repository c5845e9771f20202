#include "broker/request_bounds.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <unordered_set>

namespace brook::broker {
namespace {

// Ids must be at most max_keys_per_request and, where `distinct`, each appear once.
template <class Range, class Id>
std::optional<std::string> check_ids(const Range& items, Id id, const char* what, bool distinct) {
    if (items.size() > max_keys_per_request)
        return fmt::format("{} {} in one request, over Brook's bound of {}", items.size(), what, max_keys_per_request);
    if (!distinct) return std::nullopt;
    std::unordered_set<std::string_view> seen;
    seen.reserve(items.size());
    for (const auto& item : items)
        if (!seen.insert(id(item)).second)
            return fmt::format("{} '{}' appears twice in one request (each is answered once)", what, id(item));
    return std::nullopt;
}

} // namespace

std::optional<std::string> bound_violation(const protocol::FindCoordinatorRequest& req) {
    return check_ids(req.CoordinatorKeys, [](const std::string& k) -> std::string_view { return k; },
                     "coordinator keys", false);
}

std::optional<std::string> bound_violation(const protocol::DescribeGroupsRequest& req) {
    return check_ids(req.Groups, [](const std::string& g) -> std::string_view { return g; }, "group ids", true);
}

std::optional<std::string> bound_violation(const protocol::OffsetFetchRequest& req) {
    return check_ids(req.Groups, [](const auto& g) -> std::string_view { return g.GroupId; }, "group ids", true);
}

size_t decode_allowance(int64_t limit, int64_t free_bytes, size_t frame_bytes) {
    if (limit <= 0) return 0;
    const size_t floor = frame_bytes * 8 + (64u << 10);
    return std::min(static_cast<size_t>(limit), std::max(static_cast<size_t>(std::max<int64_t>(free_bytes, 0)), floor));
}

} // namespace brook::broker
