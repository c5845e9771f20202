#include "broker/txn_markers.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/logger.h"
#include "broker/fanout.h"

namespace brook::broker {
namespace {

struct marker_write {
    std::string topic;
    int32_t index = 0;
    error_code error = error_code::none;
};

} // namespace

asio::awaitable<error_code> write_txn_markers(broker& b, const txn_marker_batch& batch) {
    std::vector<marker_write> writes;
    bool offsets = false;
    for (const auto& t : batch.partitions) {
        if (t.topic == consumer_offsets_topic) offsets = true;
        else writes.push_back({t.topic, t.partition});
    }
    auto split = split_by_owner(writes, b.shard_count());
    co_await on_shards(b, split.targets, [&b, &split, &batch](unsigned s) -> asio::awaitable<void> {
        auto& st = b.shard(s);
        std::vector<flusher::durable_point> durable;
        for (marker_write* w : split.by_shard[s]) {
            auto part = st.find(w->topic, w->index);
            if (!part) continue; // topic deleted since it joined the transaction
            auto r = part->log().append_marker(batch.pid, batch.epoch, batch.commit, batch.coordinator_epoch,
                                               wall_clock_now());
            if (!r) {
                // A fenced marker (an older epoch than the partition has seen) means a newer
                // transaction of this producer already ended this one here: nothing to write.
                if (r.error() != error_code::invalid_producer_epoch) w->error = r.error();
                continue;
            }
            durable.push_back({part, r->last + 1}); // its sync wakes the fetches
        }
        if (!durable.empty()) co_await st.flush->wait_durable(std::move(durable));
    });
    for (const auto& w : writes) {
        if (w.error == error_code::none) continue;
        log::txn.warn({{"producer_id", batch.pid.value()}, {"topic", w.topic}, {"partition", w.index}, {"error", error_name(w.error)}}, "transaction marker for producer {} on {}/{} failed: {}", batch.pid.value(), w.topic, w.index,
                     error_name(w.error));
        co_return w.error;
    }
    if (offsets) co_return co_await b.groups().complete_transaction(batch.pid, batch.epoch, batch.commit,
                                                                    batch.coordinator_epoch);
    co_return error_code::none;
}

} // namespace brook::broker
