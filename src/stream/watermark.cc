#include "stream/watermark.h"

#include <algorithm>

namespace brook::stream {

void watermark_tracker::add_partition(int32_t p, int64_t now_ms) {
    auto& x = parts_[p];
    x.last_row_ms = now_ms;
}

void watermark_tracker::on_row(int32_t p, int64_t candidate, int64_t now_ms) {
    auto& x = parts_[p];
    x.watermark = std::max(x.watermark, candidate);
    x.last_row_ms = now_ms;
}

void watermark_tracker::finish_partition(int32_t p) { parts_[p].finished = true; }

bool watermark_tracker::is_idle(int32_t p, int64_t now_ms) const {
    auto it = parts_.find(p);
    if (it == parts_.end() || idle_timeout_ms_ <= 0) return false;
    return now_ms - it->second.last_row_ms >= idle_timeout_ms_;
}

bool watermark_tracker::all_finished() const {
    return std::all_of(parts_.begin(), parts_.end(), [](const auto& kv) { return kv.second.finished; });
}

int64_t watermark_tracker::partition_watermark(int32_t p) const {
    auto it = parts_.find(p);
    return it == parts_.end() ? no_watermark : it->second.watermark;
}

std::map<int32_t, int64_t> watermark_tracker::partition_watermarks() const {
    std::map<int32_t, int64_t> out;
    for (const auto& [p, x] : parts_) out[p] = x.watermark;
    return out;
}

int64_t watermark_tracker::advance(int64_t now_ms) {
    bool any_active = false, any_open = false;
    int64_t low = end_of_time, high = no_watermark;
    for (const auto& [p, x] : parts_) {
        if (x.finished) continue;
        any_open = true;
        high = std::max(high, x.watermark);
        if (is_idle(p, now_ms)) continue;
        any_active = true;
        low = std::min(low, x.watermark);
    }
    // Flink's CombinedWatermarkStatus: the minimum over active partitions; when all are idle,
    // the maximum over all of them (so the order in which they went idle does not matter).
    if (any_active) current_ = std::max(current_, low);
    else if (any_open) current_ = std::max(current_, high);
    return current_;
}

} // namespace brook::stream
