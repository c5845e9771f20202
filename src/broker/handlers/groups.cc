// Consumer-group APIs. FindCoordinator names this node; every other group API runs on the
// group coordinator's shard (group_service), which appends the resulting records to
// __consumer_offsets and waits for them to be durable before answering.
#include <stdexcept>
#include <type_traits>

#include "base/clock.h"
#include "broker/handlers/failed_append.h"
#include "broker/handlers/handlers.h"
#include "coord/runtime.h"
#include "net/shard_set.h"

namespace brook::broker {
namespace {

group::request_context group_context(const request_context& ctx) {
    auto host = ctx.conn.peer.substr(0, ctx.conn.peer.rfind(':'));
    return {ctx.version(), ctx.header.ClientId.value_or(""), "/" + host, 0};
}

// A call that may append records and may park: `call(coordinator, gctx, now)` returns a
// group::reply<Response>. When its records cannot be appended it is answered the mapped error
// (Kafka's GroupMetadataManager mapping) on a connection that stays open.
template <class Response, class Call>
asio::awaitable<Response> on_coordinator(request_context& ctx, Call call) {
    group_service& gs = ctx.b.groups();
    auto task = [&gs, gctx = group_context(ctx), &call]() mutable -> asio::awaitable<Response> {
        constexpr auto kind = std::is_same_v<Response, protocol::OffsetCommitResponse> ||
                                      std::is_same_v<Response, protocol::TxnOffsetCommitResponse>
                                  ? coord::append_kind::offset_commit
                                  : coord::append_kind::metadata;
        gctx.token = gs.next_token();
        auto r = call(gs.coordinator(), gctx, wall_clock_now());
        // A heartbeat only pushes a session deadline later: no need to re-arm the timer.
        const error_code appended =
            co_await gs.apply(std::move(r.fx), !std::is_same_v<Response, protocol::HeartbeatResponse>);
        if (r.response) {
            gs.forget(gctx.token);
            if (appended != error_code::none) answer_error(*r.response, coord::failed_append_answer(appended, kind));
            co_return std::move(*r.response);
        }
        // Only JoinGroup and SyncGroup park (the coordinator's contract).
        if constexpr (std::is_same_v<Response, protocol::JoinGroupResponse> ||
                      std::is_same_v<Response, protocol::SyncGroupResponse>) {
            // A failed append has failed the slot already: park answers at once.
            auto released = co_await gs.park(gctx.token);
            if (!released) {
                Response failed;
                answer_error(failed, released.error());
                co_return failed;
            }
            co_return std::get<Response>(std::move(*released));
        } else {
            gs.forget(gctx.token);
            throw std::logic_error("group coordinator parked a response that cannot park");
        }
    };
    co_return co_await net::run_on(ctx.b.context(gs.shard()), std::move(task));
}

// A read-only call: `call(coordinator, gctx)` returns the response.
template <class Response, class Call>
asio::awaitable<Response> read_coordinator(request_context& ctx, Call call) {
    group_service& gs = ctx.b.groups();
    auto task = [&gs, gctx = group_context(ctx), &call]() -> asio::awaitable<Response> {
        co_return call(gs.coordinator(), gctx);
    };
    co_return co_await net::run_on(ctx.b.context(gs.shard()), std::move(task));
}

} // namespace

asio::awaitable<protocol::FindCoordinatorResponse> handle_find_coordinator(request_context& ctx,
                                                                           protocol::FindCoordinatorRequest& req) {
    protocol::FindCoordinatorResponse resp;
    const auto& node = ctx.b.advertised();
    const int32_t id = ctx.b.config().node_id;
    // This node coordinates every group (key type 0) and transactional id (1); other key types
    // (KIP-932's share groups) are not served.
    const error_code err = req.KeyType == 0 || req.KeyType == 1 ? error_code::none : error_code::invalid_request;
    if (ctx.version() < 4) {
        resp.ErrorCode = to_wire(err);
        if (err == error_code::none) {
            resp.NodeId = id;
            resp.Host = node.host;
            resp.Port = node.port;
        } else {
            resp.NodeId = -1;
            resp.ErrorMessage = "unknown coordinator key type";
        }
        co_return resp;
    }
    for (const auto& key : req.CoordinatorKeys) { // v4: batched (KIP-699)
        auto& c = resp.Coordinators.emplace_back();
        c.Key = key;
        c.ErrorCode = to_wire(err);
        c.NodeId = err == error_code::none ? id : -1;
        if (err == error_code::none) {
            c.Host = node.host;
            c.Port = node.port;
        }
    }
    co_return resp;
}

asio::awaitable<protocol::JoinGroupResponse> handle_join_group(request_context& ctx, protocol::JoinGroupRequest& req) {
    co_return co_await on_coordinator<protocol::JoinGroupResponse>(
        ctx, [&req](group::group_coordinator& gc, const group::request_context& g, timestamp_ms now) {
            return gc.join_group(g, req, now);
        });
}

asio::awaitable<protocol::SyncGroupResponse> handle_sync_group(request_context& ctx, protocol::SyncGroupRequest& req) {
    co_return co_await on_coordinator<protocol::SyncGroupResponse>(
        ctx, [&req](group::group_coordinator& gc, const group::request_context& g, timestamp_ms now) {
            return gc.sync_group(g, req, now);
        });
}

asio::awaitable<protocol::HeartbeatResponse> handle_heartbeat(request_context& ctx, protocol::HeartbeatRequest& req) {
    co_return co_await on_coordinator<protocol::HeartbeatResponse>(
        ctx, [&req](group::group_coordinator& gc, const group::request_context& g, timestamp_ms now) {
            return gc.heartbeat(g, req, now);
        });
}

asio::awaitable<protocol::LeaveGroupResponse> handle_leave_group(request_context& ctx, protocol::LeaveGroupRequest& req) {
    co_return co_await on_coordinator<protocol::LeaveGroupResponse>(
        ctx, [&req](group::group_coordinator& gc, const group::request_context& g, timestamp_ms now) {
            return gc.leave_group(g, req, now);
        });
}

asio::awaitable<protocol::OffsetCommitResponse> handle_offset_commit(request_context& ctx,
                                                                     protocol::OffsetCommitRequest& req) {
    co_return co_await on_coordinator<protocol::OffsetCommitResponse>(
        ctx, [&req](group::group_coordinator& gc, const group::request_context& g, timestamp_ms now) {
            return gc.offset_commit(g, req, now);
        });
}

// TxnOffsetCommit: the offsets are appended as a transactional batch of the producer and stay
// pending until its transaction's marker. A fenced producer (an older epoch than the partition
// has seen) is answered INVALID_PRODUCER_EPOCH for every partition, nothing appended.
asio::awaitable<protocol::TxnOffsetCommitResponse> handle_txn_offset_commit(request_context& ctx,
                                                                           protocol::TxnOffsetCommitRequest& req) {
    co_return co_await on_coordinator<protocol::TxnOffsetCommitResponse>(
        ctx, [&req, &gs = ctx.b.groups()](group::group_coordinator& gc, const group::request_context& g, timestamp_ms now) {
            auto producer = gs.check_producer_epoch(producer_id(req.ProducerId), producer_epoch(req.ProducerEpoch));
            return gc.txn_offset_commit(g, req, now, producer);
        });
}

asio::awaitable<protocol::DeleteGroupsResponse> handle_delete_groups(request_context& ctx,
                                                                     protocol::DeleteGroupsRequest& req) {
    co_return co_await on_coordinator<protocol::DeleteGroupsResponse>(
        ctx, [&req](group::group_coordinator& gc, const group::request_context& g, timestamp_ms now) {
            return gc.delete_groups(g, req, now);
        });
}

asio::awaitable<protocol::OffsetDeleteResponse> handle_offset_delete(request_context& ctx,
                                                                     protocol::OffsetDeleteRequest& req) {
    co_return co_await on_coordinator<protocol::OffsetDeleteResponse>(
        ctx, [&req](group::group_coordinator& gc, const group::request_context& g, timestamp_ms now) {
            return gc.offset_delete(g, req, now);
        });
}

asio::awaitable<protocol::OffsetFetchResponse> handle_offset_fetch(request_context& ctx, protocol::OffsetFetchRequest& req) {
    co_return co_await read_coordinator<protocol::OffsetFetchResponse>(
        ctx, [&req](group::group_coordinator& gc, const group::request_context& g) { return gc.offset_fetch(g, req); });
}

asio::awaitable<protocol::DescribeGroupsResponse> handle_describe_groups(request_context& ctx,
                                                                         protocol::DescribeGroupsRequest& req) {
    co_return co_await read_coordinator<protocol::DescribeGroupsResponse>(
        ctx, [&req](group::group_coordinator& gc, const group::request_context& g) { return gc.describe_groups(g, req); });
}

asio::awaitable<protocol::ListGroupsResponse> handle_list_groups(request_context& ctx, protocol::ListGroupsRequest& req) {
    co_return co_await read_coordinator<protocol::ListGroupsResponse>(
        ctx, [&req](group::group_coordinator& gc, const group::request_context& g) { return gc.list_groups(g, req); });
}

} // namespace brook::broker
