#include "stream/window_operator.h"

#include <algorithm>

namespace brook::stream {

window_operator::window_operator(window_spec spec, std::vector<agg_call> aggs, bool emit_changes)
    : spec_(spec), aggs_(std::move(aggs)), emit_changes_(emit_changes) {}

bool window_operator::closed(const window& w) const {
    // wm_ >= end - 1 + grace, written so that no_watermark never overflows.
    return wm_ != no_watermark && close_time(w) <= wm_;
}

window_result window_operator::make_result(const window& w, const std::vector<value>& keys,
                                           const std::vector<accumulator>& accs) const {
    window_result r;
    r.w = w;
    r.keys = keys;
    r.aggs.reserve(aggs_.size());
    for (size_t i = 0; i < aggs_.size(); ++i) r.aggs.push_back(result(aggs_[i], accs[i]));
    return r;
}

void window_operator::process(int64_t ts, std::vector<value> keys, std::span<const value> agg_args,
                              std::vector<window_result>& out, std::vector<window>& missed) {
    missed.clear();
    std::string enc;
    for (const auto& k : keys) encode_key(k, enc);
    if (spec_.kind == window_kind::session) {
        process_session(ts, std::move(keys), std::move(enc), agg_args, out, missed);
        return;
    }
    assign_windows(spec_, ts, scratch_);
    for (const auto& w : scratch_) {
        if (closed(w)) {
            missed.push_back(w);
            continue;
        }
        auto& b = aligned_[w];
        auto it = b.find(enc);
        if (it == b.end()) {
            pane p;
            p.keys = keys;
            p.accs.resize(aggs_.size());
            it = b.emplace(enc, std::move(p)).first;
            ++open_;
        }
        for (size_t i = 0; i < aggs_.size(); ++i) accumulate(aggs_[i], it->second.accs[i], agg_args);
        if (track_) mark_dirty(aligned_key(w, enc));
        if (emit_changes_) out.push_back(make_result(w, it->second.keys, it->second.accs));
    }
    // Flink lists a row's windows from the latest start (HOP) / smallest end (CUMULATE);
    // report the missed ones oldest first.
    std::sort(missed.begin(), missed.end(), by_end{});
}

void window_operator::process_session(int64_t ts, std::vector<value> keys, std::string enc,
                                      std::span<const value> agg_args, std::vector<window_result>& out,
                                      std::vector<window>& missed) {
    window w{ts, ts + spec_.gap};
    auto& ks = sessions_[enc];
    if (ks.keys.empty() && !keys.empty()) ks.keys = keys;
    // Every open session this row's window intersects: sessions of one key never intersect
    // each other, so they are the run ending at the last start <= w.end.
    window merged = w;
    std::vector<int64_t> hits;
    for (auto it = ks.sessions.upper_bound(w.end); it != ks.sessions.begin();) {
        --it;
        window s{it->first, it->second.first};
        if (!s.intersects(w)) break;
        hits.push_back(it->first);
        merged.start = std::min(merged.start, s.start);
        merged.end = std::max(merged.end, s.end);
    }
    std::reverse(hits.begin(), hits.end()); // oldest first: deletes come out in time order
    if (closed(merged)) {
        missed.push_back(w);
        if (ks.sessions.empty()) sessions_.erase(enc);
        return;
    }
    std::vector<accumulator> accs(aggs_.size());
    for (int64_t start : hits) {
        auto node = ks.sessions.extract(start);
        window old{start, node.mapped().first};
        session_timers_.erase({close_time(old), enc, start});
        if (track_) mark_removed(session_key(start, enc));
        for (size_t i = 0; i < aggs_.size(); ++i) merge(aggs_[i], accs[i], std::move(node.mapped().second[i]));
        --open_;
        if (emit_changes_ && old != merged) {
            window_result del;
            del.w = old;
            del.keys = ks.keys;
            del.is_delete = true;
            out.push_back(std::move(del));
        }
    }
    for (size_t i = 0; i < aggs_.size(); ++i) accumulate(aggs_[i], accs[i], agg_args);
    if (emit_changes_) out.push_back(make_result(merged, ks.keys, accs));
    ks.sessions.emplace(merged.start, std::make_pair(merged.end, std::move(accs)));
    session_timers_.insert({close_time(merged), enc, merged.start});
    if (track_) mark_dirty(session_key(merged.start, enc));
    ++open_;
}

void window_operator::advance(int64_t wm, std::vector<window_result>& out) {
    if (wm <= wm_) return;
    wm_ = wm;
    size_t first = out.size();
    while (!aligned_.empty() && closed(aligned_.begin()->first)) {
        auto node = aligned_.extract(aligned_.begin());
        open_ -= node.mapped().size();
        if (track_)
            for (const auto& [enc, p] : node.mapped()) mark_removed(aligned_key(node.key(), enc));
        if (emit_changes_) continue;
        for (auto& [enc, p] : node.mapped()) out.push_back(make_result(node.key(), p.keys, p.accs));
    }
    while (!session_timers_.empty() && std::get<0>(*session_timers_.begin()) <= wm_) {
        auto [t, enc, start] = *session_timers_.begin();
        session_timers_.erase(session_timers_.begin());
        auto kit = sessions_.find(enc);
        auto sit = kit->second.sessions.find(start);
        if (!emit_changes_) out.push_back(make_result({start, sit->second.first}, kit->second.keys, sit->second.second));
        kit->second.sessions.erase(sit);
        if (track_) mark_removed(session_key(start, enc));
        if (kit->second.sessions.empty()) sessions_.erase(kit);
        --open_;
    }
    std::sort(out.begin() + std::ptrdiff_t(first), out.end(), [](const window_result& a, const window_result& b) {
        if (a.w.end != b.w.end) return a.w.end < b.w.end;
        if (a.w.start != b.w.start) return a.w.start < b.w.start;
        return std::lexicographical_compare(a.keys.begin(), a.keys.end(), b.keys.begin(), b.keys.end(),
                                            [](const value& x, const value& y) { return compare(x, y) < 0; });
    });
}

} // namespace brook::stream
