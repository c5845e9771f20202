// DeleteRecords: moves partitions' log start offsets forward on their owner shards. Kafka's
// rules: -1 means the high watermark; below the current log start changes nothing; negative
// or past the high watermark is OFFSET_OUT_OF_RANGE; internal topics and topics without the
// delete cleanup policy refuse. The new start is in partition.meta before the answer, and
// whole segments below it are deleted.
#include "broker/fanout.h"
#include "broker/handlers/handlers.h"

namespace brook::broker {
namespace {

struct trim {
    std::string topic;
    int32_t index = 0;
    int64_t offset = 0;
    error_code error = error_code::none;
    int64_t low_watermark = -1;
};

// cleanup.policy may list several policies ("compact,delete").
bool allows_delete(const topic_info& t) {
    auto it = t.configs.find("cleanup.policy");
    return it == t.configs.end() || it->second.find("delete") != std::string::npos;
}

} // namespace

asio::awaitable<protocol::DeleteRecordsResponse> handle_delete_records(request_context& ctx,
                                                                       protocol::DeleteRecordsRequest& req) {
    std::vector<trim> trims;
    for (auto& t : req.Topics)
        for (auto& p : t.Partitions) trims.push_back({t.Name, p.PartitionIndex, p.Offset});
    for (auto& q : trims) {
        auto t = ctx.shard.topic(q.topic);
        if (!t || q.index < 0 || q.index >= t->partitions) q.error = error_code::unknown_topic_or_partition;
        else if (is_internal_topic(q.topic)) q.error = error_code::invalid_topic_exception;
        else if (!allows_delete(*t)) q.error = error_code::policy_violation;
        else if (ctx.b.offline().contains(q.topic, q.index)) q.error = error_code::kafka_storage_error;
        else if (q.offset < 0 && q.offset != -1) q.error = error_code::offset_out_of_range;
    }
    co_await on_partition_owners(ctx.b, trims, [](partition& part, trim& q) {
        const offset hwm = part.high_watermark();
        const offset target = q.offset == -1 ? hwm : offset(q.offset);
        if (target > hwm) {
            q.error = error_code::offset_out_of_range;
            return;
        }
        if (target > part.log().log_start()) part.log().delete_before(target);
        q.low_watermark = part.log().log_start().value();
    });

    protocol::DeleteRecordsResponse resp;
    resp.ThrottleTimeMs = 0;
    for (auto& q : trims) {
        if (resp.Topics.empty() || resp.Topics.back().Name != q.topic) resp.Topics.emplace_back().Name = q.topic;
        auto& p = resp.Topics.back().Partitions.emplace_back();
        p.PartitionIndex = q.index;
        p.LowWatermark = q.error == error_code::none ? q.low_watermark : -1;
        p.ErrorCode = to_wire(q.error);
    }
    co_return resp;
}

} // namespace brook::broker
