// Transaction APIs (KIP-98), served by the transaction coordinator on the shard that owns
// __transaction_state (txn_service): InitProducerId with a transactional id, AddPartitionsToTxn,
// AddOffsetsToTxn, EndTxn, and the operator views DescribeTransactions and ListTransactions.
// Each call's records are durable before its answer; markers are written after, in the
// background (the producer gets CONCURRENT_TRANSACTIONS until they are).
#include "base/clock.h"
#include "broker/handlers/failed_append.h"
#include "broker/handlers/handlers.h"
#include "coord/runtime.h"
#include "net/shard_set.h"

namespace brook::broker {
namespace {

// `call(coordinator, txn ctx, now)` returns a txn::reply<Response>; its effects are applied on
// the coordinator's shard before the response goes back. When they cannot be appended the
// response carries the mapped error (Kafka's TransactionStateManager mapping) instead.
template <class Response, class Call>
asio::awaitable<Response> on_txn_coordinator(request_context& ctx, Call call) {
    txn_service& ts = ctx.b.transactions();
    auto task = [&ts, tctx = txn::request_context{ctx.version()}, &call]() -> asio::awaitable<Response> {
        auto r = call(ts.coordinator(), tctx, wall_clock_now());
        if (auto e = co_await ts.apply(std::move(r.fx)); e != error_code::none)
            answer_error(r.response, coord::failed_append_answer(e, coord::append_kind::metadata));
        co_return std::move(r.response);
    };
    co_return co_await net::run_on(ctx.b.context(ts.shard()), std::move(task));
}

} // namespace

asio::awaitable<protocol::InitProducerIdResponse> handle_init_producer_id(request_context& ctx,
                                                                          protocol::InitProducerIdRequest& req) {
    // Every call gets a fresh id from the allocator (shard 0); the coordinator keeps the
    // transactional id's current one unless it needs a new one. Ids are 63 bits: the ones
    // dropped cost nothing.
    auto fresh = co_await ctx.b.allocate_producer_id();
    if (!fresh) {
        protocol::InitProducerIdResponse resp;
        resp.ThrottleTimeMs = 0;
        resp.ErrorCode = to_wire(fresh.error());
        resp.ProducerId = -1;
        resp.ProducerEpoch = -1;
        co_return resp;
    }
    // No transactional id: an idempotent producer, a fresh id at epoch 0 (as Kafka answers,
    // KIP-360's re-initialisation included); nothing to record.
    if (!req.TransactionalId) {
        protocol::InitProducerIdResponse resp;
        resp.ThrottleTimeMs = 0;
        resp.ErrorCode = 0;
        resp.ProducerId = fresh->value();
        resp.ProducerEpoch = 0;
        co_return resp;
    }
    co_return co_await on_txn_coordinator<protocol::InitProducerIdResponse>(
        ctx, [&req, id = *fresh](txn::txn_coordinator& c, const txn::request_context& t, timestamp_ms now) {
            return c.init_producer_id(t, req, now, id);
        });
}

asio::awaitable<protocol::AddPartitionsToTxnResponse> handle_add_partitions_to_txn(
    request_context& ctx, protocol::AddPartitionsToTxnRequest& req) {
    co_return co_await on_txn_coordinator<protocol::AddPartitionsToTxnResponse>(
        ctx, [&req](txn::txn_coordinator& c, const txn::request_context& t, timestamp_ms now) {
            return c.add_partitions_to_txn(t, req, now);
        });
}

asio::awaitable<protocol::AddOffsetsToTxnResponse> handle_add_offsets_to_txn(request_context& ctx,
                                                                             protocol::AddOffsetsToTxnRequest& req) {
    co_return co_await on_txn_coordinator<protocol::AddOffsetsToTxnResponse>(
        ctx, [&req](txn::txn_coordinator& c, const txn::request_context& t, timestamp_ms now) {
            return c.add_offsets_to_txn(t, req, now);
        });
}

asio::awaitable<protocol::EndTxnResponse> handle_end_txn(request_context& ctx, protocol::EndTxnRequest& req) {
    co_return co_await on_txn_coordinator<protocol::EndTxnResponse>(
        ctx, [&req](txn::txn_coordinator& c, const txn::request_context& t, timestamp_ms now) {
            return c.end_txn(t, req, now);
        });
}

asio::awaitable<protocol::DescribeTransactionsResponse> handle_describe_transactions(
    request_context& ctx, protocol::DescribeTransactionsRequest& req) {
    txn_service& ts = ctx.b.transactions();
    auto task = [&ts, &req, tctx = txn::request_context{ctx.version()}]() -> asio::awaitable<protocol::DescribeTransactionsResponse> {
        co_return ts.coordinator().describe_transactions(tctx, req);
    };
    co_return co_await net::run_on(ctx.b.context(ts.shard()), std::move(task));
}

asio::awaitable<protocol::ListTransactionsResponse> handle_list_transactions(request_context& ctx,
                                                                             protocol::ListTransactionsRequest& req) {
    txn_service& ts = ctx.b.transactions();
    auto task = [&ts, &req, tctx = txn::request_context{ctx.version()}]() -> asio::awaitable<protocol::ListTransactionsResponse> {
        co_return ts.coordinator().list_transactions(tctx, req, wall_clock_now());
    };
    co_return co_await net::run_on(ctx.b.context(ts.shard()), std::move(task));
}

// Produce-side check of transactional batches (KIP-890 part 1's idea, without its protocol):
// a batch goes only to a partition its producer's open transaction holds. One hop to the
// coordinator per produce request that carries transactional batches.
asio::awaitable<void> verify_transactional_writes(request_context& ctx, const std::string& transactional_id,
                                                  std::span<txn_write_check> checks) {
    txn_service& ts = ctx.b.transactions();
    auto task = [&ts, &transactional_id, checks]() -> asio::awaitable<void> {
        const auto& c = ts.coordinator();
        const txn::txn_metadata* m = c.find(transactional_id);
        for (auto& w : checks) {
            if (c.in_transaction(w.pid, w.epoch, w.topic, w.partition)) continue;
            // An older epoch than the transactional id's current one: a zombie, fenced.
            w.error = m && m->pid == w.pid && m->epoch > w.epoch ? error_code::invalid_producer_epoch
                                                                 : error_code::invalid_txn_state;
        }
        co_return;
    };
    co_await net::run_on(ctx.b.context(ts.shard()), std::move(task));
}

} // namespace brook::broker
