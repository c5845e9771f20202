// Window assignment, case for case from Flink's assigner tests (flink-table-runtime,
// org.apache.flink.table.runtime.operators.window.groupwindow.assigners.*Test).
#include <gtest/gtest.h>

#include "stream/window.h"
#include "stream/watermark.h"

namespace brook::stream {
namespace {

std::vector<window> assign(window_spec s, int64_t ts) {
    std::vector<window> out;
    assign_windows(s, ts, out);
    std::sort(out.begin(), out.end(), by_end{});
    return out;
}

using W = std::vector<window>;

// TumblingWindowAssignerTest#testWindowAssignment / #testWindowAssignmentWithOffset
TEST(Window, Tumble) {
    window_spec s{window_kind::tumble, 5000};
    EXPECT_EQ(assign(s, 0), (W{{0, 5000}}));
    EXPECT_EQ(assign(s, 4999), (W{{0, 5000}}));
    EXPECT_EQ(assign(s, 5000), (W{{5000, 10000}}));
    EXPECT_EQ(assign(s, -1), (W{{-5000, 0}})); // floor, not truncation, before the epoch
    s.offset = 100;
    EXPECT_EQ(assign(s, 100), (W{{100, 5100}}));
    EXPECT_EQ(assign(s, 5099), (W{{100, 5100}}));
    EXPECT_EQ(assign(s, 5100), (W{{5100, 10100}}));
}

// SlidingWindowAssignerTest#testWindowAssignment / #testWindowAssignmentWithOffset
TEST(Window, Hop) {
    window_spec s{window_kind::hop, 5000, 1000};
    EXPECT_EQ(assign(s, 0), (W{{-4000, 1000}, {-3000, 2000}, {-2000, 3000}, {-1000, 4000}, {0, 5000}}));
    EXPECT_EQ(assign(s, 4999), (W{{0, 5000}, {1000, 6000}, {2000, 7000}, {3000, 8000}, {4000, 9000}}));
    EXPECT_EQ(assign(s, 5000), (W{{1000, 6000}, {2000, 7000}, {3000, 8000}, {4000, 9000}, {5000, 10000}}));
    s.offset = 100;
    EXPECT_EQ(assign(s, 100), (W{{-3900, 1100}, {-2900, 2100}, {-1900, 3100}, {-900, 4100}, {100, 5100}}));
    EXPECT_EQ(assign(s, 5100), (W{{1100, 6100}, {2100, 7100}, {3100, 8100}, {4100, 9100}, {5100, 10100}}));
}

// CumulativeWindowAssignerTest#testWindowAssignment / #testWindowAssignmentWithOffset
TEST(Window, Cumulate) {
    window_spec s{window_kind::cumulate, 5000, 1000};
    EXPECT_EQ(assign(s, 0), (W{{0, 1000}, {0, 2000}, {0, 3000}, {0, 4000}, {0, 5000}}));
    EXPECT_EQ(assign(s, 4999), (W{{0, 5000}}));
    EXPECT_EQ(assign(s, 5000), (W{{5000, 6000}, {5000, 7000}, {5000, 8000}, {5000, 9000}, {5000, 10000}}));
    s.offset = 100;
    EXPECT_EQ(assign(s, 100), (W{{100, 1100}, {100, 2100}, {100, 3100}, {100, 4100}, {100, 5100}}));
    EXPECT_EQ(assign(s, 5099), (W{{100, 5100}}));
}

// SessionWindowAssignerTest#testMergeConsecutiveWindows / #testMergeCoveringWindow: the
// intersection rule, touching windows included.
TEST(Window, SessionIntersection) {
    EXPECT_TRUE((window{1, 2}).intersects({0, 1}));
    EXPECT_TRUE((window{1, 2}).intersects({2, 3}));
    EXPECT_FALSE((window{2, 3}).intersects({4, 5}));
    EXPECT_TRUE((window{3, 6}).intersects({1, 4}));
    EXPECT_TRUE((window{3, 6}).intersects({5, 7}));
    EXPECT_FALSE((window{3, 6}).intersects({9, 10}));
}

TEST(Watermark, MinimumOverActivePartitionsNeverRegressing) {
    watermark_tracker t(1000);
    t.add_partition(0, 0);
    t.add_partition(1, 0);
    t.on_row(0, 50, 0);
    EXPECT_EQ(t.advance(0), no_watermark);
    t.on_row(1, 20, 0);
    EXPECT_EQ(t.advance(0), 20);
    t.on_row(1, 10, 0); // a partition's own watermark is its maximum
    EXPECT_EQ(t.partition_watermark(1), 20);
    t.on_row(0, 60, 900);
    EXPECT_EQ(t.advance(1000), 60); // p1 idle since 0
    EXPECT_TRUE(t.is_idle(1, 1000));
    t.on_row(1, 30, 1001);          // active again, lower: the job's watermark stays
    EXPECT_EQ(t.advance(1001), 60);
    t.on_row(1, 70, 1002);
    EXPECT_EQ(t.advance(1500), 60); // p0's last row at 900: not idle yet
    EXPECT_EQ(t.advance(1901), 70); // p0 idle: p1 alone
    t.on_row(0, 80, 2000);
    t.on_row(1, 75, 2000);
    EXPECT_EQ(t.advance(2000), 75);
    // Everyone idle: the maximum, whatever order they went idle in.
    // Flink: WatermarkOutputMultiplexerTest#whenAllImmediateOutputsBecomeIdleWatermarkAdvances.
    EXPECT_EQ(t.advance(5000), 80);
    t.finish_partition(0);
    t.finish_partition(1);
    EXPECT_TRUE(t.all_finished());
}

} // namespace
} // namespace brook::stream
