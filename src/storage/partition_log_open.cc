// partition_log: opening, crash recovery, partition.meta and producer-state reload.
#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <spdlog/spdlog.h>
#include <unordered_map>

#include "records/control.h"
#include "records/record.h"
#include "base/logger.h"
#include "storage/clean_swap.h"
#include "storage/log_place.h"
#include "storage/partition_log.h"
#include "base/logger.h"
#include "storage/log_place.h"

namespace brook::storage {
namespace {

constexpr const char* meta_file = "partition.meta";

} // namespace

std::string topic_id_hex(const topic_id_bytes& id) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (uint8_t b : id) {
        s += digits[b >> 4];
        s += digits[b & 0xf];
    }
    return s;
}

std::optional<topic_id_bytes> parse_topic_id_hex(std::string_view s) {
    if (s.size() != 32) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    topic_id_bytes id{};
    for (size_t i = 0; i < 16; ++i) {
        int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        id[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return id;
}

result<std::unique_ptr<partition_log>> partition_log::open(std::filesystem::path dir, log_config cfg,
                                                           open_options opts) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        spdlog::error("storage: cannot create {}: {}", dir.string(), ec.message());
        return error_code::kafka_storage_error;
    }
    // A new partition's directory entries must survive power loss before acks=all data in it
    // is acknowledged: <data>/<topic>/<p> lives in <data>/<topic>, which lives in <data>.
    if (auto e = sync_directory(dir.parent_path()); e != error_code::none) return e;
    if (auto e = sync_directory(dir.parent_path().parent_path()); e != error_code::none) return e;
    // A log clean killed mid-swap is finished (or its unfinished output dropped) first.
    if (auto e = recover_interrupted_clean(dir); e != error_code::none) return e;
    std::unique_ptr<partition_log> log(new partition_log(std::move(dir), cfg));
    log->files_ = opts.files ? std::move(opts.files) : fd_cache::process_default();
    if (auto e = log->load_meta(); e != error_code::none) return e;
    if (opts.topic_id) {
        // A directory left by another topic of the same name (deleted, its removal cut short)
        // must not serve the new one's reads: refuse it before touching anything.
        if (log->topic_id_ && *log->topic_id_ != *opts.topic_id) {
            spdlog::error("storage: {} belongs to topic id {}, not {}; refusing to open it", log->dir_.string(),
                          topic_id_hex(*log->topic_id_), topic_id_hex(*opts.topic_id));
            return error_code::inconsistent_topic_id;
        }
        log->topic_id_ = opts.topic_id;
    }
    if (auto e = log->load_checkpoint(); e != error_code::none) return e;
    if (auto e = log->load_segments(); e != error_code::none) return e;
    if (auto e = log->load_producer_state(); e != error_code::none) return e;
    // What survived recovery is what we acknowledge as durable from here on: the scanned
    // segments may be only in the page cache (a kill -9 keeps it), and their indexes were just
    // rebuilt.
    const offset synced_from = log->scanned_from_.value_or(log->active().base_offset());
    for (auto it = log->segment_for(synced_from); it != log->segments_.end(); ++it) {
        if (auto e = it->second->sync(); e != error_code::none) return e;
        it->second->sync_indexes();
    }
    log->flushed_ = log->log_end_;
    if (auto e = log->write_meta(); e != error_code::none) return e;
    // Also clears the clean-shutdown flag before anything is appended.
    if (auto e = write_recovery_checkpoint(log->dir_, {log->log_end_, false}); e != error_code::none) return e;
    log->checkpointed_ = log->log_end_;
    return log;
}

error_code partition_log::load_meta() {
    auto path = dir_ / meta_file;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return error_code::none;
    auto bytes = read_whole_file(path);
    if (!bytes) return bytes.error();
    auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        // Written atomically, so this is damage from outside; the segments still tell the truth.
        spdlog::warn("storage: {} is unreadable; using defaults", path.string());
        return error_code::none;
    }
    meta_version_ = j.value("version", 0);
    log_start_ = offset(j.value("log_start_offset", int64_t(0)));
    leader_epoch_ = leader_epoch(j.value("leader_epoch", int32_t(0)));
    if (j.contains("topic_id") && j["topic_id"].is_string())
        topic_id_ = parse_topic_id_hex(j["topic_id"].get<std::string>());
    return error_code::none;
}

error_code partition_log::write_meta() const {
    nlohmann::json j = {{"version", 2}, {"leader_epoch", leader_epoch_()}, {"log_start_offset", log_start_()}};
    if (topic_id_) j["topic_id"] = topic_id_hex(*topic_id_);
    auto s = j.dump();
    return write_file_atomic(dir_ / meta_file,
                             std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

error_code partition_log::load_checkpoint() {
    auto found = read_recovery_checkpoint(dir_);
    if (!found) return found.error();
    switch (found->k) {
    case checkpoint_found::kind::ok:
        if (!found->cp.clean_shutdown) recover_from_ = found->cp.point;
        break;
    case checkpoint_found::kind::missing:
        // A directory from a Brook before recovery points (or a new partition): that release
        // fdatasynced every segment at its roll, before the next segment was created, so only
        // the last segment can hold unsynced data: it is checked whole.
        recover_from_ = offset(INT64_MAX);
        break;
    case checkpoint_found::kind::unreadable:
        // Written atomically, so this is damage from outside: trust no segment.
        spdlog::warn("storage: {} is unreadable; checking every segment", (dir_ / recovery_checkpoint_file).string());
        recover_from_ = offset(0);
        break;
    }
    return error_code::none;
}

namespace {

// Removes the files of a segment that recovery dropped (it follows a cut).
void remove_segment_files(const std::filesystem::path& dir, offset base) {
    std::error_code ec;
    for (const char* ext : {".log", ".index", ".timeindex", ".txnindex"})
        std::filesystem::remove(dir / (offset_file_stem(base) + ext), ec);
}

std::string_view lost_tail_reason(const segment& s) { return s.empty() ? "segment empty" : "segment ends before the next one"; }

} // namespace

error_code partition_log::load_segments() {
    std::vector<offset> bases;
    std::vector<std::filesystem::path> orphans;
    std::error_code ec;
    for (const auto& de : std::filesystem::directory_iterator(dir_, ec)) {
        const auto& p = de.path();
        auto ext = p.extension().string();
        if (ext == ".tmp") {
            orphans.push_back(p); // an interrupted atomic write
            continue;
        }
        auto base = parse_offset_stem(p.stem().string());
        if (!base) continue;
        if (ext == ".log") {
            bases.push_back(*base);
        } else if (ext == ".index" || ext == ".timeindex" || ext == ".txnindex") {
            auto log_path = p;
            log_path.replace_extension(".log");
            if (!std::filesystem::exists(log_path)) orphans.push_back(p);
        }
    }
    if (ec) {
        spdlog::error("storage: cannot list {}: {}", dir_.string(), ec.message());
        return error_code::kafka_storage_error;
    }
    for (const auto& p : orphans) std::filesystem::remove(p, ec);
    std::sort(bases.begin(), bases.end());

    if (bases.empty()) {
        auto seg = segment::create(dir_, log_start_, cfg_, timestamp_ms(0), files_);
        if (!seg) return seg.error();
        segments_.emplace(log_start_, std::move(*seg));
        log_end_ = log_start_;
        return sync_directory(dir_);
    }
    // The first segment to CRC-check whole: the one holding the recovery point (the last one
    // when there is no checkpoint; none after a clean shutdown).
    size_t scan_from = bases.size();
    if (recover_from_) {
        scan_from = 0;
        while (scan_from + 1 < bases.size() && bases[scan_from + 1] <= *recover_from_) ++scan_from;
        scanned_from_ = bases[scan_from];
    }
    const auto cleaned_below = read_clean_checkpoint(dir_);
    for (size_t i = 0; i < bases.size(); ++i) {
        bool last = i + 1 == bases.size();
        bool scan = i >= scan_from;
        std::optional<offset> next_base = last ? std::nullopt : std::optional<offset>(bases[i + 1]);
        auto seg = segment::open(dir_, bases[i], cfg_, last || scan, next_base, files_, scan);
        if (!seg) return seg.error();
        const auto cut = (*seg)->recovery_cut();
        // A roll starts the next segment at the log end, so a sealed segment past the recovery
        // point that ends below the next one's base lost its tail to the power cut (its pages
        // were still unsynced; the new segment's file was already there). The offsets in
        // between were never durable, so nothing after them was acknowledged either: cut there.
        // Left in place, the gap is a hole nothing can read (a reader at its start finds no
        // batch, while the log end lies beyond it). The cleaner's output (below its checkpoint)
        // is the exception: fdatasynced whole before the swap, and short or empty when
        // compaction removed its last records.
        bool lost_tail = scan && !last && (*seg)->next_offset() < bases[i + 1] &&
                         !(cleaned_below && bases[i + 1] <= *cleaned_below);
        // Sealed: borrows from files_ when read. One the recovery cut becomes the active one.
        if (!last && !cut && !lost_tail) (*seg)->release_file();
        max_ts_ = std::max(max_ts_, (*seg)->max_timestamp());
        const offset end = (*seg)->next_offset();
        const std::string_view why = cut ? error_name(cut->why) : lost_tail_reason(**seg);
        segments_.emplace(bases[i], std::move(*seg));
        if (cut || lost_tail) {
            for (size_t j = i + 1; j < bases.size(); ++j) remove_segment_files(dir_, bases[j]);
            const auto at = place_of_dir(dir_);
            const auto file = offset_file_stem(bases[i]) + ".log";
            log::storage.warn({{"topic", at.topic}, {"partition", at.partition}, {"file", file},
                               {"position", cut ? cut->position : 0}, {"error", why},
                               {"offset", end.value()}, {"dropped_bytes", cut ? cut->dropped : 0},
                               {"dropped_segments", bases.size() - i - 1}},
                              "storage: {}: torn or corrupt batch in {} at position {} ({}); log cut at offset {}: "
                              "{} bytes and {} later segment(s) dropped",
                              dir_.string(), file, cut ? cut->position : 0,
                              why, end.value(), cut ? cut->dropped : 0,
                              bases.size() - i - 1);
            if (i + 1 < bases.size()) {
                if (auto e = sync_directory(dir_); e != error_code::none) return e;
            }
            break;
        }
    }
    log_end_ = active().next_offset();
    log_start_ = std::clamp(log_start_, segments_.begin()->first, log_end_);
    return error_code::none;
}

error_code partition_log::load_producer_state() {
    std::optional<offset> from;
    auto snaps = producer_state::list_snapshots(dir_);
    std::error_code ec;
    // Replay covers every segment recovery checked, so that their .txnindex entries (which a
    // power cut may have left short) are recomputed from the log.
    const offset newest_usable = std::min(log_end_, scanned_from_.value_or(log_end_));
    for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
        auto path = producer_state::snapshot_path(dir_, *it);
        if (*it > log_end_) {
            // Taken before a tail that recovery just truncated: it describes batches we lost.
            std::filesystem::remove(path, ec);
            continue;
        }
        if (from) break;
        if (*it > newest_usable) continue;
        auto bytes = read_whole_file(path);
        if (!bytes) return bytes.error();
        auto st = producer_state::decode_snapshot(*bytes);
        if (!st) {
            log::storage.warn({{"topic", place_of_file(path).topic}, {"partition", place_of_file(path).partition}, {"file", path.string()}}, "storage: ignoring corrupt producer snapshot {}", path.string());
            std::filesystem::remove(path, ec);
            continue;
        }
        producers_ = std::move(*st);
        from = *it;
    }
    offset replay_from = std::max(from.value_or(offset(0)), segments_.begin()->first);
    if (auto e = rebuild_txn_indexes(); e != error_code::none) return e;
    // Aborted entries at or past the replay start are recomputed by the replay (the active
    // segment's were written without fsync, and a torn tail may have cut their markers).
    for (auto it = segment_for(replay_from); it != segments_.end(); ++it) {
        if (auto e = it->second->txns().truncate_from(replay_from); e != error_code::none) return e;
    }
    for (auto& [base, seg] : segments_) {
        if (seg->next_offset() <= replay_from && seg.get() != &active()) continue;
        auto pos = seg->lookup(replay_from);
        if (!pos) return pos.error();
        if (!*pos) continue;
        segment& s = *seg;
        auto e = s.for_each_header(**pos, [&](const records::batch_header& h, uint64_t at) -> error_code {
            if (h.base_offset < replay_from) return error_code::none;
            if (h.is_control()) return replay_marker(s, h, at);
            // The wall clock of the append is not in the log; the batch's own timestamp is
            // Kafka's notion of the producer's last activity.
            producers_.update(h, h.max_timestamp);
            return error_code::none;
        });
        if (e != error_code::none) return e;
    }
    return error_code::none;
}

namespace {

// The marker record of a control batch read from the log; nullopt for a control record that
// is not a transaction marker (skipped, as nothing else writes control batches here).
result<std::optional<records::control_record>> read_marker(const segment& seg, const records::batch_header& h,
                                                           uint64_t pos) {
    auto bytes = seg.read(pos, h.size_bytes());
    if (!bytes) return bytes.error();
    auto d = records::decode_batch(*bytes);
    if (!d) return d.error();
    if (d->records.empty() || !d->records[0].key) return error_code::corrupt_message;
    static const std::vector<uint8_t> no_value;
    auto r = records::parse_control_record(*d->records[0].key, d->records[0].value.value_or(no_value));
    if (!r) {
        log::storage.warn({{"topic", place_of_file(seg.log_path()).topic}, {"partition", place_of_file(seg.log_path()).partition}, {"offset", h.base_offset()}, {"error", error_name(r.error())}},
                          "storage: {}: unreadable control record at offset {} ({}); skipped", seg.log_path().string(), h.base_offset(), error_name(r.error()));
        return std::optional<records::control_record>{};
    }
    return std::optional<records::control_record>(*r);
}

} // namespace

error_code partition_log::replay_marker(segment& seg, const records::batch_header& h, uint64_t pos) {
    auto m = read_marker(seg, h, pos);
    if (!m) return m.error();
    if (!*m) return error_code::none;
    auto done = producers_.apply_marker(h.pid, h.epoch, (*m)->commit, (*m)->coordinator_epoch, h.base_offset,
                                        h.max_timestamp);
    if (!done) return error_code::none;
    return index_completed(seg, *done);
}

error_code partition_log::rebuild_txn_indexes() {
    auto last_missing = segments_.end();
    for (auto it = segments_.begin(); it != segments_.end(); ++it) {
        txn_index& idx = it->second->txns();
        // Written before transactions existed (partition.meta version 1): nothing to find.
        if (meta_version_ == 1 && idx.missing()) {
            if (auto e = idx.reset(); e != error_code::none) return e;
            if (auto e = idx.sync(); e != error_code::none) return e;
        }
        if (idx.needs_rebuild()) last_missing = it;
    }
    if (last_missing == segments_.end()) return error_code::none;
    // A segment's entries need the transactions open at its start, which may have begun in any
    // earlier segment: follow them from the first segment on (headers, plus the small control
    // batches). A transaction whose data lies entirely below the log start is not seen; it
    // could hide nothing that is still here.
    std::unordered_map<producer_id, offset> open;
    std::set<std::pair<offset, producer_id>> by_first;
    for (auto it = segments_.begin(); it != std::next(last_missing); ++it) {
        segment& s = *it->second;
        bool rebuild = s.txns().needs_rebuild();
        if (rebuild) {
            log::storage.warn({{"topic", place_of_file(s.txns().path()).topic}, {"partition", place_of_file(s.txns().path()).partition}, {"file", s.txns().path().string()}}, "storage: {} missing or corrupt; rebuilding", s.txns().path().string());
            if (auto e = s.txns().reset(); e != error_code::none) return e;
        }
        auto e = s.for_each_header(0, [&](const records::batch_header& h, uint64_t at) -> error_code {
            if (!h.has_producer_id() || !h.is_transactional()) return error_code::none;
            if (!h.is_control()) {
                if (open.emplace(h.pid, h.base_offset).second) by_first.emplace(h.base_offset, h.pid);
                return error_code::none;
            }
            auto m = read_marker(s, h, at);
            if (!m) return m.error();
            auto o = open.find(h.pid);
            if (!*m || o == open.end()) return error_code::none;
            offset first = o->second;
            by_first.erase({first, h.pid});
            open.erase(o);
            if (!rebuild || (*m)->commit) return error_code::none;
            offset lso = by_first.empty() ? h.base_offset + 1 : std::min(by_first.begin()->first, h.base_offset + 1);
            return s.txns().append({h.pid, first, h.base_offset, lso});
        });
        if (e != error_code::none) return e;
        if (rebuild) {
            if (auto se = s.txns().sync(); se != error_code::none) return se;
        }
    }
    return error_code::none;
}

void partition_log::trim_snapshots(size_t keep) {
    auto snaps = producer_state::list_snapshots(dir_);
    std::error_code ec;
    // The newest is always kept; of the rest, only the `keep` - 1 next newest that are not
    // below the log start (they could only be replayed against deleted segments).
    for (size_t i = 0; i + 1 < snaps.size(); ++i) {
        if (i + keep < snaps.size() || snaps[i] < log_start_)
            std::filesystem::remove(producer_state::snapshot_path(dir_, snaps[i]), ec);
    }
}

} // namespace brook::storage
