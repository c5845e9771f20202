#include "broker/admin_state.h"

#include <algorithm>
#include <numeric>

#include "broker/broker.h"
#include "broker/fanout.h"
#include "protocol/wire.h"
#include "records/batch_header.h"
#include "records/record.h"

namespace brook::broker {

std::optional<timestamp_ms> first_record_timestamp(std::span<const uint8_t> batches, offset committed) {
    while (batches.size() >= records::batch_header_size) {
        const auto h = records::read_batch_header(batches);
        if (h.size_bytes() > batches.size()) return std::nullopt;
        const auto bytes = batches.first(h.size_bytes());
        batches = batches.subspan(h.size_bytes());
        if (h.is_control() || h.last_offset() < committed) continue;
        auto decoded = records::decode_batch(bytes);
        if (!decoded) return std::nullopt;
        for (const auto& r : decoded->records)
            if (decoded->offset_of(r) >= committed) return decoded->timestamp_of(r);
    }
    return std::nullopt;
}

double lag_seconds(int64_t lag_records, std::optional<timestamp_ms> oldest, timestamp_ms now) {
    if (lag_records <= 0 || !oldest) return 0;
    return static_cast<double>(std::max<int64_t>(0, now.value() - oldest->value())) / 1000.0;
}

std::map<std::string, std::vector<int32_t>> decode_consumer_assignment(std::span<const uint8_t> bytes) {
    std::map<std::string, std::vector<int32_t>> out;
    if (bytes.empty()) return out;
    protocol::reader r(bytes);
    r.i16(); // version: every version starts with the same topic array
    const int32_t topics = r.length(false, false);
    for (int32_t i = 0; r.ok() && i < topics; ++i) {
        std::string topic;
        if (!r.string(topic, false)) break;
        const int32_t n = r.length(false, false);
        auto& parts = out[topic];
        for (int32_t p = 0; r.ok() && p < n; ++p) parts.push_back(r.i32());
    }
    if (!r.ok()) out.clear();
    return out;
}

asio::awaitable<std::vector<topic_summary>> list_topics(broker& b) {
    // Named tasks, not temporaries inside the co_await: GCC 12 can destroy a temporary of a
    // co_await full-expression twice.
    auto task = [&b]() -> asio::awaitable<std::vector<topic_summary>> {
        std::vector<topic_summary> out;
        for (const auto& [name, t] : *b.shard(0).topics) out.push_back({name, t->partitions, is_internal_topic(name)});
        std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
        co_return out;
    };
    auto out = co_await net::run_on(b.context(0), std::move(task));
    co_return out;
}

asio::awaitable<std::optional<std::vector<partition_state>>> describe_topic(broker& b, std::string topic) {
    auto lookup = [&b, &topic]() -> asio::awaitable<std::shared_ptr<const topic_info>> {
        co_return b.shard(0).topic(topic);
    };
    auto info = co_await net::run_on(b.context(0), std::move(lookup));
    if (!info) co_return std::nullopt;
    std::vector<partition_state> parts(static_cast<size_t>(info->partitions));
    std::vector<std::vector<int32_t>> owned(b.shard_count());
    std::vector<unsigned> targets;
    for (int32_t p = 0; p < info->partitions; ++p) {
        parts[static_cast<size_t>(p)].partition = p;
        owned[owner_shard(topic, p, b.shard_count())].push_back(p);
    }
    for (unsigned s = 0; s < b.shard_count(); ++s)
        if (!owned[s].empty()) targets.push_back(s);
    // Each shard writes only the slots of its own partitions; the join orders the writes.
    co_await on_shards(b, targets, [&](unsigned s) -> asio::awaitable<void> {
        for (int32_t p : owned[s]) {
            auto part = b.shard(s).find(topic, p);
            if (!part) continue; // deleted meanwhile: zeros
            auto& log = part->log();
            parts[static_cast<size_t>(p)] = {p, part->high_watermark().value(), part->last_stable_offset().value(),
                                             log.log_start().value(), log.size_bytes(), log.segment_count()};
        }
        co_return;
    });
    co_return parts;
}

asio::awaitable<std::vector<group_snapshot>> snapshot_groups(broker& b, std::optional<std::string> only,
                                                             timestamp_ms now) {
    auto& gs = b.groups();
    auto task = [&gs, &only, now]() -> asio::awaitable<std::vector<group_snapshot>> {
        auto& c = gs.coordinator();
        std::vector<group_snapshot> out;
        const auto ids = only ? std::vector<std::string>{*only} : c.group_ids();
        for (const auto& id : ids) {
            const auto* g = c.find(id);
            if (!g) continue;
            group_snapshot s;
            s.group_id = id;
            s.state = std::string(group::state_name(g->state));
            s.protocol_type = g->protocol_type;
            s.protocol = g->protocol_name;
            s.generation = g->generation;
            s.leader = g->leader_id;
            for (const auto& [mid, m] : g->members) {
                member_snapshot ms{mid, m.group_instance_id, m.client_id, m.client_host, {}};
                if (g->protocol_type == "consumer") ms.assignment = decode_consumer_assignment(m.assignment);
                s.members.push_back(std::move(ms));
            }
            for (const auto& [tp, off] : g->offsets) s.committed.emplace_back(tp, off.offset);
            s.signals = *c.signals(id, now);
            s.rebalance_window_ms = c.config().rebalance_window_ms;
            out.push_back(std::move(s));
        }
        co_return out;
    };
    auto out = co_await net::run_on(b.context(gs.shard()), std::move(task));
    co_return out;
}

asio::awaitable<std::vector<std::optional<partition_lag>>> compute_lags(
    broker& b, const std::vector<std::pair<group::topic_partition, int64_t>>& committed, timestamp_ms now) {
    std::vector<std::optional<partition_lag>> out(committed.size());
    std::vector<std::vector<size_t>> by_shard(b.shard_count());
    std::vector<unsigned> targets;
    for (size_t i = 0; i < committed.size(); ++i)
        if (committed[i].second >= 0)
            by_shard[owner_shard(committed[i].first.first, committed[i].first.second, b.shard_count())].push_back(i);
    for (unsigned s = 0; s < b.shard_count(); ++s)
        if (!by_shard[s].empty()) targets.push_back(s);
    co_await on_shards(b, targets, [&](unsigned s) -> asio::awaitable<void> {
        for (size_t i : by_shard[s]) {
            const auto& [tp, at] = committed[i];
            auto part = b.shard(s).find(tp.first, tp.second);
            if (!part) continue;
            partition_lag l;
            l.log_end = part->high_watermark().value();
            l.lag = std::max<int64_t>(0, l.log_end - at);
            if (l.lag > 0) {
                auto& log = part->log();
                // Records below the log start were deleted unconsumed: the oldest left is the start.
                const offset from(std::max(at, log.log_start().value()));
                // One byte still returns the whole batch holding `from` (KIP-74); a control batch
                // there is skipped, so ask for a little more.
                auto read = log.read(from, 64 * 1024, part->high_watermark());
                if (read) l.lag_seconds = lag_seconds(l.lag, first_record_timestamp(read->data, from), now);
            }
            out[i] = l;
        }
        co_return;
    });
    co_return out;
}

} // namespace brook::broker
