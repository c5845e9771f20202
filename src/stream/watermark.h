#pragma once
// The job's event-time clock, as Flink's Kafka source computes it with per-partition
// watermarks (FLIP-27 split outputs combined by a WatermarkOutputMultiplexer):
// - a partition's watermark is the largest value the table's WATERMARK expression has taken
//   on its rows (max event time - delay); before its first row it is "none" (Long.MIN_VALUE);
// - the job's watermark is the minimum over the partitions that are neither idle nor finished,
//   and never goes back;
// - with an idle timeout (scan.watermark.idle-timeout / table.exec.source.idle-timeout), a
//   partition with no row for that long (processing time) stops holding the minimum back until
//   its next row; when every partition is idle the watermark is the maximum over them (Flink's
//   CombinedWatermarkStatus: idleness order does not decide the result);
// - a partition of a bounded source that reached its end is finished (Flink releases a
//   finished split's output): it no longer holds the minimum back.
// The clock is passed in (now_ms) so tests drive idleness without sleeping. One thread.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>

namespace brook::stream {

inline constexpr int64_t no_watermark = std::numeric_limits<int64_t>::min();
inline constexpr int64_t end_of_time = std::numeric_limits<int64_t>::max();

class watermark_tracker {
public:
    explicit watermark_tracker(int64_t idle_timeout_ms = 0) : idle_timeout_ms_(idle_timeout_ms) {}

    void add_partition(int32_t p, int64_t now_ms);
    // A row of partition p whose WATERMARK expression evaluated to candidate.
    void on_row(int32_t p, int64_t candidate, int64_t now_ms);
    void finish_partition(int32_t p);
    // Recomputes the job's watermark at now_ms (idleness is judged here) and returns it.
    int64_t advance(int64_t now_ms);

    int64_t current() const { return current_; }
    // Checkpoints: every partition's own watermark, and restoring them and the job's.
    std::map<int32_t, int64_t> partition_watermarks() const;
    void restore(int32_t p, int64_t watermark) { parts_[p].watermark = watermark; }
    void restore_current(int64_t watermark) { current_ = watermark; }
    int64_t partition_watermark(int32_t p) const;
    bool is_idle(int32_t p, int64_t now_ms) const;
    bool all_finished() const;
    size_t partitions() const { return parts_.size(); }

private:
    struct part {
        int64_t watermark = no_watermark;
        int64_t last_row_ms = 0;
        bool finished = false;
    };
    int64_t idle_timeout_ms_;
    std::map<int32_t, part> parts_;
    int64_t current_ = no_watermark;
};

} // namespace brook::stream
