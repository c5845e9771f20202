// DescribeProducers (KIP-664): the producers a partition remembers — epoch, last sequence and
// timestamp, the coordinator epoch of their last marker and where their open transaction
// starts — read from each partition's producer state on its owner shard. What
// `kafka-transactions.sh describe-producers` shows, and how an operator finds a hanging
// transaction.
#include "broker/fanout.h"
#include "broker/handlers/handlers.h"

namespace brook::broker {
namespace {

struct producer_query {
    std::string topic;
    int32_t index = 0;
    error_code error = error_code::none;
    std::vector<protocol::DescribeProducersResponse::ProducerState> producers;
};

} // namespace

asio::awaitable<protocol::DescribeProducersResponse> handle_describe_producers(request_context& ctx,
                                                                               protocol::DescribeProducersRequest& req) {
    std::vector<producer_query> queries;
    for (auto& t : req.Topics)
        for (int32_t p : t.PartitionIndexes) queries.push_back({t.Name, p, error_code::none, {}});
    check_partitions_served(ctx.b, ctx.shard, queries);
    co_await on_partition_owners(ctx.b, queries, [](partition& part, producer_query& q) {
        for (const auto& [pid, e] : part.log().producers().producers()) {
            auto& out = q.producers.emplace_back();
            out.ProducerId = pid.value();
            out.ProducerEpoch = e.epoch.value();
            out.LastSequence = e.batches.empty() ? -1 : e.batches.back().last_seq.value();
            out.LastTimestamp = e.batches.empty() ? -1 : e.batches.back().max_timestamp.value();
            out.CoordinatorEpoch = e.coordinator_epoch;
            out.CurrentTxnStartOffset = e.txn_first_offset ? e.txn_first_offset->value() : -1;
        }
        std::sort(q.producers.begin(), q.producers.end(), [](const auto& a, const auto& b) { return a.ProducerId < b.ProducerId; });
    });

    protocol::DescribeProducersResponse resp;
    resp.ThrottleTimeMs = 0;
    for (auto& q : queries) {
        if (resp.Topics.empty() || resp.Topics.back().Name != q.topic) resp.Topics.emplace_back().Name = q.topic;
        auto& p = resp.Topics.back().Partitions.emplace_back();
        p.PartitionIndex = q.index;
        p.ErrorCode = to_wire(q.error);
        p.ActiveProducers = std::move(q.producers);
    }
    co_return resp;
}

} // namespace brook::broker
