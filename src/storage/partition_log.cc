// partition_log: the data path (append, read, timestamps), durability and housekeeping.
// Opening and recovery live in partition_log_open.cc.
#include "storage/partition_log.h"
#include "base/logger.h"
#include "storage/log_place.h"

#include <cstdlib>

#include <algorithm>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "records/control.h"
#include "records/patch.h"

namespace brook::storage {
namespace {

// Retention reference for a segment without timestamps (old clients send -1): its mtime.
timestamp_ms file_mtime_ms(const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return timestamp_ms(-1);
    return timestamp_ms(int64_t(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000);
}

} // namespace

partition_log::~partition_log() = default;

result<append_info> partition_log::append(std::span<const uint8_t> batch, const records::batch_header& h,
                                          append_options opts) {
    if (batch.size() < records::batch_header_size || h.size_bytes() != batch.size() || h.last_offset_delta < 0)
        return error_code::corrupt_message;
    if (h.is_control()) return error_code::invalid_record;
    if (batch.size() > size_t(std::max(cfg_.max_message_bytes, 0))) return error_code::message_too_large;
    if (out_of_service_) return error_code::kafka_storage_error;
    if (cfg_.cleanup_compact) {
        // Kafka's rule: the cleaner could only throw a keyless record away.
        auto keyless = has_keyless_record(batch, h);
        if (!keyless) return keyless.error();
        if (*keyless) return error_code::invalid_record;
    }

    auto chk = producers_.check(h);
    if (chk.k == producer_check::kind::error) return chk.error;
    if (chk.k == producer_check::kind::duplicate)
        return append_info{chk.original.first_offset, chk.original.last_offset, timestamp_ms(-1), log_start_, true};

    if (auto e = roll_if_needed(batch.size(), h.last_offset_delta, opts.now); e != error_code::none)
        return check_io(e, "roll");
    auto stored = write_batch(batch, opts.now, opts.records_max_timestamp);
    if (!stored) return check_io(stored.error(), "append");
    producers_.update(*stored, opts.now);
    timestamp_ms log_append_time = cfg_.log_append_time ? opts.now : timestamp_ms(-1);
    return append_info{stored->base_offset, stored->last_offset(), log_append_time, log_start_, false};
}

result<append_info> partition_log::append_marker(producer_id pid, producer_epoch epoch, bool commit,
                                                 int32_t coordinator_epoch, timestamp_ms now) {
    if (out_of_service_) return error_code::kafka_storage_error;
    if (auto e = producers_.check_marker(pid, epoch, coordinator_epoch); e != error_code::none) return e;
    auto batch = records::build_control_batch(pid, epoch, commit, coordinator_epoch, now);
    // Not held to max.message.bytes: a marker is tiny and must always be writable.
    if (auto e = roll_if_needed(batch.size(), 0, now); e != error_code::none) return check_io(e, "roll");
    auto stored = write_batch(batch, now);
    if (!stored) return check_io(stored.error(), "append");
    auto done = producers_.apply_marker(pid, epoch, commit, coordinator_epoch, stored->base_offset, now);
    // The marker is in the log: an index write failure does not fail it (see txn_index::append).
    if (done) (void)index_completed(active_mut(), *done);
    timestamp_ms log_append_time = cfg_.log_append_time ? now : timestamp_ms(-1);
    return append_info{stored->base_offset, stored->last_offset(), log_append_time, log_start_, false};
}

error_code partition_log::index_completed(segment& seg, const completed_txn& done) {
    if (!done.aborted) return error_code::none;
    // The LSO just after the marker (log end = marker + 1), unclamped by the log start so that
    // a reader's early stop (txn_index.h) stays safe after retention.
    offset lso = std::min(producers_.first_open_txn_offset().value_or(done.last_offset + 1), done.last_offset + 1);
    return seg.txns().append({done.pid, done.first_offset, done.last_offset, lso});
}

offset partition_log::last_stable_offset() const {
    auto first = producers_.first_open_txn_offset();
    if (!first) return log_end_;
    // Retention may delete the start of an open transaction; Kafka keeps the LSO at or above
    // the log start then.
    return std::clamp(*first, log_start_, log_end_);
}

std::vector<aborted_txn> partition_log::aborted_transactions(offset from, offset upto) const {
    std::vector<aborted_txn> out;
    // An entry lives in its marker's segment, and a marker at or after `from` is in the segment
    // holding `from` or a later one.
    for (auto it = segment_for(from); it != segments_.end(); ++it) {
        for (const auto& e : it->second->txns().entries()) {
            if (e.last_offset >= from && e.first_offset < upto) out.push_back({e.pid, e.first_offset});
            if (e.last_stable_offset >= upto) return out;
        }
    }
    return out;
}

size_t partition_log::expire_producers(timestamp_ms now, int64_t expiration_ms) {
    return producers_.expire(now, expiration_ms);
}

error_code partition_log::roll_if_needed(size_t size, int32_t last_offset_delta, timestamp_ms now) {
    // Roll before writing, so a batch never straddles the size limit and relative offsets fit
    // the 32-bit index fields.
    const segment& act = active();
    bool too_big = act.size() + size > uint64_t(std::max<int64_t>(cfg_.segment_bytes, 0));
    bool too_old = now - act.roll_base_time() > cfg_.segment_ms;
    bool too_far = (log_end_ + last_offset_delta) - act.base_offset() > int64_t(INT32_MAX);
    if (!act.empty() && (too_big || too_old || too_far)) return roll(now);
    return error_code::none;
}

result<records::batch_header> partition_log::write_batch(std::span<const uint8_t> batch, timestamp_ms now,
                                                        std::optional<timestamp_ms> records_max_timestamp) {
    std::optional<timestamp_ms> append_time;
    if (cfg_.log_append_time) append_time = now;
    auto head = records::patched_header(batch, log_end_, leader_epoch_, append_time, records_max_timestamp);
    records::batch_header stored = records::read_batch_header(head);
    auto body = batch.subspan(head.size());
    if (auto e = active_mut().append(head, body, stored, now); e != error_code::none) return e;
    log_end_ = stored.last_offset() + 1;
    max_ts_ = std::max(max_ts_, stored.max_timestamp);
    return stored;
}

partition_log::segment_map::const_iterator partition_log::segment_for(offset o) const {
    auto it = segments_.upper_bound(o);
    if (it != segments_.begin()) --it;
    return it;
}

result<partition_log::located> partition_log::locate(offset from, size_t max_bytes, offset max_offset) const {
    if (from < log_start_ || from > log_end_) return error_code::offset_out_of_range;
    if (from == log_end_) return located{};
    for (auto it = segment_for(from); it != segments_.end(); ++it) {
        auto run = it->second->read_run(from, max_bytes, max_offset);
        if (!run) return run.error();
        if (!*run) continue; // `from` is past this segment's last batch: the next one has it
        if ((*run)->length == 0) return located{};
        return located{it->second.get(), **run};
    }
    return located{};
}

std::optional<file_range> partition_log::uncached_range(offset from, size_t max_bytes) const {
    if (from < log_start_ || from >= log_end_) return std::nullopt;
    auto it = segment_for(from);
    // The last few MiB of the active segment were just written: a consumer at the tail asks
    // every few milliseconds, and two probes per fetch would cost more than they find.
    constexpr uint64_t hot_tail = 8 << 20;
    auto span = it->second->uncached_span(from, max_bytes, std::next(it) == segments_.end() ? hot_tail : 0);
    if (!span) return std::nullopt;
    auto f = it->second->log_file();
    if (!f) return std::nullopt;
    return file_range{*f, (*f)->fd(), span->first, span->second};
}

result<range_read> partition_log::read_range(offset from, size_t max_bytes, offset max_offset) const {
    if (out_of_service_) return error_code::kafka_storage_error;
    auto where = locate(from, max_bytes, max_offset);
    if (!where) return check_io(where.error(), "read");
    range_read rr{{}, log_start_, log_end_};
    if (where->seg) {
        // The range holds the descriptor: a fetch sends from it even after the cache let go.
        auto f = where->seg->log_file();
        if (!f) return f.error();
        rr.range = file_range{*f, (*f)->fd(), where->run.position, where->run.length};
        if (where->run.length > 0) rr.next = where->run.next;
    }
    return rr;
}

result<read_result> partition_log::read(offset from, size_t max_bytes, offset max_offset) const {
    if (out_of_service_) return error_code::kafka_storage_error;
    auto where = locate(from, max_bytes, max_offset);
    if (!where) return check_io(where.error(), "read");
    read_result rr{{}, log_start_, log_end_};
    if (!where->seg) return rr;
    auto data = where->seg->read(where->run.position, static_cast<size_t>(where->run.length));
    if (!data) return check_io(data.error(), "read");
    // The run lies below the segment's size, so anything shorter means the file shrank under us.
    if (data->size() != where->run.length) return error_code::kafka_storage_error;
    rr.data = std::move(*data);
    return rr;
}

result<offset> partition_log::offset_for_timestamp(timestamp_ms ts) const {
    for (const auto& [base, seg] : segments_) {
        if (seg->max_timestamp() < ts) continue;
        auto found = seg->find_timestamp(ts);
        if (!found) return found.error();
        if (*found) return std::max(**found, log_start_);
    }
    return log_end_;
}

namespace {
// After a failed fdatasync the kernel may have dropped the dirty pages and reports the
// error only once per file, so a later fdatasync can "succeed" without the data. Nothing
// may be marked durable past that point: stop, and let recovery decide what is on disk.
[[noreturn]] void fatal_sync_failure(const std::filesystem::path& what, error_code e) {
    log::storage.critical({{"topic", place_of_file(what).topic}, {"partition", place_of_file(what).partition}, {"file", what.string()}, {"error", error_name(e)}},
                          "storage: fdatasync of {} failed ({}); stopping so recovery can verify the log", what.string(), error_name(e));
    std::abort();
}
} // namespace

void partition_log::sync() {
    if (!flush_pending()) return;
    auto w = begin_flush();
    start_writeback(w);
    if (auto e = run_flush(w); e != error_code::none) fatal_sync_failure(w.failed, e);
    end_flush(w);
}

bool partition_log::flush_pending() const {
    return flushed_ < log_end_ || !sealed_logs_.empty() || !sealed_indexes_.empty() || pending_snapshot_ ||
           pending_dir_sync_;
}

flush_work partition_log::begin_flush() {
    flush_work w;
    w.end = log_end_;
    w.dir = dir_;
    // Oldest first: the sealed segments, then the active one.
    std::vector<offset> retry;
    for (offset base : sealed_logs_) {
        const auto stem = dir_ / offset_file_stem(base);
        std::error_code ec;
        auto log_path = stem;
        log_path += ".log";
        // Gone since the roll (retention, a clean's swap, deletion): nothing of it to sync.
        if (!std::filesystem::exists(log_path, ec)) continue;
        auto f = files_->get(log_path);
        if (!f) {
            // Not durable this round: the work's end stays below it and the next retries.
            spdlog::error("storage: {}: cannot open {} to sync it ({})", dir_.string(), log_path.string(),
                          error_name(f.error()));
            w.end = std::min(w.end, base);
            retry.push_back(base);
            continue;
        }
        w.logs.push_back(std::move(*f));
        // Indexes are written out at the seal and hold no descriptor (index.h); an abandoned
        // one is missing and rebuilt at the next open.
        for (const char* ext : {".index", ".timeindex"}) {
            auto p = stem;
            p += ext;
            if (auto h = file_handle::open(p, false)) w.indexes.push_back(std::move(*h));
        }
    }
    sealed_logs_ = std::move(retry);
    if (flushed_ < log_end_ && !active().empty()) {
        // Unsynced appends keep their descriptor (maybe_roll releases only a synced segment),
        // so this is the held one; a borrowed one (fd_cache) serves an fdatasync as well.
        if (auto f = active().log_file()) {
            w.logs.push_back(std::move(*f));
        } else {
            // Nothing of the active segment can be called durable this round; the next retries.
            spdlog::error("storage: {}: cannot open {} to sync it ({})", dir_.string(),
                          active().log_path().string(), error_name(f.error()));
            w.end = std::min(w.end, std::max(flushed_, active().base_offset()));
        }
    }
    for (auto& f : sealed_indexes_) w.indexes.push_back(std::move(f));
    sealed_indexes_.clear();
    w.snapshot = std::move(pending_snapshot_);
    pending_snapshot_.reset();
    w.sync_dir = std::exchange(pending_dir_sync_, false);
    w.checkpoint = checkpoint_due(w.end);
    return w;
}

void partition_log::end_flush(const flush_work& w) {
    mark_flushed(w.end);
    if (w.snapshot_written) trim_snapshots(2);
    if (w.checkpointed) checkpoint_written(w.end);
}

bool partition_log::checkpoint_due(offset durable) const {
    return durable > checkpointed_ && segment_for(durable)->first > segment_for(checkpointed_)->first;
}

error_code partition_log::roll(timestamp_ms now) {
    segment& old = active_mut();
    if (auto e = old.seal(); e != error_code::none) return e;
    auto seg = segment::create(dir_, log_end_, cfg_, now, files_);
    if (!seg) return seg.error();
    // The outgoing segment's syncs go to the flusher (see flush_pending()): a segment-sized
    // fdatasync here stalled every connection of the shard for up to a second. Below the
    // recovery point a segment is trusted with its indexes, so they are synced with it; its
    // aborted entries are recomputed by the next open's replay until then.
    // The flusher syncs the sealed .log (and its indexes, which seal() wrote out) by opening
    // it again at begin_flush(): the segment lets its descriptor go now, and reads borrow it
    // from the shard's fd_cache, so rolls waiting for the flusher hold no descriptors.
    sealed_logs_.push_back(old.base_offset());
    old.release_file();
    if (auto f = old.txns().take_unsynced()) sealed_indexes_.push_back(std::move(f));
    segments_.emplace(log_end_, std::move(*seg));
    // The snapshot makes restart replay only the new segment; losing it only costs time. A
    // newer roll's replaces one not yet written.
    pending_snapshot_.emplace(log_end_, producers_.encode_snapshot());
    // The new segment's directory entry must be durable before acks=all data in it is.
    pending_dir_sync_ = true;
    return error_code::none;
}

error_code partition_log::roll_now(timestamp_ms now) {
    if (active().empty()) return error_code::none;
    return roll(now);
}

size_t partition_log::delete_before(offset new_start) {
    new_start = std::min(new_start, log_end_);
    size_t deleted = 0;
    while (segments_.size() > 1) {
        auto it = segments_.begin();
        offset next_base = std::next(it)->first;
        if (next_base > new_start) break; // this segment holds offsets at or past new_start
        log::storage.info({{"topic", place_of_file(it->second->log_path()).topic}, {"partition", place_of_file(it->second->log_path()).partition}, {"offset", new_start.value()}}, "storage: deleting {} (below log start {})", it->second->log_path().string(), new_start.value());
        it->second->remove_files();
        segments_.erase(it);
        ++deleted;
    }
    if (new_start > log_start_) {
        log_start_ = new_start;
        (void)write_meta();
    }
    if (deleted > 0) trim_snapshots(2);
    return deleted;
}

bool partition_log::maybe_roll(timestamp_ms now) {
    const segment& act = active();
    if (act.empty() || now - act.roll_base_time() <= cfg_.segment_ms) {
        // Housekeeping also lets an idle active segment's descriptor go once nothing in it
        // waits for a sync: thousands of quiet partitions then cost the shard's cache, not one
        // descriptor each. The next append takes it back (segment::append).
        if (flushed_ >= log_end_) active_mut().release_file();
        return false;
    }
    return roll(now) == error_code::none;
}

size_t partition_log::apply_retention(timestamp_ms now) {
    if (!cfg_.cleanup_delete) return 0; // cleanup.policy=compact: the cleaner bounds the log
    size_t deleted = 0;
    uint64_t total = size_bytes();
    while (segments_.size() > 1) {
        auto it = segments_.begin();
        segment& seg = *it->second;
        timestamp_ms ts = seg.max_timestamp() >= timestamp_ms(0) ? seg.max_timestamp() : file_mtime_ms(seg.log_path());
        bool by_time = cfg_.retention_ms >= 0 && now - ts > cfg_.retention_ms;
        bool by_size = cfg_.retention_bytes >= 0 && total - seg.size() >= uint64_t(cfg_.retention_bytes);
        if (!by_time && !by_size) break;
        offset next_base = std::next(it)->first;
        log::storage.info({{"topic", place_of_file(seg.log_path()).topic}, {"partition", place_of_file(seg.log_path()).partition}, {"bytes", seg.size()}},
                          "storage: retention deletes {} ({} bytes, {})", seg.log_path().string(), seg.size(), by_time ? "retention.ms" : "retention.bytes");
        total -= seg.size();
        seg.remove_files();
        segments_.erase(it);
        log_start_ = std::max(log_start_, next_base);
        ++deleted;
    }
    if (deleted > 0) {
        (void)write_meta();
        trim_snapshots(2);
    }
    return deleted;
}

uint64_t partition_log::size_bytes() const {
    uint64_t n = 0;
    for (const auto& [_, s] : segments_) n += s->size();
    return n;
}

std::vector<offset> partition_log::segment_bases() const {
    std::vector<offset> out;
    for (const auto& [b, _] : segments_) out.push_back(b);
    return out;
}

error_code partition_log::set_leader_epoch(leader_epoch e) {
    if (e == leader_epoch_) return error_code::none;
    leader_epoch_ = e;
    return write_meta();
}

void partition_log::close() {
    if (closed_) return;
    closed_ = true;
    sync();
    (void)active_mut().seal(); // also writes out its index entries
    // The snapshot below makes the next open replay nothing of this segment.
    bool clean = active_mut().txns().sync() == error_code::none;
    // The next open trusts the indexes after a clean shutdown.
    active_mut().sync_indexes();
    if (producers_.write_snapshot(dir_, log_end_) == error_code::none) trim_snapshots(2);
    (void)write_meta();
    if (clean) (void)write_recovery_checkpoint(dir_, {log_end_, true});
}

} // namespace brook::storage
