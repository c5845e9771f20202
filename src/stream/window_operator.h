#pragma once
// The windowed aggregation: rows (event time, group key, aggregate arguments) go in; window
// results come out when the watermark closes their window, or on every change with EMIT
// CHANGES. The operator holds its state in memory; checkpoints (below) copy it to a store.
//
// Semantics (Flink's window TVF aggregation, plus Brook's GRACE and EMIT CHANGES):
// - A window closes when the watermark reaches window_end - 1 + grace. Without EMIT CHANGES
//   it then emits its one final row per key; with grace 0 that is Flink's firing rule.
// - A row counts in every window assigned to it that has not closed. If one or more of its
//   windows had already closed, the row is late for those: process() reports them (the job
//   writes the row to 'late-data.topic' naming them). Flink drops such rows silently.
// - Sessions: per group key, a row opens [ts, ts + gap) and merges with every open session it
//   intersects (touching included); the row is late only when the merged session has closed.
// - EMIT CHANGES: every row that changes a window's result emits the new result at once
//   (an upsert keyed by window and group key); a session merged into another emits a delete
//   for its old window. A closed window emits nothing more; its state is dropped.
// Checkpoints: with track_changes(true) every pane the operator changes or drops is remembered
// until drain_changes() hands it out, so a state store writes only what changed since the last
// checkpoint; restore() rebuilds panes from what was written.
// One thread owns an operator.
#include <functional>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "stream/aggregate.h"
#include "stream/value.h"
#include "stream/watermark.h"
#include "stream/window.h"

namespace brook::stream {

struct window_result {
    window w;
    std::vector<value> keys;
    std::vector<value> aggs;
    bool is_delete = false; // EMIT CHANGES: this (window, keys) no longer exists
};

class window_operator {
public:
    window_operator(window_spec spec, std::vector<agg_call> aggs, bool emit_changes);

    // One input row. Appends results to out (EMIT CHANGES) and the closed windows the row
    // missed to missed (empty: the row counted everywhere it belongs).
    void process(int64_t ts, std::vector<value> keys, std::span<const value> agg_args,
                 std::vector<window_result>& out, std::vector<window>& missed);
    // Moves event time to wm (never back) and closes every window it reaches. Results of
    // one call are ordered by window end, start, then group key.
    void advance(int64_t wm, std::vector<window_result>& out);

    int64_t watermark() const { return wm_; }

    void track_changes(bool on) { track_ = on; }
    // Hands out every pane changed since the last call: (key, bytes) to put, (key, nullptr) to delete.
    void drain_changes(const std::function<void(const std::string& key, const std::string* bytes)>& f);
    // Rebuilds one pane from a key and bytes drain_changes() gave; false when they do not decode.
    bool restore(std::string_view key, std::string_view bytes);
    void restore_watermark(int64_t wm) { wm_ = wm; }
    // Window x key panes held in state.
    size_t open_windows() const { return open_; }
    const window_spec& spec() const { return spec_; }

private:
    struct pane {
        std::vector<value> keys;
        std::vector<accumulator> accs;
    };
    using bucket = std::unordered_map<std::string, pane>;
    struct session_key_state {
        std::vector<value> keys;
        std::map<int64_t, std::pair<int64_t, std::vector<accumulator>>> sessions; // start -> (end, accs)
    };

    bool closed(const window& w) const;
    int64_t close_time(const window& w) const { return w.end - 1 + spec_.grace; }
    window_result make_result(const window& w, const std::vector<value>& keys, const std::vector<accumulator>& accs) const;
    void process_session(int64_t ts, std::vector<value> keys, std::string enc, std::span<const value> agg_args,
                         std::vector<window_result>& out, std::vector<window>& missed);

    static std::string aligned_key(const window& w, const std::string& enc);
    static std::string session_key(int64_t start, const std::string& enc);
    void mark_dirty(std::string key) { if (track_) { removed_.erase(key); dirty_.insert(std::move(key)); } }
    void mark_removed(std::string key) { if (track_) { dirty_.erase(key); removed_.insert(std::move(key)); } }

    window_spec spec_;
    std::vector<agg_call> aggs_;
    bool track_ = false;
    std::unordered_set<std::string> dirty_, removed_;
    bool emit_changes_;
    int64_t wm_ = no_watermark;
    size_t open_ = 0;
    std::vector<window> scratch_;
    std::map<window, bucket, by_end> aligned_;
    std::unordered_map<std::string, session_key_state> sessions_;
    std::set<std::tuple<int64_t, std::string, int64_t>> session_timers_; // (close time, key, start)
};

} // namespace brook::stream
