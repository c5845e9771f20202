#pragma once
// Window assignment with Flink's arithmetic (flink-table-runtime's TumblingWindowAssigner,
// SlidingWindowAssigner, CumulativeWindowAssigner and SessionWindowAssigner): windows are
// half-open [start, end) in epoch milliseconds, starts aligned by floor-mod to the offset, so
// a HOP assigns every window that contains the row, including those starting before the first
// event; a session starts as [ts, ts + gap) and merges with every session it intersects,
// touching ones included (start <= other.end && end >= other.start).
#include <compare>
#include <cstdint>
#include <vector>

namespace brook::stream {

struct window {
    int64_t start = 0;
    int64_t end = 0;
    // The window's last instant: it fires when the watermark reaches it (end - 1).
    int64_t max_timestamp() const { return end - 1; }
    bool intersects(const window& o) const { return start <= o.end && end >= o.start; }
    friend bool operator==(const window&, const window&) = default;
};

// Windows ordered by end, then start: the order in which a rising watermark closes them.
struct by_end {
    bool operator()(const window& a, const window& b) const {
        return a.end != b.end ? a.end < b.end : a.start < b.start;
    }
};

enum class window_kind { tumble, hop, cumulate, session };

struct window_spec {
    window_kind kind = window_kind::tumble;
    int64_t size = 0;   // TUMBLE/HOP size, CUMULATE max size
    int64_t slide = 0;  // HOP slide, CUMULATE step
    int64_t gap = 0;    // SESSION
    int64_t offset = 0; // TUMBLE/HOP/CUMULATE
    int64_t grace = 0;  // Brook's GRACE: how long after window_end - 1 a window still takes rows
};

// Flink's TimeWindow.getWindowStartWithOffset: the start of the size-aligned window holding ts.
int64_t window_start_with_offset(int64_t ts, int64_t offset, int64_t size);

// Every TUMBLE/HOP/CUMULATE window containing ts, in Flink's order (latest start first for HOP,
// smallest end first for CUMULATE). Not for SESSION.
void assign_windows(const window_spec& spec, int64_t ts, std::vector<window>& out);

} // namespace brook::stream
