// The Kafka request entry point: frame -> header -> typed request -> handler -> response.
//
// Decides, once for every API, what Kafka decides in its request channel: an unknown API
// key or a malformed request closes only the offending connection (with one log line); an
// unsupported version of ApiVersions is answered with UNSUPPORTED_VERSION and our version
// table (so clients can downgrade); any other unsupported version closes the connection.
#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

#include "base/endian.h"

#include "base/log.h"
#include "broker/broker.h"
#include "broker/connection_state.h"
#include "broker/fault_dispatch.h"
#include "broker/handlers/handlers.h"
#include "broker/request_bounds.h"
#include "broker/request_timer.h"
#include "protocol/wire.h"

namespace brook::broker {
namespace {

using net::frame_result;

frame_result close_with(std::string reason) { return {frame_result::action::close, {}, std::move(reason), {}, {}}; }

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

// A request the decoder gave up on: malformed, or one that would decode to more than its
// allowance of the in-flight budget (decode_allowance; the decoder stops before allocating).
frame_result refuse_undecodable(const protocol::reader& r, const protocol::request_header& h,
                                const protocol::api_info* api) {
    if (r.decoded_limit() != 0 && r.decoded() > r.decoded_limit())
        return close_with(fmt::format("{} would decode to more than {} bytes (its share of queued.max.request.bytes)",
                                      describe(h, api), r.decoded_limit()));
    return close_with("malformed " + describe(h, api));
}

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

// An injected fault for one request (admin API; only looked for while one is armed): the
// answer instead of the handler's (an error in the API's shape, or a closed connection), or
// a delay to hold the handler's response for, or nothing.
struct fault_outcome {
    std::optional<frame_result> answer;
    std::chrono::milliseconds delay{0};
};

template <class Response, class Request>
fault_outcome find_fault(request_context& ctx, const Request& req, const protocol::api_info* api) {
    if (!ctx.faults_armed) return {};
    const auto targets = fault_dispatch::targets(req);
    const auto d = ctx.b.faults().decide(Request::api_key, ctx.header.ClientId.value_or(""), targets);
    if (!d) return {};
    switch (d->action) {
    case fault_action::delay: return {std::nullopt, std::chrono::milliseconds(d->delay_ms)};
    case fault_action::close_connection:
        return {close_with(fmt::format("fault injection: fault {} closes the connection on {}", d->fault_id, describe(ctx.header, api))), {}};
    case fault_action::error:
        if (auto resp = fault_dispatch::error_response<Response>(req, ctx.version(), d->error)) {
            note_errors(ctx.shard.metrics, Request::api_key, *resp);
            return {respond(ctx.header, Request::api_key, *resp), {}};
        }
        return {};
    }
    return {};
}

// Holds a response for an injected delay; the connection's writer keeps later responses
// behind it, as Kafka orders them.
asio::awaitable<void> hold(std::chrono::milliseconds delay) {
    if (delay.count() <= 0) co_return;
    asio::steady_timer t(co_await asio::this_coro::executor, delay);
    co_await t.async_wait(asio::use_awaitable);
}

// Client quotas (quota_manager.h): records `amount` for the connection's client and returns the
// throttle time, counted in /metrics when there is one. One relaxed load when no quota is set.
int32_t quota_throttle(request_context& ctx, quota_type t, int64_t amount) {
    auto& q = ctx.b.quotas();
    if (!q.active()) return 0;
    auto* state = static_cast<connection_state*>(ctx.conn.handler_state.get());
    const auto client_id = ctx.header.ClientId.value_or("");
    const int64_t ms = q.record(state->quotas, client_id, t, amount, quota_manager::now_ms());
    if (ms > 0) ctx.shard.metrics.count_throttle(quota_label(t), client_id, ms);
    return static_cast<int32_t>(ms);
}

// Produce under producer_byte_rate. A Kafka broker reads one request per connection at a time
// and mutes a throttled connection, so requests a client pipelined behind a throttled one stay
// unread until the throttle time has passed. Brook reads ahead, so the same is done here: the
// connection's produce requests pass in order (produce_gate), each waits while the client is
// over its quota, then records its size (Kafka: the request's bytes) and gets the throttle
// time its own bytes cause. Returns that time (0 when no quota applies).
asio::awaitable<int32_t> pass_produce_quota(request_context& ctx, int64_t bytes) {
    auto& q = ctx.b.quotas();
    if (!q.active()) co_return 0;
    auto* state = static_cast<connection_state*>(ctx.conn.handler_state.get());
    const std::string client_id = ctx.header.ClientId.value_or("");
    if (!q.binds(state->quotas, client_id, quota_type::produce)) co_return 0;
    auto& gate = state->produce_gate;
    const uint64_t ticket = gate.next_ticket++; // before any suspension: in read order
    auto ex = co_await asio::this_coro::executor;
    if (!gate.wake) {
        gate.wake = std::make_unique<asio::steady_timer>(ex);
        gate.wake->expires_at(asio::steady_timer::time_point::max());
    }
    boost::system::error_code ec;
    while (gate.turn != ticket) co_await gate.wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    asio::steady_timer pause(ex);
    for (int64_t t; (t = q.current_throttle(state->quotas, quota_type::produce, quota_manager::now_ms())) > 0;) {
        pause.expires_after(std::chrono::milliseconds(t));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    const int64_t ms = q.record(state->quotas, client_id, quota_type::produce, bytes, quota_manager::now_ms());
    ++gate.turn;
    gate.wake->cancel();
    if (ms > 0) ctx.shard.metrics.count_throttle(quota_label(quota_type::produce), client_id, ms);
    co_return static_cast<int32_t>(ms);
}

// request_percentage (KIP-124): the share of a shard thread a client's requests may take.
// Measured per request as the steady-clock time of the dispatcher's decode plus the slices its
// handler held the shard thread (request_timer.h, which also covers what runs inline after
// the handler resumes its caller), so
// waits (durable acks, long polls, rebalances, other shards) are not counted. Every API but
// ApiVersions is counted, as Kafka exempts ApiVersions (Brook serves no inter-broker API).
struct request_quota {
    std::shared_ptr<request_clock> clock; // null: no request quota applies to this client
    int64_t sync_ns = 0;                  // the dispatcher's own parts, timed directly
    int64_t sync_start = 0;

    explicit operator bool() const { return clock != nullptr; }
    void start_sync() { sync_start = detail::steady_ns(); }
    void stop_sync() { sync_ns += detail::steady_ns() - sync_start; }
};

// Whether a request quota applies (callers check quotas().active() first) and, if so, waits
// while the client is over it: a Kafka broker does not read a muted connection, Brook reads
// ahead, so requests pipelined behind a throttled one wait here instead (as produce does).
asio::awaitable<request_quota> pass_request_quota(request_context& ctx) {
    request_quota rq;
    auto& q = ctx.b.quotas();
    if (!q.active()) co_return rq;
    auto* state = static_cast<connection_state*>(ctx.conn.handler_state.get());
    if (!q.binds(state->quotas, ctx.header.ClientId.value_or(""), quota_type::request)) co_return rq;
    rq.clock = std::make_shared<request_clock>();
    boost::system::error_code ec;
    std::optional<asio::steady_timer> pause;
    for (int64_t t; (t = q.current_throttle(state->quotas, quota_type::request, quota_manager::now_ms())) > 0;) {
        if (!pause) pause.emplace(co_await asio::this_coro::executor);
        pause->expires_after(std::chrono::milliseconds(t));
        co_await pause->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    rq.start_sync();
    co_return rq;
}

// Runs a handler as its own coroutine on a timed_executor charging the request's clock
// (request_timer.h); the dispatcher's decode time stops where the handler starts. What follows
// the handler runs inside its last timed slice when resumed inline, so it is not timed again
// (and an injected hold() after it is a wait, not work). Only called when a request quota
// applies: other requests await their handler directly, with no extra coroutine.
template <class T>
asio::awaitable<T> run_timed(request_quota& rq, asio::awaitable<T> handler) {
    rq.stop_sync();
    auto ex = co_await asio::this_coro::executor;
    co_return co_await asio::co_spawn(timed_executor(ex, rq.clock), std::move(handler), asio::use_awaitable);
}

// Records the request's time so far and returns its request_percentage throttle time (ms).
int32_t request_throttle(request_context& ctx, request_quota& rq) {
    if (!rq) return 0;
    const int64_t us = (rq.sync_ns + charged_ns(*rq.clock)) / 1000;
    return quota_throttle(ctx, quota_type::request, std::max<int64_t>(us, 1));
}

template <class Response>
void set_throttle(Response& resp, int32_t ms) {
    if constexpr (requires { resp.ThrottleTimeMs; }) resp.ThrottleTimeMs = std::max(resp.ThrottleTimeMs, ms);
}

uint64_t response_bytes(const frame_result& out) {
    uint64_t n = out.body.size();
    for (const auto& sp : out.splices) n += sp.range.length;
    return n;
}

// Fetch with the consumer_byte_rate quota, as Kafka does since KIP-219: the response size is
// recorded; over the quota, the recording is taken back and the client gets an empty response
// (no records) carrying the throttle time, and the connection is muted for that long.
asio::awaitable<frame_result> serve_fetch(request_context& ctx, protocol::reader& r, net::memory_lease& lease,
                                          const protocol::api_info* api) {
    request_quota rq;
    if (ctx.b.quotas().active()) rq = co_await pass_request_quota(ctx); // no coroutine when no quota is set
    protocol::FetchRequest req;
    if (!decode_body(r, ctx.header, req)) co_return refuse_undecodable(r, ctx.header, api);
    lease.grow(static_cast<int64_t>(r.decoded()));
    auto fault = find_fault<protocol::FetchResponse>(ctx, req, api);
    if (fault.answer) co_return std::move(*fault.answer);
    if (ctx.b.quotas().active()) {
        auto* state = static_cast<connection_state*>(ctx.conn.handler_state.get());
        if (auto cap = ctx.b.quotas().window_limit(state->quotas, ctx.header.ClientId.value_or(""), quota_type::fetch)) {
            req.MaxBytes = static_cast<int32_t>(std::min<int64_t>(req.MaxBytes, std::max<int64_t>(*cap, 1)));
            req.MinBytes = std::min(req.MinBytes, req.MaxBytes);
        }
    }
    protocol::FetchResponse resp;
    if (rq) resp = co_await run_timed(rq, handle_fetch(ctx, req));
    else resp = co_await handle_fetch(ctx, req);
    note_errors(ctx.shard.metrics, protocol::FetchRequest::api_key, resp);
    co_await hold(fault.delay);
    auto out = respond(ctx.header, protocol::FetchRequest::api_key, resp);
    if (!ctx.b.quotas().active()) co_return out;
    const auto size = static_cast<int64_t>(response_bytes(out));
    // Kafka's fetch: the larger of the two throttle times; either way the response goes out
    // empty and its bytes are not counted.
    const int32_t throttle = std::max(quota_throttle(ctx, quota_type::fetch, size), request_throttle(ctx, rq));
    if (throttle == 0) co_return out;
    ctx.b.quotas().unrecord(static_cast<connection_state*>(ctx.conn.handler_state.get())->quotas, quota_type::fetch, size,
                            quota_manager::now_ms());
    for (auto& t : resp.Responses)
        for (auto& p : t.Partitions) {
            if (p.Records) ctx.shard.metrics.topic_bytes_out[t.Topic] -= p.Records->size(); // not sent after all
            p.Records = protocol::records_data{};
            if (p.AbortedTransactions) p.AbortedTransactions->clear();
        }
    resp.ThrottleTimeMs = throttle;
    out = respond(ctx.header, protocol::FetchRequest::api_key, resp);
    out.mute_for = std::chrono::milliseconds(throttle);
    co_return out;
}

// Decode, run the handler, encode: the common shape of every API but ApiVersions and Produce.
template <class Request, class Response>
asio::awaitable<frame_result> serve(request_context& ctx, protocol::reader& r, net::memory_lease& lease,
                                    const protocol::api_info* api,
                                    asio::awaitable<Response> (*handler)(request_context&, Request&)) {
    request_quota rq;
    if (ctx.b.quotas().active()) rq = co_await pass_request_quota(ctx); // no coroutine when no quota is set
    Request req;
    if (!decode_body(r, ctx.header, req)) co_return refuse_undecodable(r, ctx.header, api);
    lease.grow(static_cast<int64_t>(r.decoded()));
    if (auto why = bound_violation(req)) co_return close_with(describe(ctx.header, api) + ": " + *why);
    auto fault = find_fault<Response>(ctx, req, api);
    if (fault.answer) co_return std::move(*fault.answer);
    Response resp;
    if (rq) resp = co_await run_timed(rq, handler(ctx, req));
    else resp = co_await handler(ctx, req);
    note_errors(ctx.shard.metrics, Request::api_key, resp);
    co_await hold(fault.delay);
    if (!rq) co_return respond(ctx.header, Request::api_key, resp);
    const int32_t throttle = request_throttle(ctx, rq);
    set_throttle(resp, throttle);
    auto out = respond(ctx.header, Request::api_key, resp);
    out.mute_for = std::chrono::milliseconds(throttle);
    co_return out;
}

std::string describe(const protocol::request_header& h, const protocol::api_info* api) {
    return fmt::format("{} v{} (correlation id {}, client '{}')", api ? api->name : "unknown API", h.RequestApiVersion,
                       h.CorrelationId, h.ClientId.value_or(""));
}

asio::awaitable<frame_result> dispatch_request(broker& b, buffer frame, const net::connection_info& conn,
                                               net::memory_lease& lease) {
    const size_t frame_bytes = frame.size();
    protocol::reader r(frame);
    r.limit_decoded(decode_allowance(lease.limit(), lease.budget_free(), frame.size()));
    protocol::request_header h;
    const bool header_ok = protocol::decode_request_header(r, h);
    const protocol::api_info* api = protocol::find_api(h.RequestApiKey);
    request_context ctx{b, b.shard(conn.shard), h, conn};
    ctx.faults_armed = b.faults().armed(); // the one load the data path pays with no fault armed

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

    auto malformed = [&] { return refuse_undecodable(r, h, api); };
    switch (h.RequestApiKey) {
    case protocol::ApiVersionsRequest::api_key: {
        protocol::ApiVersionsRequest req;
        if (!decode_body(r, h, req)) co_return malformed();
        lease.grow(static_cast<int64_t>(r.decoded()));
        auto fault = find_fault<protocol::ApiVersionsResponse>(ctx, req, api);
        if (fault.answer) co_return std::move(*fault.answer);
        auto resp = handle_api_versions(ctx, req);
        co_await hold(fault.delay);
        co_return respond(h, h.RequestApiKey, resp);
    }
    case protocol::ProduceRequest::api_key: {
        protocol::ProduceRequest req;
        if (!decode_body(r, h, req)) co_return malformed();
        lease.grow(static_cast<int64_t>(r.decoded()));
        auto fault = find_fault<protocol::ProduceResponse>(ctx, req, api);
        if (fault.answer) co_return std::move(*fault.answer);
        // producer_byte_rate counts the request's size (Kafka: the request's bytes on the wire).
        // (Checked here, not only inside: with no quota set a request pays one load, no coroutine.)
        int32_t throttle = 0;
        request_quota rq;
        if (ctx.b.quotas().active()) {
            throttle = co_await pass_produce_quota(ctx, static_cast<int64_t>(frame_bytes) + 4);
            rq = co_await pass_request_quota(ctx);
        }
        std::optional<protocol::ProduceResponse> resp;
        if (rq) resp = co_await run_timed(rq, handle_produce(ctx, req));
        else resp = co_await handle_produce(ctx, req);
        co_await hold(fault.delay);
        throttle = std::max(throttle, request_throttle(ctx, rq)); // Kafka: the larger of the two
        if (!resp) { // acks=0: no response to carry the throttle time, so the mute alone holds it back
            frame_result out{frame_result::action::no_response, {}, {}, {}, std::chrono::milliseconds(throttle)};
            co_return out;
        }
        note_errors(ctx.shard.metrics, h.RequestApiKey, *resp);
        resp->ThrottleTimeMs = throttle;
        auto out = respond(h, h.RequestApiKey, *resp);
        out.mute_for = std::chrono::milliseconds(throttle);
        co_return out;
    }
    case protocol::MetadataRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_metadata);
    case protocol::FetchRequest::api_key: co_return co_await serve_fetch(ctx, r, lease, api);
    case protocol::ListOffsetsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_list_offsets);
    case protocol::CreateTopicsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_create_topics);
    case protocol::DeleteTopicsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_delete_topics);
    case protocol::InitProducerIdRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_init_producer_id);
    case protocol::FindCoordinatorRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_find_coordinator);
    case protocol::JoinGroupRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_join_group);
    case protocol::SyncGroupRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_sync_group);
    case protocol::HeartbeatRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_heartbeat);
    case protocol::LeaveGroupRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_leave_group);
    case protocol::OffsetCommitRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_offset_commit);
    case protocol::OffsetFetchRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_offset_fetch);
    case protocol::DescribeGroupsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_describe_groups);
    case protocol::ListGroupsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_list_groups);
    case protocol::DeleteGroupsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_delete_groups);
    case protocol::OffsetDeleteRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_offset_delete);
    case protocol::AddPartitionsToTxnRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_add_partitions_to_txn);
    case protocol::AddOffsetsToTxnRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_add_offsets_to_txn);
    case protocol::EndTxnRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_end_txn);
    case protocol::TxnOffsetCommitRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_txn_offset_commit);
    case protocol::DescribeProducersRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_describe_producers);
    case protocol::DescribeTransactionsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_describe_transactions);
    case protocol::ListTransactionsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_list_transactions);
    case protocol::DescribeConfigsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_describe_configs);
    case protocol::AlterConfigsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_alter_configs);
    case protocol::IncrementalAlterConfigsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_incremental_alter_configs);
    case protocol::CreatePartitionsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_create_partitions);
    case protocol::DeleteRecordsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_delete_records);
    case protocol::OffsetForLeaderEpochRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_offset_for_leader_epoch);
    case protocol::DescribeClusterRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_describe_cluster);
    case protocol::DescribeLogDirsRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_describe_log_dirs);
    case protocol::DescribeClientQuotasRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_describe_client_quotas);
    case protocol::AlterClientQuotasRequest::api_key: co_return co_await serve(ctx, r, lease, api, &handle_alter_client_quotas);
    default:
        co_return close_with(fmt::format("API {} is listed but has no handler", api->name));
    }
}

// Counts every request on its shard: by API and version (served versions only, so a client
// cannot grow the table), its latency, and a closed connection as an error.
asio::awaitable<frame_result> dispatch(broker& b, buffer frame, const net::connection_info& conn,
                                       net::memory_lease& lease) {
    auto& m = b.shard(conn.shard).metrics;
    if (!conn.handler_state) conn.handler_state = std::make_shared<connection_state>(m);
    const auto start = std::chrono::steady_clock::now();
    const int16_t key = frame.size() >= 4 ? load_be<int16_t>(frame.data()) : shard_metrics::unknown_api;
    const int16_t version = frame.size() >= 4 ? load_be<int16_t>(frame.data() + 2) : int16_t{0};
    auto out = co_await dispatch_request(b, std::move(frame), conn, lease);
    const protocol::api_info* api = protocol::find_api(key);
    const int16_t label_key = api ? key : shard_metrics::unknown_api;
    if (api && api->supports(version))
        m.count_request(key, version, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (out.what == frame_result::action::close) m.count_error(label_key, shard_metrics::connection_closed);
    co_return out;
}

} // namespace

net::frame_handler broker::frame_handler() {
    return [this](buffer frame, const net::connection_info& conn, net::memory_lease& lease) {
        return dispatch(*this, std::move(frame), conn, lease);
    };
}

} // namespace brook::broker
