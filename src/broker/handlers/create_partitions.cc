// CreatePartitions: grows topics, one at a time on the controller (broker_add_partitions.cc).
// This single-node cluster has one broker: an assignment may name only it, one replica per
// new partition, one entry per new partition.
#include <set>

#include "base/log.h"
#include "broker/handlers/handlers.h"

namespace brook::broker {
namespace {

struct precheck {
    error_code error = error_code::none;
    std::string message;
};

precheck check_assignments(const protocol::CreatePartitionsRequest::CreatePartitionsTopic& t, int32_t current,
                           int32_t node_id) {
    // A count that does not grow the topic is refused for that (INVALID_PARTITIONS) first.
    const int64_t added = static_cast<int64_t>(t.Count) - current;
    if (!t.Assignments || added <= 0) return {};
    if (static_cast<int64_t>(t.Assignments->size()) != added)
        return {error_code::invalid_replica_assignment,
                fmt::format("Increasing the number of partitions by {} but {} assignments provided.", added,
                            t.Assignments->size())};
    for (size_t i = 0; i < t.Assignments->size(); ++i) {
        const auto& ids = (*t.Assignments)[i].BrokerIds;
        if (ids.empty())
            return {error_code::invalid_replica_assignment,
                    fmt::format("Assignment {} (partition {}) names no broker.", i, current + static_cast<int64_t>(i))};
        for (int32_t id : ids)
            if (id != node_id)
                return {error_code::invalid_replica_assignment,
                        fmt::format("Unknown broker(s) in replica assignment: {}. This cluster has one broker, {}.", id,
                                    node_id)};
        if (ids.size() != 1)
            return {error_code::invalid_replica_assignment,
                    fmt::format("Inconsistent replication factor between partitions, partition 0 has 1 while "
                                "partition {} has {}.",
                                current + static_cast<int64_t>(i), ids.size())};
    }
    return {};
}

} // namespace

asio::awaitable<protocol::CreatePartitionsResponse> handle_create_partitions(request_context& ctx,
                                                                             protocol::CreatePartitionsRequest& req) {
    protocol::CreatePartitionsResponse resp;
    resp.ThrottleTimeMs = 0;
    std::multiset<std::string> names;
    for (const auto& t : req.Topics) names.insert(t.Name);
    for (auto& t : req.Topics) {
        auto& out = resp.Results.emplace_back();
        out.Name = t.Name;
        precheck pre;
        auto known = ctx.shard.topic(t.Name);
        if (names.count(t.Name) > 1) {
            pre = {error_code::invalid_request, "Duplicate topic in request."};
        } else if (!config::is_valid_topic_name(t.Name)) {
            pre = {error_code::invalid_topic_exception, "topic name '" + t.Name + "' is not valid"};
        } else if (known) {
            pre = check_assignments(t, known->partitions, ctx.b.config().node_id);
        }
        if (pre.error == error_code::none) {
            // A named argument: GCC 12 destroys a temporary inside a co_await expression twice.
            broker::add_partitions_spec spec{t.Name, t.Count, req.ValidateOnly};
            auto result = co_await ctx.b.add_partitions(std::move(spec));
            pre = {result.error, result.message};
        }
        out.ErrorCode = to_wire(pre.error);
        if (pre.error != error_code::none) out.ErrorMessage = pre.message;
    }
    co_return resp;
}

} // namespace brook::broker
