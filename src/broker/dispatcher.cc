// The Kafka request entry point: frame -> header -> typed request -> handler -> response.
//
// Decides, once for every API, what Kafka decides in its request channel: an unknown API
// key or a malformed request closes only the offending connection (with one log line); an
// unsupported version of ApiVersions is answered with UNSUPPORTED_VERSION and our version
// table (so clients can downgrade); any other unsupported version closes the connection.
#include <fmt/format.h>

#include <chrono>

#include "base/endian.h"

#include "base/log.h"
#include "broker/broker.h"
#include "broker/handlers/handlers.h"
#include "protocol/wire.h"

namespace brook::broker {
namespace {

using net::frame_result;

frame_result close_with(std::string reason) { return {frame_result::action::close, {}, std::move(reason), {}}; }

template <class Response>
frame_result respond(const protocol::request_header& h, int16_t api_key, const Response& resp) {
    frame_result out;
    protocol::writer w(out.body, &out.splices); // fetched records stay in their files
    protocol::encode_response_header(w, h.CorrelationId, protocol::response_header_version(api_key, h.RequestApiVersion));
    resp.encode(w, h.RequestApiVersion);
    return out;
}

template <class Request>
bool decode_body(protocol::reader& r, const protocol::request_header& h, Request& req) {
    return req.decode(r, h.RequestApiVersion) && r.ok();
}

std::string describe(const protocol::request_header& h, const protocol::api_info* api);

// Error codes a response carries, for brook_kafka_request_errors_total: the top-level one
// where the response has it, and for Produce and Fetch each partition's (cheap: a walk of
// the response just built).
template <class Response>
void note_errors(shard_metrics& m, int16_t api_key, const Response& resp) {
    if constexpr (requires { resp.ErrorCode != 0; })
        if (resp.ErrorCode != 0) m.count_error(api_key, error_name(static_cast<error_code>(resp.ErrorCode)));
}
void note_errors(shard_metrics& m, int16_t api_key, const protocol::ProduceResponse& resp) {
    for (const auto& t : resp.Responses)
        for (const auto& p : t.PartitionResponses)
            if (p.ErrorCode != 0) m.count_error(api_key, error_name(static_cast<error_code>(p.ErrorCode)));
}
void note_errors(shard_metrics& m, int16_t api_key, const protocol::FetchResponse& resp) {
    if (resp.ErrorCode != 0) m.count_error(api_key, error_name(static_cast<error_code>(resp.ErrorCode)));
    for (const auto& t : resp.Responses)
        for (const auto& p : t.Partitions)
            if (p.ErrorCode != 0) m.count_error(api_key, error_name(static_cast<error_code>(p.ErrorCode)));
}

// Decode, run the handler, encode: the common shape of every API but ApiVersions and Produce.
template <class Request, class Response>
asio::awaitable<frame_result> serve(request_context& ctx, protocol::reader& r, const protocol::api_info* api,
                                    asio::awaitable<Response> (*handler)(request_context&, Request&)) {
    Request req;
    if (!decode_body(r, ctx.header, req)) co_return close_with("malformed " + describe(ctx.header, api));
    auto resp = co_await handler(ctx, req);
    note_errors(ctx.shard.metrics, Request::api_key, resp);
    co_return respond(ctx.header, Request::api_key, resp);
}

std::string describe(const protocol::request_header& h, const protocol::api_info* api) {
    return fmt::format("{} v{} (correlation id {}, client '{}')", api ? api->name : "unknown API", h.RequestApiVersion,
                       h.CorrelationId, h.ClientId.value_or(""));
}

asio::awaitable<frame_result> dispatch_request(broker& b, buffer frame, const net::connection_info& conn) {
    protocol::reader r(frame);
    protocol::request_header h;
    const bool header_ok = protocol::decode_request_header(r, h);
    const protocol::api_info* api = protocol::find_api(h.RequestApiKey);
    request_context ctx{b, b.shard(conn.shard), h, conn};

    // KIP-511: an ApiVersions request at a version we do not know is answered in v0 with
    // UNSUPPORTED_VERSION and our ranges, whatever its header carries after the correlation
    // id, so any client can find a version to speak.
    if (h.RequestApiKey == protocol::ApiVersionsRequest::api_key && api && frame.size() >= 8 &&
        h.RequestApiVersion > api->max_version) {
        auto resp = handle_api_versions(ctx, {});
        resp.ErrorCode = to_wire(error_code::unsupported_version);
        frame_result out;
        protocol::writer w(out.body);
        protocol::encode_response_header(w, h.CorrelationId, 0);
        resp.encode(w, 0);
        co_return out;
    }
    if (frame.size() < 8) co_return close_with("request too short for a header");
    if (!api) co_return close_with(fmt::format("unknown API key {} (correlation id {})", h.RequestApiKey, h.CorrelationId));
    // Checked before the rest of the header: an unknown version's header layout is unknown too.
    const int16_t v = h.RequestApiVersion;
    if (v < api->min_version || v > api->max_version)
        co_return close_with(fmt::format("unsupported version: {} (served v{}-v{})", describe(h, api), api->min_version,
                                         api->max_version));
    if (!header_ok) co_return close_with(fmt::format("malformed request header ({} v{})", api->name, v));

    auto malformed = [&] { return close_with("malformed " + describe(h, api)); };
    switch (h.RequestApiKey) {
    case protocol::ApiVersionsRequest::api_key: {
        protocol::ApiVersionsRequest req;
        if (!decode_body(r, h, req)) co_return malformed();
        co_return respond(h, h.RequestApiKey, handle_api_versions(ctx, req));
    }
    case protocol::ProduceRequest::api_key: {
        protocol::ProduceRequest req;
        if (!decode_body(r, h, req)) co_return malformed();
        auto resp = co_await handle_produce(ctx, req);
        if (!resp) co_return frame_result{frame_result::action::no_response, {}, {}, {}};
        note_errors(ctx.shard.metrics, h.RequestApiKey, *resp);
        co_return respond(h, h.RequestApiKey, *resp);
    }
    case protocol::MetadataRequest::api_key: co_return co_await serve(ctx, r, api, &handle_metadata);
    case protocol::FetchRequest::api_key: co_return co_await serve(ctx, r, api, &handle_fetch);
    case protocol::ListOffsetsRequest::api_key: co_return co_await serve(ctx, r, api, &handle_list_offsets);
    case protocol::CreateTopicsRequest::api_key: co_return co_await serve(ctx, r, api, &handle_create_topics);
    case protocol::DeleteTopicsRequest::api_key: co_return co_await serve(ctx, r, api, &handle_delete_topics);
    case protocol::CreatePartitionsRequest::api_key: co_return co_await serve(ctx, r, api, &handle_create_partitions);
    case protocol::DeleteRecordsRequest::api_key: co_return co_await serve(ctx, r, api, &handle_delete_records);
    case protocol::OffsetForLeaderEpochRequest::api_key: co_return co_await serve(ctx, r, api, &handle_offset_for_leader_epoch);
    case protocol::DescribeClusterRequest::api_key: co_return co_await serve(ctx, r, api, &handle_describe_cluster);
    case protocol::DescribeLogDirsRequest::api_key: co_return co_await serve(ctx, r, api, &handle_describe_log_dirs);
    case protocol::InitProducerIdRequest::api_key: co_return co_await serve(ctx, r, api, &handle_init_producer_id);
    case protocol::FindCoordinatorRequest::api_key: co_return co_await serve(ctx, r, api, &handle_find_coordinator);
    case protocol::JoinGroupRequest::api_key: co_return co_await serve(ctx, r, api, &handle_join_group);
    case protocol::SyncGroupRequest::api_key: co_return co_await serve(ctx, r, api, &handle_sync_group);
    case protocol::HeartbeatRequest::api_key: co_return co_await serve(ctx, r, api, &handle_heartbeat);
    case protocol::LeaveGroupRequest::api_key: co_return co_await serve(ctx, r, api, &handle_leave_group);
    case protocol::OffsetCommitRequest::api_key: co_return co_await serve(ctx, r, api, &handle_offset_commit);
    case protocol::OffsetFetchRequest::api_key: co_return co_await serve(ctx, r, api, &handle_offset_fetch);
    case protocol::DescribeGroupsRequest::api_key: co_return co_await serve(ctx, r, api, &handle_describe_groups);
    case protocol::ListGroupsRequest::api_key: co_return co_await serve(ctx, r, api, &handle_list_groups);
    case protocol::DeleteGroupsRequest::api_key: co_return co_await serve(ctx, r, api, &handle_delete_groups);
    case protocol::OffsetDeleteRequest::api_key: co_return co_await serve(ctx, r, api, &handle_offset_delete);
    case protocol::AddPartitionsToTxnRequest::api_key: co_return co_await serve(ctx, r, api, &handle_add_partitions_to_txn);
    case protocol::AddOffsetsToTxnRequest::api_key: co_return co_await serve(ctx, r, api, &handle_add_offsets_to_txn);
    case protocol::EndTxnRequest::api_key: co_return co_await serve(ctx, r, api, &handle_end_txn);
    case protocol::TxnOffsetCommitRequest::api_key: co_return co_await serve(ctx, r, api, &handle_txn_offset_commit);
    case protocol::DescribeProducersRequest::api_key: co_return co_await serve(ctx, r, api, &handle_describe_producers);
    case protocol::DescribeTransactionsRequest::api_key: co_return co_await serve(ctx, r, api, &handle_describe_transactions);
    case protocol::ListTransactionsRequest::api_key: co_return co_await serve(ctx, r, api, &handle_list_transactions);
    default:
        co_return close_with(fmt::format("API {} is listed but has no handler", api->name));
    }
}

// Counts every request on its shard: by API and version (served versions only, so a client
// cannot grow the table), its latency, and a closed connection as an error.
asio::awaitable<frame_result> dispatch(broker& b, buffer frame, const net::connection_info& conn) {
    auto& m = b.shard(conn.shard).metrics;
    if (!conn.handler_state) conn.handler_state = std::make_shared<connection_tally>(m, "unknown");
    const auto start = std::chrono::steady_clock::now();
    const int16_t key = frame.size() >= 4 ? load_be<int16_t>(frame.data()) : shard_metrics::unknown_api;
    const int16_t version = frame.size() >= 4 ? load_be<int16_t>(frame.data() + 2) : int16_t{0};
    auto out = co_await dispatch_request(b, std::move(frame), conn);
    const protocol::api_info* api = protocol::find_api(key);
    const int16_t label_key = api ? key : shard_metrics::unknown_api;
    if (api && api->supports(version))
        m.count_request(key, version, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (out.what == frame_result::action::close) m.count_error(label_key, shard_metrics::connection_closed);
    co_return out;
}

} // namespace

net::frame_handler broker::frame_handler() {
    return [this](buffer frame, const net::connection_info& conn) {
        return dispatch(*this, std::move(frame), conn);
    };
}

} // namespace brook::broker
