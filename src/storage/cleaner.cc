#include "storage/cleaner.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <spdlog/spdlog.h>

#include "records/control.h"
#include "storage/clean_swap.h"
#include "storage/scan.h"
#include "storage/segment.h"

namespace brook::storage {
namespace {

constexpr size_t scan_chunk_bytes = size_t(1) << 20; // scan_file's read size

struct pass_state {
    const clean_plan& plan;
    const std::atomic<bool>* stop;
    int64_t io_rate; // bytes per second, 0: unpaced
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    clean_stats stats;
    bool cancelled = false;
    error_code failed = error_code::none;

    bool stopping() {
        if (stop && stop->load(std::memory_order_relaxed)) cancelled = true;
        return cancelled;
    }
    // Sleeps (in short steps, so stop() stays prompt) until the bytes read so far fit the rate.
    void pace() {
        if (io_rate <= 0) return;
        const double due_s = double(stats.bytes_read + stats.map_bytes_read) / double(io_rate);
        const auto due = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       std::chrono::duration<double>(due_s));
        while (std::chrono::steady_clock::now() < due && !stopping())
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                due - std::chrono::steady_clock::now(), std::chrono::milliseconds(20)));
    }
    void note_buffers(size_t batch_bytes, size_t extra) {
        stats.peak_buffer_bytes =
            std::max(stats.peak_buffer_bytes, std::max(scan_chunk_bytes, batch_bytes) + extra);
    }
};

// The aborted transactions a walk starting at `from` needs: those whose marker is at or after it.
std::vector<aborted_txn_entry> aborted_from(const clean_plan& plan, offset from) {
    std::vector<aborted_txn_entry> out;
    for (const auto& e : plan.aborted)
        if (e.last_offset >= from) out.push_back(e);
    return out;
}

// Pass 1: key -> latest offset over [first_dirty, ...); returns where the map stopped.
result<offset> build_map(pass_state& ps, offset_map& map) {
    const auto& plan = ps.plan;
    const offset end = plan.segments.back().next;
    const offset first_dirty = plan.first_dirty;
    map.reset(static_cast<size_t>(std::max<int64_t>(end - first_dirty, 0)));
    if (first_dirty >= end) return end;
    auto first_seg = std::find_if(plan.segments.begin(), plan.segments.end(),
                                  [&](const clean_source& s) { return s.next > first_dirty; });
    txn_tracker txns(aborted_from(plan, first_seg->base));
    offset map_end = end;
    bool full = false;
    for (auto it = first_seg; it != plan.segments.end() && !full; ++it) {
        auto scanned = scan_file(*it->file, 0, it->size, [&](const records::batch_view& v, uint64_t) {
            ps.pace();
            if (ps.stopping()) return false;
            const auto& h = v.header;
            ps.stats.map_bytes_read += v.bytes.size();
            if (h.is_control()) {
                std::optional<aborted_txn_entry> ignored;
                auto d = records::decode_batch(v.bytes);
                std::optional<bool> commit;
                if (d && !d->records.empty() && d->records[0].key) {
                    static const std::vector<uint8_t> none;
                    if (auto m = records::parse_control_record(*d->records[0].key, d->records[0].value.value_or(none)))
                        commit = m->commit;
                }
                (void)txns.on_marker(h, commit, ignored);
                return true;
            }
            if (txns.on_data_batch(h)) return true; // aborted: never the latest value of anything
            if (h.last_offset() < first_dirty) return true;
            // Stop before a batch that may not fit, at a batch boundary, unless nothing is mapped
            // yet (then map what fits and stop inside it).
            if (map.size() > 0 && map.size() + size_t(std::max(h.records_count, 0)) > map.capacity()) {
                map_end = std::max(h.base_offset, first_dirty);
                full = true;
                return false;
            }
            ps.note_buffers(v.bytes.size(), h.codec() == records::compression::none ? 0 : 4 * v.bytes.size());
            auto e = for_each_key(v.bytes, h, [&](std::span<const uint8_t> key, offset o) {
                if (full || o < first_dirty) return;
                if (!map.put(digest_key(key), o)) {
                    map_end = o;
                    full = true;
                }
            });
            if (e != error_code::none) {
                ps.failed = e;
                return false;
            }
            return !full;
        });
        if (!scanned) return scanned.error();
        if (ps.cancelled) return error_code::request_timed_out;
        if (ps.failed != error_code::none) return ps.failed;
        if (!full && scanned->valid_end < it->size) {
            spdlog::error("cleaner: {}: bad batch at position {} of sealed segment {}; not cleaning", plan.name,
                          scanned->valid_end, it->base());
            return error_code::corrupt_message;
        }
    }
    if (full && map_end <= first_dirty) {
        spdlog::error("cleaner: {}: the dedupe buffer holds no record of the batch at {}; raise "
                      "log.cleaner.dedupe.buffer.size", plan.name, first_dirty());
        return error_code::kafka_storage_error;
    }
    return map_end;
}

// Consecutive segments cleaned into one: at most segment.bytes of source, offsets within int32
// of the first base (the index's relative offsets).
std::vector<std::vector<const clean_source*>> group_segments(const std::vector<const clean_source*>& segs,
                                                            const log_config& cfg) {
    std::vector<std::vector<const clean_source*>> groups;
    const uint64_t max_bytes = uint64_t(std::clamp<int64_t>(cfg.segment_bytes, 1, INT32_MAX));
    uint64_t bytes = 0;
    for (const auto* s : segs) {
        bool fits = !groups.empty() && bytes + s->size <= max_bytes &&
                    (s->next - 1) - groups.back().front()->base <= int64_t(INT32_MAX);
        if (!fits) {
            groups.emplace_back();
            bytes = 0;
        }
        groups.back().push_back(s);
        bytes += s->size;
    }
    return groups;
}

} // namespace

result<clean_result> clean_log(const clean_plan& plan, offset_map& map, const std::atomic<bool>* stop,
                               int64_t io_bytes_per_second) {
    const auto started = std::chrono::steady_clock::now();
    pass_state ps{plan, stop, io_bytes_per_second};
    if (plan.segments.empty()) return error_code::invalid_request;
    discard_cleaned(plan.dir); // a pass abandoned before a restart of the cleaner
    const auto staged = cleaned_dir(plan.dir);
    // Not create_directories: a partition deleted meanwhile must stay deleted.
    std::error_code ec;
    if (!std::filesystem::create_directory(staged, ec)) {
        spdlog::warn("cleaner: {}: cannot create {}: {}", plan.name, staged.string(), ec.message());
        return error_code::kafka_storage_error;
    }
    if (auto e = sync_directory(plan.dir); e != error_code::none) return e;

    auto map_end = build_map(ps, map);
    if (!map_end) {
        discard_cleaned(plan.dir);
        return map_end.error();
    }
    ps.stats.map_keys = map.size();
    ps.stats.map_memory_bytes = map.memory_bytes();

    std::vector<const clean_source*> to_clean;
    for (const auto& s : plan.segments)
        if (s.base < *map_end) to_clean.push_back(&s);

    clean_result res;
    res.cleaned_upto = *map_end;
    filter_context ctx{&map, plan.now, plan.cfg.delete_retention_ms, &plan.producers};
    txn_tracker txns(aborted_from(plan, to_clean.front()->base));
    auto fail = [&](error_code e) -> result<clean_result> {
        discard_cleaned(plan.dir);
        return e;
    };
    for (const auto& group : group_segments(to_clean, plan.cfg)) {
        const offset base = group.front()->base;
        auto seg = segment::create(staged, base, plan.cfg, plan.now);
        if (!seg) return fail(seg.error());
        for (const auto* src : group) {
            res.replaced.push_back(src->base);
            auto scanned = scan_file(*src->file, 0, src->size, [&](const records::batch_view& v, uint64_t) {
                ps.pace();
                if (ps.stopping()) return false;
                const auto& h = v.header;
                ps.stats.bytes_read += v.bytes.size();
                auto f = filter_batch(v.bytes, h, ctx, txns);
                if (!f) {
                    ps.failed = f.error();
                    return false;
                }
                ps.stats.records_read += f->records_in;
                ps.stats.records_kept += f->records_out;
                std::span<const uint8_t> out;
                if (f->what == filtered_batch::outcome::kept) out = v.bytes;
                if (f->what == filtered_batch::outcome::rewritten) {
                    out = f->bytes;
                    ++ps.stats.batches_rewritten;
                }
                bool compressed = h.codec() != records::compression::none;
                ps.note_buffers(v.bytes.size(), (compressed ? 4 * v.bytes.size() : 0) + 2 * f->bytes.size());
                if (out.empty()) return true;
                if (f->removal_pending && f->horizon)
                    res.next_horizon = std::min(res.next_horizon.value_or(*f->horizon), *f->horizon);
                auto stored = records::read_batch_header(out);
                if (auto e = (*seg)->append(out, stored, plan.now); e != error_code::none) {
                    ps.failed = e;
                    return false;
                }
                ps.stats.bytes_written += out.size();
                if (f->txn_entry) {
                    if (auto e = (*seg)->txns().append(*f->txn_entry); e != error_code::none) {
                        ps.failed = e;
                        return false;
                    }
                }
                return true;
            });
            if (!scanned) return fail(scanned.error());
            if (ps.cancelled) return fail(error_code::request_timed_out);
            if (ps.failed != error_code::none) return fail(ps.failed);
            if (scanned->valid_end < src->size) {
                spdlog::error("cleaner: {}: bad batch at position {} of sealed segment {}; not cleaning", plan.name,
                              scanned->valid_end, src->base());
                return fail(error_code::corrupt_message);
            }
        }
        (void)(*seg)->seal();
        if (auto e = (*seg)->sync(); e != error_code::none) return fail(e);
        if (auto e = (*seg)->txns().sync(); e != error_code::none) return fail(e);
        // Below the recovery point the next open trusts a segment's indexes without a scan,
        // and a cleaned one is swapped in without passing the flusher: its indexes are synced
        // here like a rolled segment's are there (one that cannot be is removed, so rebuilt).
        (*seg)->sync_indexes();
        res.created.push_back(base);
    }
    if (auto e = sync_directory(staged); e != error_code::none) return fail(e);
    if (auto e = write_manifest(staged, {res.replaced, res.created, res.cleaned_upto}); e != error_code::none)
        return fail(e);
    ps.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    res.stats = ps.stats;
    return res;
}

} // namespace brook::storage
