// ListOffsets: earliest (-2), latest (-1), max timestamp (-3, v7+: KIP-734, the first record
// carrying the partition's largest timestamp), and by timestamp (first record whose timestamp
// is >= the target, as Kafka's offsetsForTimes defines it).
#include "broker/fanout.h"
#include "broker/handlers/handlers.h"
#include "records/record.h"

namespace brook::broker {
namespace {

constexpr int64_t latest_timestamp = -1;
constexpr int64_t earliest_timestamp = -2;
constexpr int64_t max_timestamp = -3;

struct offset_query {
    std::string topic;
    int32_t index = 0;
    int64_t timestamp = 0;
    error_code error = error_code::none;
    int64_t offset = -1;
    int64_t found_timestamp = -1;
};

// The time index answers at batch granularity; the batch is then opened to find the first
// record at or after the target.
void lookup_timestamp(partition& part, offset_query& q) {
    auto first = part.log().offset_for_timestamp(timestamp_ms(q.timestamp));
    if (!first || *first >= part.high_watermark()) return; // no such record: -1/-1
    auto bytes = part.log().read(*first, 1, part.high_watermark());
    if (!bytes || bytes->data.size() < records::batch_header_size) return;
    auto header = records::read_batch_header(bytes->data);
    if (header.size_bytes() > bytes->data.size()) return;
    auto batch = records::decode_batch(std::span<const uint8_t>(bytes->data).first(header.size_bytes()));
    if (!batch) return;
    for (const auto& r : batch->records) {
        auto off = batch->offset_of(r);
        auto ts = batch->timestamp_of(r);
        if (off >= *first && ts() >= q.timestamp) {
            q.offset = off.value();
            q.found_timestamp = ts.value();
            return;
        }
    }
}

} // namespace

asio::awaitable<protocol::ListOffsetsResponse> handle_list_offsets(request_context& ctx, protocol::ListOffsetsRequest& req) {
    std::vector<offset_query> queries;
    for (auto& t : req.Topics)
        for (auto& p : t.Partitions) queries.push_back({t.Name, p.PartitionIndex, p.Timestamp});

    check_partitions_served(ctx.b, ctx.shard, queries);
    // read_committed's "latest" is the last stable offset (KIP-98).
    const bool read_committed = req.IsolationLevel == 1;
    const bool max_allowed = ctx.version() >= 7;
    co_await on_partition_owners(ctx.b, queries, [read_committed, max_allowed](partition& part, offset_query& q) {
        if (q.timestamp == latest_timestamp) {
            q.offset = (read_committed ? part.last_stable_offset() : part.high_watermark()).value();
        } else if (q.timestamp == earliest_timestamp) {
            q.offset = part.log().log_start().value();
        } else if (q.timestamp == max_timestamp && max_allowed) {
            // The records' largest time, then the first record that carries it (-1/-1 when
            // the partition holds no record).
            const int64_t top = part.log().max_timestamp().value();
            if (top < 0 || part.log().log_start() >= part.high_watermark()) return;
            offset_query probe = q;
            probe.timestamp = top;
            lookup_timestamp(part, probe);
            q.offset = probe.offset;
            q.found_timestamp = probe.found_timestamp;
        } else if (q.timestamp < 0) {
            // -3 before v7, -4 (earliest local, v8) and others are not served.
            q.error = error_code::invalid_request;
        } else {
            lookup_timestamp(part, q);
        }
    });

    protocol::ListOffsetsResponse resp;
    resp.ThrottleTimeMs = 0;
    for (auto& q : queries) {
        if (resp.Topics.empty() || resp.Topics.back().Name != q.topic) resp.Topics.emplace_back().Name = q.topic;
        auto& p = resp.Topics.back().Partitions.emplace_back();
        p.PartitionIndex = q.index;
        p.ErrorCode = to_wire(q.error);
        p.Timestamp = q.found_timestamp;
        p.Offset = q.offset;
        p.LeaderEpoch = 0;
        if (ctx.version() == 0 && q.error == error_code::none && q.offset >= 0) p.OldStyleOffsets = {q.offset};
    }
    co_return resp;
}

} // namespace brook::broker
