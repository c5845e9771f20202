// Fetch with long-poll. Reads run on each partition's owner shard; when fewer than
// MinBytes are available the request parks until MaxWaitMs passes or an append to one
// of its partitions' high watermark (a sync by the flusher) wakes it (partition::notify_appended)
// — never by polling. Only synced data is served (the high watermark is the durable offset). Data that is
// not in the page cache is read on the page_warmer's threads first, so a catch-up consumer
// does not block the shard on the disk.
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

#include "broker/fanout.h"
#include "broker/handlers/handlers.h"

namespace brook::broker {
namespace {

struct partition_read {
    std::string topic;
    int32_t index = 0;
    int64_t fetch_offset = 0;
    int32_t max_bytes = 0;
    error_code error = error_code::none;
    int64_t high_watermark = -1;
    int64_t last_stable = -1;
    int64_t log_start = -1;
    file_range data; // left in the segment file; the connection sends it from there
    std::vector<storage::aborted_txn> aborted; // read_committed: aborted transactions in range
};

} // namespace

asio::awaitable<protocol::FetchResponse> handle_fetch(request_context& ctx, protocol::FetchRequest& req) {
    using clock = std::chrono::steady_clock;
    // Bounded by the broker too: a client may not park a request for days, nor make one
    // response arbitrarily large.
    const int32_t wait_ms = std::clamp(req.MaxWaitMs, 0, ctx.b.config().fetch_max_wait_ms_cap);
    const auto deadline = clock::now() + std::chrono::milliseconds(wait_ms);
    const int64_t max_bytes =
        std::min<int64_t>(req.MaxBytes <= 0 ? INT32_MAX : req.MaxBytes, ctx.b.config().fetch_max_bytes);
    const unsigned n = ctx.b.shard_count();

    std::vector<partition_read> reads;
    for (auto& t : req.Topics)
        for (auto& p : t.Partitions)
            reads.push_back({t.Topic, p.Partition, p.FetchOffset, p.PartitionMaxBytes, error_code::none, -1, -1, -1, {}, {}});

    for (auto& r : reads) {
        if (!ctx.shard.has_partition(r.topic, r.index)) r.error = error_code::unknown_topic_or_partition;
        else if (ctx.b.offline().contains(r.topic, r.index)) r.error = error_code::kafka_storage_error;
        else if (r.max_bytes < 0) r.error = error_code::invalid_fetch_size;
    }
    // Injected faults (admin API): the partitions they hit are answered with the injected
    // error and no data, and are not read (an error also ends the long-poll at once).
    if (ctx.faults_armed) {
        std::vector<fault_injector::target> targets;
        std::vector<partition_read*> candidates;
        for (auto& r : reads)
            if (r.error == error_code::none) {
                targets.push_back({r.topic, r.index});
                candidates.push_back(&r);
            }
        if (!targets.empty()) {
            auto injected = ctx.b.faults().inject(protocol::FetchRequest::api_key, ctx.header.ClientId.value_or(""), targets);
            for (size_t i = 0; i < injected.size(); ++i)
                if (injected[i] != error_code::none) candidates[i]->error = injected[i];
        }
    }
    auto split = split_by_owner(reads, n);

    // read_committed (KIP-98) reads up to the last stable offset and is told which aborted
    // transactions the returned range holds, so the client can drop their records.
    const bool read_committed = req.IsolationLevel == 1;
    auto wake = std::make_shared<fetch_wakeup>(co_await asio::this_coro::executor);
    broker& b = ctx.b;
    for (;;) {
        const bool may_wait = clock::now() < deadline;
        co_await on_shards(b, split.targets, [&b, &split, &wake, may_wait, max_bytes, read_committed](unsigned s) -> asio::awaitable<void> {
            // Each shard reads within the response budget on its own (a read walks batch headers
            // up to its limit); the exact cut is made after the join. Reads return file ranges,
            // not bytes: nothing is copied into the response; the connection sends from the file.
            int64_t budget = max_bytes;
            // Batches not in the page cache are read on a helper thread first: a catch-up
            // consumer must not stall every other connection on this shard on the disk.
            // At most about a response's worth, as the reads below.
            std::vector<file_range> cold;
            int64_t cold_bytes = 0;
            for (partition_read* r : split.by_shard[s]) {
                if (cold_bytes >= max_bytes) break;
                auto part = b.shard(s).find(r->topic, r->index);
                auto limit = static_cast<size_t>(std::min<int64_t>(r->max_bytes, max_bytes - cold_bytes));
                if (!part || limit == 0) continue;
                if (auto c = part->log().uncached_range(offset(r->fetch_offset), limit)) {
                    cold_bytes += static_cast<int64_t>(c->length);
                    cold.push_back(std::move(*c));
                }
            }
            if (!cold.empty()) co_await b.warmer().warm(std::move(cold));
            for (partition_read* r : split.by_shard[s]) {
                r->data = {};
                r->aborted.clear();
                auto part = b.shard(s).find(r->topic, r->index);
                if (!part) {
                    r->error = error_code::unknown_topic_or_partition;
                    continue;
                }
                // Register before reading: an append after the read must wake us.
                if (may_wait) part->add_waiter(wake);
                r->high_watermark = part->high_watermark().value();
                r->last_stable = part->last_stable_offset().value();
                r->log_start = part->log().log_start().value();
                if (budget <= 0) { // a read would still return one whole batch (KIP-74)
                    r->error = error_code::none;
                    continue;
                }
                auto limit = static_cast<size_t>(std::min<int64_t>(r->max_bytes, budget));
                const offset visible_end = read_committed ? part->last_stable_offset() : part->high_watermark();
                auto got = part->log().read_range(offset(r->fetch_offset), limit, visible_end);
                if (!got) {
                    r->error = got.error();
                    continue;
                }
                r->error = error_code::none;
                r->data = std::move(got->range);
                // The aborted transactions the returned batches may hold (Kafka bounds the list
                // by the fetched range the same way).
                if (read_committed && !r->data.empty())
                    r->aborted = part->log().aborted_transactions(offset(r->fetch_offset), got->next);
                budget -= static_cast<int64_t>(r->data.length);
            }
            co_return;
        });

        // Respect the response-wide MaxBytes in request order; the first non-empty partition
        // is always returned whole so a consumer can make progress past a large batch (KIP-74).
        int64_t total = 0;
        bool any_error = false;
        for (auto& r : reads) {
            if (r.error != error_code::none) any_error = true;
            if (r.data.empty()) continue;
            if (total > 0 && total + static_cast<int64_t>(r.data.length) > max_bytes) {
                r.data = {};
                r.aborted.clear();
                continue;
            }
            total += static_cast<int64_t>(r.data.length);
        }
        if (any_error || total >= req.MinBytes || clock::now() >= deadline) break;
        if (!wake->woken) {
            wake->timer.expires_at(deadline);
            boost::system::error_code ec;
            co_await wake->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        wake->woken = false;
    }

    protocol::FetchResponse resp;
    resp.ThrottleTimeMs = 0;
    resp.ErrorCode = 0;
    resp.SessionId = 0; // no incremental fetch sessions: clients fall back to full fetches
    for (auto& r : reads) {
        if (resp.Responses.empty() || resp.Responses.back().Topic != r.topic) resp.Responses.emplace_back().Topic = r.topic;
        auto& p = resp.Responses.back().Partitions.emplace_back();
        p.PartitionIndex = r.index;
        p.ErrorCode = to_wire(r.error);
        p.HighWatermark = r.high_watermark;
        p.LastStableOffset = r.last_stable;
        p.LogStartOffset = r.log_start;
        auto& aborted = p.AbortedTransactions.emplace(); // read_committed clients expect a list, not null
        for (const auto& a : r.aborted) {
            auto& e = aborted.emplace_back();
            e.ProducerId = a.pid.value();
            e.FirstOffset = a.first_offset.value();
        }
        p.PreferredReadReplica = -1;
        if (!r.data.empty()) ctx.shard.metrics.topic_bytes_out[r.topic] += r.data.length;
        p.Records = protocol::records_data::from_files({std::move(r.data)});
    }
    co_return resp;
}

} // namespace brook::broker
