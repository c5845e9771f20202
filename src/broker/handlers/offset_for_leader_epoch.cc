// OffsetForLeaderEpoch: the end offset of a leader epoch, as a single-replica Kafka answers it
// from its leader-epoch cache. Brook keeps one epoch per partition (partition_log's current
// leader epoch, stamped into every batch it appends), so the history is that epoch starting at
// the log start:
//   requested == current    -> (current, log end)    — consumers' truncation check passes
//   requested <  current    -> (requested, log start) (Kafka: an epoch older than the cache)
//   requested >  current, or -1 (undefined) -> (-1, -1)
// CurrentLeaderEpoch (v2+) fences as Kafka does: above ours UNKNOWN_LEADER_EPOCH, below it
// FENCED_LEADER_EPOCH.
#include "broker/fanout.h"
#include "broker/handlers/handlers.h"

namespace brook::broker {
namespace {

struct epoch_query {
    std::string topic;
    int32_t index = 0;
    int32_t current_epoch = -1;
    int32_t epoch = -1;
    error_code error = error_code::none;
    int32_t end_epoch = -1;
    int64_t end_offset = -1;
};

} // namespace

asio::awaitable<protocol::OffsetForLeaderEpochResponse> handle_offset_for_leader_epoch(
    request_context& ctx, protocol::OffsetForLeaderEpochRequest& req) {
    std::vector<epoch_query> queries;
    for (auto& t : req.Topics)
        for (auto& p : t.Partitions) queries.push_back({t.Topic, p.Partition, p.CurrentLeaderEpoch, p.LeaderEpoch});
    check_partitions_served(ctx.b, ctx.shard, queries);
    co_await on_partition_owners(ctx.b, queries, [](partition& part, epoch_query& q) {
        const int32_t ours = part.log().current_leader_epoch()();
        if (q.current_epoch != -1 && q.current_epoch > ours) {
            q.error = error_code::unknown_leader_epoch;
        } else if (q.current_epoch != -1 && q.current_epoch < ours) {
            q.error = error_code::fenced_leader_epoch;
        } else if (q.epoch == ours) {
            q.end_epoch = ours;
            q.end_offset = part.log().log_end().value();
        } else if (q.epoch >= 0 && q.epoch < ours) {
            q.end_epoch = q.epoch;
            q.end_offset = part.log().log_start().value();
        }
    });

    protocol::OffsetForLeaderEpochResponse resp;
    resp.ThrottleTimeMs = 0;
    for (auto& q : queries) {
        if (resp.Topics.empty() || resp.Topics.back().Topic != q.topic) resp.Topics.emplace_back().Topic = q.topic;
        auto& p = resp.Topics.back().Partitions.emplace_back();
        p.Partition = q.index;
        p.ErrorCode = to_wire(q.error);
        p.LeaderEpoch = q.end_epoch;
        p.EndOffset = q.end_offset;
    }
    co_return resp;
}

} // namespace brook::broker
