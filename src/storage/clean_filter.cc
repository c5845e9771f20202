#include "storage/clean_filter.h"

#include <algorithm>

#include "base/crc32c.h"
#include "base/endian.h"
#include "records/compression.h"
#include "records/control.h"

namespace brook::storage {

txn_tracker::txn_tracker(std::vector<aborted_txn_entry> aborted) {
    std::sort(aborted.begin(), aborted.end(),
              [](const auto& a, const auto& b) { return a.first_offset < b.first_offset; });
    pending_.assign(aborted.begin(), aborted.end());
}

void txn_tracker::consume_up_to(offset o) {
    while (!pending_.empty() && pending_.front().first_offset <= o) {
        auto e = pending_.front();
        pending_.pop_front();
        aborted_.try_emplace(e.pid, ongoing_abort{e, false});
    }
}

bool txn_tracker::on_data_batch(const records::batch_header& h) {
    consume_up_to(h.last_offset());
    if (!h.is_transactional()) return false;
    if (auto it = aborted_.find(h.pid); it != aborted_.end()) {
        it->second.seen_batch = true;
        return true;
    }
    committed_.insert(h.pid);
    return false;
}

bool txn_tracker::on_marker(const records::batch_header& h, std::optional<bool> commit,
                            std::optional<aborted_txn_entry>& keep_entry) {
    consume_up_to(h.last_offset());
    // An emptied control batch (a producer's last batch, kept for its epoch) has nothing left
    // to protect.
    if (!commit) return true;
    if (!*commit) {
        auto it = aborted_.find(h.pid);
        if (it == aborted_.end()) return true;
        bool seen = it->second.seen_batch;
        if (seen) keep_entry = it->second.entry;
        aborted_.erase(it);
        // Kept while batches of the transaction were still there in this pass: removing the
        // marker before its data would let a recovery replay reopen the transaction.
        return !seen;
    }
    return committed_.erase(h.pid) == 0;
}

result<std::vector<uint8_t>> batch_payload(std::span<const uint8_t> batch, const records::batch_header& h) {
    auto body = batch.subspan(records::batch_header_size);
    if (h.codec() == records::compression::none) return std::vector<uint8_t>(body.begin(), body.end());
    return records::decompress(h.codec(), body);
}

result<bool> has_keyless_record(std::span<const uint8_t> batch, const records::batch_header& h) {
    int32_t keyed = 0;
    if (auto e = for_each_key(batch, h, [&](std::span<const uint8_t>, offset) { ++keyed; }); e != error_code::none)
        return e;
    return keyed != h.records_count;
}

namespace {

// Kafka's empty batch: only the header, keeping the producer's offsets, epoch and sequence.
std::vector<uint8_t> empty_batch(const records::batch_header& h) {
    std::vector<uint8_t> out(records::batch_header_size);
    uint8_t* p = out.data();
    const int16_t attrs = static_cast<int16_t>(h.attributes & ~int16_t(0x7) & ~delete_horizon_flag);
    store_be<int64_t>(p + 0, h.base_offset());
    store_be<int32_t>(p + 8, static_cast<int32_t>(out.size() - records::batch_log_overhead));
    store_be<int32_t>(p + 12, h.partition_leader_epoch());
    p[16] = 2;
    store_be<int16_t>(p + 21, attrs);
    store_be<int32_t>(p + 23, h.last_offset_delta);
    store_be<int64_t>(p + 27, h.max_timestamp());
    store_be<int64_t>(p + 35, h.max_timestamp());
    store_be<int64_t>(p + 43, h.pid());
    store_be<int16_t>(p + 51, h.epoch());
    store_be<int32_t>(p + 53, h.base_sequence());
    store_be<int32_t>(p + 57, 0);
    store_be<uint32_t>(p + records::batch_crc_offset,
                       crc32c(std::span<const uint8_t>(out).subspan(records::batch_attributes_offset)));
    return out;
}

} // namespace

result<filtered_batch> filter_batch(std::span<const uint8_t> batch, const records::batch_header& h,
                                    const filter_context& ctx, txn_tracker& txns) {
    filtered_batch out;
    out.records_in = h.records_count;
    const auto horizon = delete_horizon(h);

    std::vector<uint8_t> owned;
    std::span<const uint8_t> in = batch.subspan(records::batch_header_size);
    if (h.codec() != records::compression::none) {
        auto p = batch_payload(batch, h);
        if (!p) return p.error();
        owned = std::move(*p);
        in = owned;
    }
    const size_t payload_size = in.size();
    std::vector<records::record_view> views;
    views.reserve(static_cast<size_t>(std::max(h.records_count, 0)));
    std::vector<std::span<const uint8_t>> raws;
    raws.reserve(views.capacity());
    for (int32_t i = 0; i < h.records_count; ++i) {
        auto r = records::parse_record(in);
        if (!r) return r.error();
        views.push_back(*r);
        raws.push_back(in.first(r->size_bytes));
        in = in.subspan(r->size_bytes);
    }

    bool can_discard = false;
    if (h.is_control()) {
        std::optional<bool> commit;
        if (!views.empty() && views[0].key) {
            static const uint8_t none[1] = {0};
            auto v = views[0].value ? *views[0].value : std::span<const uint8_t>(none, 0);
            if (auto m = records::parse_control_record(*views[0].key, v)) commit = m->commit;
            // Not a transaction marker (a later Kafka control type): nothing to end, keep it.
            else {
                out.what = filtered_batch::outcome::kept;
                out.records_out = h.records_count;
                out.horizon = horizon;
                return out;
            }
        }
        can_discard = txns.on_marker(h, commit, out.txn_entry);
    } else {
        can_discard = txns.on_data_batch(h);
    }
    const bool discard_records =
        h.is_control() ? can_discard && horizon && *horizon <= ctx.now : can_discard;

    bool last_of_producer = false;
    if (h.has_producer_id() && ctx.producers) {
        if (auto it = ctx.producers->find(h.pid); it != ctx.producers->end()) {
            const auto& lb = it->second;
            last_of_producer = lb.last_data_offset ? h.last_offset() == *lb.last_data_offset
                                                   : h.is_control() && h.epoch == lb.epoch;
        }
    }
    if (!last_of_producer && discard_records) {
        out.txn_entry.reset();
        return out; // dropped
    }

    std::vector<size_t> keep;
    bool tombstone_kept = false;
    if (!discard_records) {
        for (size_t i = 0; i < views.size(); ++i) {
            const auto& v = views[i];
            if (h.is_control()) {
                keep.push_back(i);
                continue;
            }
            if (!v.key) continue;
            offset at = h.base_offset + v.offset_delta;
            auto latest = ctx.map ? ctx.map->get(digest_key(*v.key)) : std::nullopt;
            if (latest && at < *latest) continue;
            if (!v.value) {
                if (horizon && *horizon <= ctx.now) continue;
                tombstone_kept = true;
            }
            keep.push_back(i);
        }
    }
    out.records_out = static_cast<int32_t>(keep.size());
    if (keep.empty()) {
        out.txn_entry.reset();
        if (!last_of_producer) return out; // dropped
        out.what = filtered_batch::outcome::rewritten;
        out.bytes = empty_batch(h);
        return out;
    }

    const bool set_horizon = !horizon && (h.is_control() ? can_discard : tombstone_kept);
    out.horizon = horizon;
    out.removal_pending = (horizon || set_horizon) && (h.is_control() ? can_discard : tombstone_kept);
    if (keep.size() == views.size() && !set_horizon) {
        out.what = filtered_batch::outcome::kept;
        return out;
    }

    // Rewrite: same framing, the kept records (offset deltas unchanged, so offsets keep their gaps).
    timestamp_ms base_ts = h.base_timestamp;
    int16_t attrs = h.attributes;
    if (set_horizon) {
        base_ts = ctx.now + ctx.delete_retention_ms;
        attrs = static_cast<int16_t>(attrs | delete_horizon_flag);
        out.horizon = base_ts;
    }
    std::vector<uint8_t> plain;
    plain.reserve(payload_size);
    timestamp_ms max_ts{-1};
    bool first = true;
    for (size_t i : keep) {
        const auto& v = views[i];
        timestamp_ms ts = h.base_timestamp + v.timestamp_delta;
        if (first || ts > max_ts) max_ts = ts;
        first = false;
        if (base_ts == h.base_timestamp) {
            plain.insert(plain.end(), raws[i].begin(), raws[i].end()); // byte-for-byte
        } else {
            records::record r = records::to_record(v);
            r.timestamp_delta = ts - base_ts;
            records::encode_record(plain, r);
        }
    }
    if (h.ts_type() == records::timestamp_type::log_append_time) max_ts = h.max_timestamp;

    std::vector<uint8_t> body;
    if (h.codec() == records::compression::none) {
        body = std::move(plain);
    } else {
        auto c = records::compress(h.codec(), plain);
        if (!c) return c.error();
        body = std::move(*c);
    }
    std::vector<uint8_t> b(records::batch_header_size + body.size());
    uint8_t* p = b.data();
    store_be<int64_t>(p + 0, h.base_offset());
    store_be<int32_t>(p + 8, static_cast<int32_t>(b.size() - records::batch_log_overhead));
    store_be<int32_t>(p + 12, h.partition_leader_epoch());
    p[16] = 2;
    store_be<int16_t>(p + 21, attrs);
    // Kept from the original: the producer's last sequence must stay where it was.
    store_be<int32_t>(p + 23, h.last_offset_delta);
    store_be<int64_t>(p + 27, base_ts());
    store_be<int64_t>(p + 35, max_ts());
    store_be<int64_t>(p + 43, h.pid());
    store_be<int16_t>(p + 51, h.epoch());
    store_be<int32_t>(p + 53, h.base_sequence());
    store_be<int32_t>(p + 57, static_cast<int32_t>(keep.size()));
    std::copy(body.begin(), body.end(), b.begin() + records::batch_header_size);
    store_be<uint32_t>(p + records::batch_crc_offset,
                       crc32c(std::span<const uint8_t>(b).subspan(records::batch_attributes_offset)));
    out.what = filtered_batch::outcome::rewritten;
    out.bytes = std::move(b);
    return out;
}

} // namespace brook::storage
