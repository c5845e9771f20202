// partition_log: the owner shard's side of log cleaning — planning a pass and swapping its
// output in. The pass itself runs elsewhere (cleaner.h); the crash protocol is clean_swap.h's.
#include <algorithm>
#include <set>
#include <spdlog/spdlog.h>

#include "storage/clean_swap.h"
#include "storage/partition_log.h"

namespace brook::storage {

std::optional<clean_plan> partition_log::plan_clean(timestamp_ms now) {
    if (!cfg_.cleanup_compact || clean_in_flight_ || segments_.size() < 2) return std::nullopt;
    if (!clean_checkpoint_loaded_) {
        clean_checkpoint_ = read_clean_checkpoint(dir_).value_or(offset(0));
        clean_checkpoint_loaded_ = true;
    }
    // The first uncleanable offset: the active segment is never cleaned, nor an unstable
    // (open transaction) suffix, nor records younger than min.compaction.lag.ms.
    offset limit = std::min(active().base_offset(), last_stable_offset());
    if (cfg_.min_compaction_lag_ms > 0) {
        for (auto it = segments_.begin(); std::next(it) != segments_.end(); ++it) {
            if (now - it->second->max_timestamp() < cfg_.min_compaction_lag_ms) {
                limit = std::min(limit, it->first);
                break;
            }
        }
    }
    clean_plan plan;
    for (auto it = segments_.begin(); std::next(it) != segments_.end(); ++it) {
        offset next = std::next(it)->first;
        if (next > limit) break;
        auto file = it->second->log_file();
        if (!file) return std::nullopt; // not openable now: the read path reports it; retried next round
        plan.segments.push_back({it->first, next, std::move(*file), it->second->size()});
    }
    if (plan.segments.empty()) return std::nullopt;
    const offset first = plan.segments.front().base;
    const offset end = plan.segments.back().next;
    offset first_dirty = std::clamp(clean_checkpoint_, first, end);

    uint64_t clean_bytes = 0, dirty_bytes = 0;
    timestamp_ms dirty_since{-1};
    for (auto& s : plan.segments) {
        if (s.next <= first_dirty) {
            clean_bytes += s.size;
        } else {
            dirty_bytes += s.size;
            if (dirty_since < timestamp_ms(0)) dirty_since = segments_.at(s.base)->roll_base_time();
        }
    }
    const double ratio = dirty_bytes == 0 ? 0.0 : double(dirty_bytes) / double(clean_bytes + dirty_bytes);
    const bool by_ratio = dirty_bytes > 0 && ratio >= cfg_.min_cleanable_dirty_ratio;
    const bool by_lag = dirty_bytes > 0 && dirty_since >= timestamp_ms(0) &&
                        now - dirty_since > cfg_.max_compaction_lag_ms;
    const bool by_horizon = clean_horizon_ && *clean_horizon_ <= now;
    if (!by_ratio && !by_lag && !by_horizon) return std::nullopt;

    plan.dir = dir_;
    plan.name = dir_.parent_path().filename().string() + "/" + dir_.filename().string();
    plan.cfg = cfg_;
    plan.first_dirty = first_dirty;
    plan.now = now;
    // Every aborted transaction whose marker is at or after the first planned offset: its data
    // may be in the plan even when its marker is past it.
    for (const auto& [base, seg] : segments_)
        for (const auto& e : seg->txns().entries())
            if (e.last_offset >= first) plan.aborted.push_back(e);
    for (const auto& [pid, e] : producers_.producers()) {
        producer_last_batch lb{std::nullopt, e.epoch};
        if (!e.batches.empty()) lb.last_data_offset = e.batches.back().last_offset;
        plan.producers.emplace(pid, lb);
    }
    clean_in_flight_ = true;
    return plan;
}

void partition_log::abandon_clean() {
    clean_in_flight_ = false;
    discard_cleaned(dir_);
}

result<std::vector<std::unique_ptr<segment>>> partition_log::install_clean(const clean_result& r) {
    clean_in_flight_ = false;
    std::vector<std::unique_ptr<segment>> retired;
    // Sealed segments never change in place; one that is gone (retention, DeleteRecords)
    // means the pass describes data the log no longer has.
    for (auto base : r.replaced) {
        auto it = segments_.find(base);
        if (it == segments_.end() || std::next(it) == segments_.end()) {
            spdlog::info("storage: {}: segment {} changed during the clean; pass discarded", dir_.string(), base());
            discard_cleaned(dir_);
            return retired;
        }
    }
    // The replaced segments keep their files (the fd_cache would otherwise hand a replaced
    // file's descriptor to the cleaned segment now at its path, until the replaced segment is
    // destroyed on the cleaner thread: fetches read the new index's positions in the old file).
    for (auto base : r.replaced)
        if (auto e = segments_.at(base)->pin_file(); e != error_code::none) {
            discard_cleaned(dir_);
            return e;
        }
    if (auto e = commit_swap(dir_); e != error_code::none) {
        discard_cleaned(dir_);
        return e;
    }
    if (auto e = complete_swap(dir_); e != error_code::none) {
        // Committed: the next open finishes it. Until then the old segments keep serving
        // from their open (possibly unlinked) files, which hold the same data and more.
        spdlog::error("storage: {}: cannot finish the cleaned-segment swap ({}); the next start will",
                      dir_.string(), error_name(e));
        return e;
    }
    std::set<offset> after;
    for (const auto& [base, _] : segments_) after.insert(base);
    for (auto base : r.replaced) after.erase(base);
    for (auto base : r.created) after.insert(base);
    std::vector<std::unique_ptr<segment>> fresh;
    for (auto base : r.created) {
        auto next = after.upper_bound(base);
        auto seg = segment::open(dir_, base, cfg_, false, *next, files_);
        if (!seg) {
            spdlog::error("storage: {}: cannot open cleaned segment {} ({}); the old one keeps serving until restart",
                          dir_.string(), base(), error_name(seg.error()));
            return seg.error();
        }
        (*seg)->release_file(); // sealed: reads borrow the .log from the shard's fd_cache
        fresh.push_back(std::move(*seg));
    }
    for (auto base : r.replaced) {
        auto it = segments_.find(base);
        retired.push_back(std::move(it->second));
        segments_.erase(it);
    }
    for (auto& s : fresh) {
        offset base = s->base_offset();
        segments_.emplace(base, std::move(s));
    }
    clean_checkpoint_ = std::max(clean_checkpoint_, r.cleaned_upto);
    clean_horizon_ = r.next_horizon;
    write_clean_checkpoint(dir_, clean_checkpoint_);
    return retired;
}

} // namespace brook::storage
