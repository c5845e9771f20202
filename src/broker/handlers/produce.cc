// Produce: validate on the connection's shard, append on each partition's owner shard,
// and for acks=all answer only once the appended batch is on stable storage.

#include "base/clock.h"
#include "base/log.h"
#include "broker/fanout.h"
#include "broker/handlers/handlers.h"
#include "records/recompress.h"
#include "records/validate.h"

namespace brook::broker {
namespace {

struct partition_write {
    std::string topic;
    int32_t index = 0;
    std::span<const uint8_t> batch; // into the request, or into `recompressed`
    records::batch_header header;
    std::vector<uint8_t> recompressed; // the batch re-encoded with the topic's compression.type
    std::optional<timestamp_ms> records_max_timestamp;
    // filled in by the owner shard
    error_code error = error_code::none;
    int64_t base_offset = -1;
    int64_t log_append_time = -1;
    int64_t log_start = -1;
    protocol::ProduceResponse::PartitionProduceResponse* out = nullptr;
};

// What one topic asks of a produced batch: Kafka's checks with the topic's limits, and the
// codec its compression.type re-encodes batches to (nullopt: stored as the producer sent them).
struct topic_rules {
    records::validate_limits limits;
    std::optional<records::compression> codec;
};

// The limits are max.message.bytes and, for a CreateTime topic with
// message.timestamp.before/after.max.ms set, the window its records' timestamps must lie in
// (from the broker's clock at the request; bounds saturate rather than overflow).
topic_rules rules_of(const storage::log_config& log, timestamp_ms now) {
    topic_rules rules;
    rules.codec = log.compression;
    records::validate_limits& limits = rules.limits;
    limits.max_batch_bytes = static_cast<size_t>(log.max_message_bytes);
    constexpr int64_t unbounded = std::numeric_limits<int64_t>::max();
    if (!log.log_append_time && (log.timestamp_before_max_ms != unbounded || log.timestamp_after_max_ms != unbounded)) {
        int64_t lower, upper;
        if (__builtin_sub_overflow(now.value(), log.timestamp_before_max_ms, &lower)) lower = std::numeric_limits<int64_t>::min();
        if (__builtin_add_overflow(now.value(), log.timestamp_after_max_ms, &upper)) upper = unbounded;
        limits.create_time_window = records::timestamp_window{lower, upper};
    }
    return rules;
}

// Kafka's answer to records outside the window: the whole batch is refused (INVALID_TIMESTAMP),
// each such record named in RecordErrors (produce v8+) in the words of Kafka's LogValidator.
void refuse_timestamps(const std::vector<records::record_timestamps::stray>& strays, const records::timestamp_window& window,
                       protocol::ProduceResponse::PartitionProduceResponse& rp) {
    rp.ErrorMessage = "One or more records have been rejected due to invalid timestamp";
    for (const auto& s : strays) {
        auto& e = rp.RecordErrors.emplace_back();
        e.BatchIndex = s.index;
        e.BatchIndexErrorMessage = "Timestamp " + std::to_string(s.timestamp) + " of message with offset " +
                                   std::to_string(s.index) + " is out of range. The timestamp should be within [" +
                                   std::to_string(window.lower) + ", " + std::to_string(window.upper) + "]";
    }
}

// Kafka's produce-side batch rules, checked before any shard hop. Records outside the topic's
// timestamp window are left in `out_of_range`.
error_code validate(const std::optional<protocol::records_data>& records, const topic_rules& rules, partition_write& w,
                    std::vector<records::record_timestamps::stray>& out_of_range) {
    if (!records || records->empty()) return error_code::invalid_record;
    // Produce v3+ carries exactly one batch per partition (INVALID_RECORD otherwise).
    auto batch = records::validate_for_produce(records->bytes(), rules.limits);
    if (!batch) return batch.error();
    auto& b = *batch;
    if (b.header.is_control()) return error_code::invalid_record; // only the broker writes control batches
    if (!b.timestamps_out_of_range.empty()) {
        out_of_range = std::move(b.timestamps_out_of_range);
        return error_code::invalid_timestamp;
    }
    w.batch = b.bytes;
    w.header = b.header;
    if (rules.codec && *rules.codec != b.header.codec()) {
        auto re = records::recompress_batch(b.bytes, *rules.codec);
        if (!re) return re.error();
        // Kafka holds the re-encoded batch to max.message.bytes too (it may have grown).
        if (re->size() > rules.limits.max_batch_bytes) return error_code::message_too_large;
        w.recompressed = std::move(*re);
        w.batch = w.recompressed;
        w.header = records::read_batch_header(w.batch);
    }
    // CreateTime batches carry the records' largest timestamp, whatever the client wrote in
    // the header (Kafka's LogValidator rewrites it too): time lookups and retention read it.
    if (b.header.ts_type() == records::timestamp_type::create_time) w.records_max_timestamp = b.records_max_timestamp;
    return error_code::none;
}

// The produce kill switches answer POLICY_VIOLATION: librdkafka fails such a message at once as
// permanent (no retries until message.timeout.ms), an idempotent producer stays usable, and the
// next message after the switch is lifted goes through at once. TOPIC_AUTHORIZATION_FAILED is
// permanent too, but librdkafka then marks the topic unusable locally (produce() itself throws
// until a metadata refresh) and it points operators at ACLs. The Java client and kafka-python
// treat PolicyViolation as non-retriable. Produce v8+ carries a message naming the switch
// (tests/integration/test_kill_switch.py; docs/configs.md).
constexpr error_code kill_switch_error = error_code::policy_violation;

} // namespace

asio::awaitable<std::optional<protocol::ProduceResponse>> handle_produce(request_context& ctx, protocol::ProduceRequest& req) {
    protocol::ProduceResponse resp;
    resp.ThrottleTimeMs = 0;
    const int16_t acks = req.Acks;
    const bool valid_acks = acks == 0 || acks == 1 || acks == -1;

    std::vector<partition_write> writes;
    size_t total = 0;
    for (auto& t : req.TopicData) total += t.PartitionData.size();
    writes.reserve(total); // `out` pointers and spans must stay put
    // Validates one partition's records and queues them for the append, or answers the error.
    auto admit = [&](const std::string& topic, protocol::ProduceRequest::PartitionProduceData& p,
                     const topic_rules& rules, protocol::ProduceResponse::PartitionProduceResponse& rp) {
        partition_write w;
        w.topic = topic;
        w.index = p.Index;
        std::vector<records::record_timestamps::stray> strays;
        if (auto e = validate(p.Records, rules, w, strays); e != error_code::none) {
            // A malformed batch is a client bug worth one line; routine errors stay quiet.
            spdlog::log(e == error_code::corrupt_message || e == error_code::invalid_record ||
                                e == error_code::unsupported_for_message_format || e == error_code::message_too_large
                            ? spdlog::level::warn
                            : spdlog::level::debug,
                        "produce to {}/{} from {} (client '{}') rejected: {}", w.topic, w.index, ctx.conn.peer,
                        ctx.header.ClientId.value_or(""), error_name(e));
            rp.ErrorCode = to_wire(e);
            if (e == error_code::invalid_timestamp) refuse_timestamps(strays, *rules.limits.create_time_window, rp);
            return;
        }
        w.out = &rp;
        writes.push_back(std::move(w));
    };
    // With a fault armed (admin API), the partitions that pass the topic checks wait until the
    // injector has seen the whole request (a fault counts requests, not partitions); otherwise
    // they are admitted at once and the data path pays one relaxed load.
    const bool faults_armed = ctx.faults_armed;
    struct candidate {
        const std::string* topic;
        protocol::ProduceRequest::PartitionProduceData* data;
        topic_rules rules;
        protocol::ProduceResponse::PartitionProduceResponse* out;
    };
    std::vector<candidate> candidates;
    const std::string client_id = ctx.header.ClientId.value_or("");
    const timestamp_ms now = wall_clock_now();
    const bool client_blocked = ctx.shard.dynamic->blocks_client(client_id);

    for (auto& t : req.TopicData) {
        auto& rt = resp.Responses.emplace_back();
        rt.Name = t.Name;
        rt.PartitionResponses.reserve(t.PartitionData.size());
        topic_lookup found;
        if (valid_acks && !client_blocked) found = co_await find_or_create_topic(ctx, t.Name, true);
        const auto rules = found.topic ? rules_of(found.topic->log, now) : topic_rules{};
        for (auto& p : t.PartitionData) {
            auto& rp = rt.PartitionResponses.emplace_back();
            rp.Index = p.Index;
            rp.BaseOffset = -1;
            rp.LogAppendTimeMs = -1;
            rp.LogStartOffset = -1;
            if (!valid_acks) {
                rp.ErrorCode = to_wire(error_code::invalid_required_acks);
                continue;
            }
            if (client_blocked) {
                rp.ErrorCode = to_wire(kill_switch_error);
                rp.ErrorMessage = "produce from client id '" + client_id +
                                  "' is blocked by the kill switch (broker config brook.produce.blocked.client.ids)";
                continue;
            }
            if (!found.topic) {
                rp.ErrorCode = to_wire(found.error);
                continue;
            }
            if (is_internal_topic(t.Name)) { // only their coordinators write them
                rp.ErrorCode = to_wire(error_code::invalid_topic_exception);
                continue;
            }
            if (p.Index < 0 || p.Index >= found.topic->partitions) {
                rp.ErrorCode = to_wire(error_code::unknown_topic_or_partition);
                continue;
            }
            if (ctx.b.offline().contains(t.Name, p.Index)) { // could not be opened
                rp.ErrorCode = to_wire(error_code::kafka_storage_error);
                continue;
            }
            if (!found.topic->produce_enabled) {
                rp.ErrorCode = to_wire(kill_switch_error);
                rp.ErrorMessage = "produce to topic '" + t.Name +
                                  "' is disabled by its kill switch (topic config brook.produce.enabled=false)";
                continue;
            }
            // One broker is the whole in-sync set: acks=all cannot meet a larger minimum (Kafka
            // answers the same on a one-broker cluster).
            if (acks == -1 && found.topic->min_insync_replicas > 1) {
                rp.ErrorCode = to_wire(error_code::not_enough_replicas);
                rp.ErrorMessage = "topic '" + t.Name + "' has min.insync.replicas=" +
                                  std::to_string(found.topic->min_insync_replicas) + " but this cluster has 1 in-sync replica";
                continue;
            }
            if (ctx.b.disk().low()) { // the disk-full policy (free_space.h): nothing is written
                rp.ErrorCode = to_wire(free_space::produce_error(ctx.version()));
                rp.ErrorMessage = ctx.b.disk().message();
                continue;
            }
            if (faults_armed) candidates.push_back({&t.Name, &p, rules, &rp});
            else admit(t.Name, p, rules, rp);
        }
    }

    // Injected faults: the partitions they hit are answered with the injected error and nothing
    // of them is appended, as a broker that refused them would.
    if (!candidates.empty()) {
        std::vector<fault_injector::target> targets;
        targets.reserve(candidates.size());
        for (const auto& c : candidates) targets.push_back({*c.topic, c.data->Index});
        auto injected = ctx.b.faults().inject(protocol::ProduceRequest::api_key, ctx.header.ClientId.value_or(""), targets);
        for (size_t i = 0; i < candidates.size(); ++i) {
            auto& c = candidates[i];
            if (i < injected.size() && injected[i] != error_code::none) c.out->ErrorCode = to_wire(injected[i]);
            else admit(*c.topic, *c.data, c.rules, *c.out);
        }
    }

    // Transactional batches go only to partitions their producer's open transaction holds
    // (checked with the coordinator before anything is written).
    std::vector<txn_write_check> checks;
    for (auto& w : writes)
        if (w.header.is_transactional()) checks.push_back({w.header.pid, w.header.epoch, w.topic, w.index});
    if (!checks.empty()) {
        if (req.TransactionalId && !req.TransactionalId->empty()) {
            co_await verify_transactional_writes(ctx, *req.TransactionalId, checks);
        } else {
            for (auto& c : checks) c.error = error_code::invalid_txn_state; // no transaction to belong to
        }
        size_t i = 0;
        for (auto& w : writes)
            if (w.header.is_transactional()) w.error = checks[i++].error;
    }

    // Group by owner shard, append there (and wait for the group commit for acks=all).
    const unsigned n = ctx.b.shard_count();
    auto split = split_by_owner(writes, n);

    broker& b = ctx.b;
    co_await on_shards(b, split.targets, [&b, &split, acks](unsigned s) -> asio::awaitable<void> {
        auto& st = b.shard(s);
        std::vector<flusher::durable_point> durable;
        for (partition_write* w : split.by_shard[s]) {
            auto part = st.find(w->topic, w->index);
            if (!part) { // deleted between lookup and append
                w->error = error_code::unknown_topic_or_partition;
                continue;
            }
            storage::append_options opts;
            opts.now = wall_clock_now();
            opts.records_max_timestamp = w->records_max_timestamp;
            auto r = part->log().append(w->batch, w->header, opts);
            if (!r) {
                w->error = r.error();
                continue;
            }
            w->base_offset = r->base.value();
            w->log_append_time = r->log_append_time.value();
            w->log_start = r->log_start.value();
            if (!r->duplicate) {
                part->traffic.bytes_in += w->batch.size();
                part->traffic.records_in += static_cast<uint64_t>(r->last.value() - r->base.value() + 1);
            }
            // Consumers see it once it is synced (the high watermark is the durable offset):
            // acks=all waits for that sync, acks=0/1 data gets one within log.flush.interval.ms.
            if (acks == -1) durable.push_back({part, r->last + 1});
            else st.flush->request_sync(part);
        }
        if (!durable.empty()) co_await st.flush->wait_durable(std::move(durable));
    });

    if (acks == 0) co_return std::nullopt;
    for (auto& w : writes) {
        w.out->ErrorCode = to_wire(w.error);
        if (w.error != error_code::none) continue;
        w.out->BaseOffset = w.base_offset;
        w.out->LogAppendTimeMs = w.log_append_time;
        w.out->LogStartOffset = w.log_start;
    }
    co_return resp;
}

} // namespace brook::broker
