// Windowed results worked out by hand from Flink's semantics, through the same pipeline the
// Kafka job runs. Where a case mirrors a Flink test, the test is named in the comment.
#include <gtest/gtest.h>

#include "harness.h"

namespace brook::stream::test {
namespace {

const char* tumble_count =
    "INSERT INTO out SELECT k, window_start, window_end, COUNT(*) "
    "FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY window_start, window_end, k;";

// Out-of-order rows within the delay count; a row whose window already fired is late.
// Flink: SlicingWindowAggOperatorTest#testEventTimeTumblingWindows (fire at end - 1, late dropped).
TEST(Pipeline, TumbleOutOfOrderAndLate) {
    harness h(tables() + tumble_count);
    EXPECT_TRUE(h.row(0, {"a", 1, ts(1)}).empty());
    EXPECT_TRUE(h.row(0, {"a", 1, ts(2)}).empty());
    EXPECT_TRUE(h.row(0, {"b", 1, ts(3)}).empty());
    EXPECT_EQ(h.take(), strings{});
    h.row(0, {"a", 1, ts(6)}); // watermark 5 s >= 4.999 s: [0, 5) fires
    EXPECT_EQ(h.take(), (strings{"+a,00:00:00,00:00:05,2", "+b,00:00:00,00:00:05,1"}));
    EXPECT_EQ(h.row(0, {"a", 1, ts(4)}), strings{"00:00:00-00:00:05"}); // late
    EXPECT_TRUE(h.row(0, {"b", 1, ts(5.5)}).empty()); // out of order but its window is open
    EXPECT_EQ(h.p->stats().late_rows, 1);
    EXPECT_EQ(h.p->open_windows(), 2u);
    EXPECT_EQ(h.finish(), (strings{"+a,00:00:05,00:00:10,1", "+b,00:00:05,00:00:10,1"}));
}

// With SET 'pipeline.auto-watermark-interval', the watermark moves only on its period (as
// Flink's periodic emission): a row behind the newest one is not late until the next period.
TEST(Pipeline, PeriodicWatermarkEmission) {
    harness h("SET 'pipeline.auto-watermark-interval' = '200 ms';\n" + tables("INTERVAL '0' SECOND") + tumble_count);
    h.row(0, {"a", 1, ts(1)}, 0);
    h.row(0, {"a", 1, ts(6)}, 50);
    EXPECT_TRUE(h.row(0, {"a", 1, ts(3)}, 100).empty()); // the watermark has not moved yet
    EXPECT_EQ(h.p->watermark(), no_watermark);
    h.p->on_tick(250, h.out);
    EXPECT_EQ(h.p->watermark(), 6000);
    EXPECT_EQ(h.take(), strings{"+a,00:00:00,00:00:05,2"});
    EXPECT_FALSE(h.row(0, {"a", 1, ts(4)}, 300).empty());
}

// The firing instant is exactly window_end - 1 ms.
TEST(Pipeline, FiresAtWindowEndMinusOneMillisecond) {
    harness h(tables("INTERVAL '0' SECOND") + tumble_count);
    h.row(0, {"a", 1, ts(1)});
    h.row(0, {"a", 1, ts(4.998)});
    EXPECT_EQ(h.take(), strings{});
    h.row(0, {"a", 1, ts(4.999)}); // counted in [0, 5), then the watermark 4.999 fires it
    EXPECT_EQ(h.take(), strings{"+a,00:00:00,00:00:05,3"});
    EXPECT_EQ(h.p->watermark(), 4999);
}

// HOP assigns every window holding the row, including ones that start before the first
// event. Flink: SlidingWindowAssignerTest#testWindowAssignment (5 s / 1 s at t=0 gives
// [-4 s, 1 s) .. [0, 5 s)).
TEST(Pipeline, HopIncludesWindowsStartingBeforeTheFirstEvent) {
    harness h(tables("INTERVAL '0' SECOND") +
              "INSERT INTO out SELECT k, window_start, window_end, COUNT(*) "
              "FROM TABLE(HOP(TABLE src, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '6' SECOND)) "
              "GROUP BY window_start, window_end, k;");
    h.row(0, {"a", 1, ts(1)}); // [-4,2) [-2,4) [0,6)
    h.row(0, {"a", 1, ts(5)}); // [0,6) [2,8) [4,10); watermark 5 s closes [-4,2) and [-2,4)
    EXPECT_EQ(h.take(), (strings{"+a,1969-12-31 23:59:56,00:00:02,1", "+a,1969-12-31 23:59:58,00:00:04,1"}));
    EXPECT_EQ(h.finish(), (strings{"+a,00:00:00,00:00:06,2", "+a,00:00:02,00:00:08,1", "+a,00:00:04,00:00:10,1"}));
}

// A late HOP row still counts in its windows that are open and names the closed ones.
// Flink: SlicingWindowAggOperatorTest#testEventTimeHoppingWindows (a row is dropped only
// when the last window it belongs to has fired).
TEST(Pipeline, HopLateRowMissesOnlyClosedWindows) {
    harness h(tables("INTERVAL '0' SECOND") +
              "INSERT INTO out SELECT k, window_start, window_end, COUNT(*) "
              "FROM TABLE(HOP(DATA => TABLE src, TIMECOL => DESCRIPTOR(ts), SLIDE => INTERVAL '2' SECOND, SIZE => INTERVAL '6' SECOND)) "
              "GROUP BY window_start, window_end, k;");
    h.row(0, {"a", 1, ts(10)}); // watermark 10 s
    EXPECT_EQ(h.row(0, {"a", 1, ts(5)}), (strings{"00:00:00-00:00:06", "00:00:02-00:00:08", "00:00:04-00:00:10"}));
    EXPECT_EQ(h.row(0, {"a", 1, ts(9)}), strings{"00:00:04-00:00:10"}); // counts in [6,12) and [8,14)
    EXPECT_EQ(h.take(), strings{});
    EXPECT_EQ(h.finish(), (strings{"+a,00:00:06,00:00:12,2", "+a,00:00:08,00:00:14,2", "+a,00:00:10,00:00:16,1"}));
}

// CUMULATE: windows [start, start + k*step) of one max-size epoch.
// Flink: CumulativeWindowAssignerTest#testWindowAssignment.
TEST(Pipeline, Cumulate) {
    harness h(tables("INTERVAL '0' SECOND") +
              "INSERT INTO out SELECT k, window_start, window_end, COUNT(*) "
              "FROM TABLE(CUMULATE(TABLE src, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '6' SECOND)) "
              "GROUP BY window_start, window_end, k;");
    h.row(0, {"a", 1, ts(1)}); // [0,2) [0,4) [0,6)
    h.row(0, {"a", 1, ts(3)}); // [0,4) [0,6)
    EXPECT_EQ(h.take(), (strings{"+a,00:00:00,00:00:02,1"})); // watermark 3 s closed [0,2)
    h.row(0, {"a", 1, ts(7)}); // [6,8) [6,10) [6,12); watermark 7 s
    EXPECT_EQ(h.take(), (strings{"+a,00:00:00,00:00:04,2", "+a,00:00:00,00:00:06,2"}));
    EXPECT_EQ(h.finish(), (strings{"+a,00:00:06,00:00:08,1", "+a,00:00:06,00:00:10,1", "+a,00:00:06,00:00:12,1"}));
}

// TUMBLE with an OFFSET shifts the window starts. Flink: TumblingWindowAssignerTest#testWindowAssignmentWithOffset.
TEST(Pipeline, TumbleWithOffset) {
    harness h(tables() +
              "INSERT INTO out SELECT k, window_start, window_end, COUNT(*) "
              "FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '1' SECOND)) "
              "GROUP BY window_start, window_end, k;");
    h.row(0, {"a", 1, ts(0.5)});
    h.row(0, {"a", 1, ts(1)});
    EXPECT_EQ(h.finish(), (strings{"+a,1969-12-31 23:59:56,00:00:01,1", "+a,00:00:01,00:00:06,1"}));
}

const char* session_sql =
    "INSERT INTO out SELECT k, window_start, window_end, COUNT(*) "
    "FROM TABLE(SESSION(TABLE src PARTITION BY k, DESCRIPTOR(ts), INTERVAL '5' SECOND)) "
    "GROUP BY window_start, window_end, k;";

// Sessions merge when their gaps touch; keys are separate.
// Flink: SessionWindowAssignerTest#testMergeConsecutiveWindows ([0,1) [1,2) [2,3) merge).
TEST(Pipeline, SessionsMergeWhenGapsTouch) {
    harness h(tables("INTERVAL '100' SECOND") + session_sql);
    h.row(0, {"a", 1, ts(0)});  // [0,5)
    h.row(0, {"a", 1, ts(10)}); // [10,15)
    EXPECT_EQ(h.p->open_windows(), 2u);
    h.row(0, {"a", 1, ts(5)});  // [5,10) touches both: [0,15)
    EXPECT_EQ(h.p->open_windows(), 1u);
    h.row(0, {"b", 1, ts(1)});  // [1,6)
    h.row(0, {"a", 1, ts(21)}); // [21,26): 15 < 21, a new session
    EXPECT_EQ(h.finish(), (strings{"+b,00:00:01,00:00:06,1", "+a,00:00:00,00:00:15,3", "+a,00:00:21,00:00:26,1"}));
}

// A session fires when the watermark reaches its end - 1; a row that would extend a closed
// session starts a new one unless its own window is closed too (then it is late).
TEST(Pipeline, SessionFiringAndLateness) {
    harness h(tables("INTERVAL '0' SECOND") + session_sql);
    h.row(0, {"a", 1, ts(0)});  // [0,5)
    h.row(0, {"a", 1, ts(3)});  // [0,8)
    h.row(0, {"a", 1, ts(20)}); // watermark 20 s: [0,8) fires
    EXPECT_EQ(h.take(), strings{"+a,00:00:00,00:00:08,2"});
    EXPECT_EQ(h.row(0, {"a", 1, ts(4)}), strings{"00:00:04-00:00:09"}); // [4,9) is closed: late
    EXPECT_TRUE(h.row(0, {"a", 1, ts(16)}).empty()); // [16,21) merges into open [20,25): [16,25)
    EXPECT_EQ(h.finish(), strings{"+a,00:00:16,00:00:25,2"});
}

// GRACE keeps a window open after window_end - 1 for rows that are late by the watermark,
// and delays its final result until then.
TEST(Pipeline, GraceAcceptsRowsAndDelaysTheFinalResult) {
    harness h(tables("INTERVAL '0' SECOND") +
              "INSERT INTO out SELECT k, window_start, window_end, COUNT(*) "
              "FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '5' SECOND, GRACE => INTERVAL '2' SECOND)) "
              "GROUP BY window_start, window_end, k;");
    h.row(0, {"a", 1, ts(1)});
    h.row(0, {"a", 1, ts(5.5)}); // watermark 5.5 s: without grace [0,5) would have fired
    EXPECT_EQ(h.take(), strings{});
    EXPECT_TRUE(h.row(0, {"a", 1, ts(3)}).empty()); // within grace: counted
    h.row(0, {"a", 1, ts(7)}); // watermark 7 s >= 4.999 s + 2 s
    EXPECT_EQ(h.take(), strings{"+a,00:00:00,00:00:05,2"});
    EXPECT_EQ(h.row(0, {"a", 1, ts(4)}), strings{"00:00:00-00:00:05"}); // past grace: late
    EXPECT_EQ(h.finish(), strings{"+a,00:00:05,00:00:10,2"});
}

const char* upsert_sink =
    "CREATE TABLE src (k STRING, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '0' SECOND) "
    "WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');\n"
    "CREATE TABLE out (k STRING, ws TIMESTAMP(3), we TIMESTAMP(3), c BIGINT, PRIMARY KEY (k, ws, we) NOT ENFORCED) "
    "WITH ('connector' = 'upsert-kafka', 'topic' = 'out', 'key.format' = 'json', 'value.format' = 'json');\n";

// EMIT CHANGES: every change is an upsert at once; a merged-away session is deleted.
TEST(Pipeline, EmitChangesSessionsWithDeletes) {
    harness h(std::string(upsert_sink) +
              "INSERT INTO out SELECT k, window_start, window_end, COUNT(*) "
              "FROM TABLE(SESSION(TABLE src PARTITION BY k, DESCRIPTOR(ts), INTERVAL '5' SECOND)) "
              "GROUP BY window_start, window_end, k EMIT CHANGES;");
    h.row(0, {"a", 1, ts(0)});
    EXPECT_EQ(h.take(), strings{"+a,00:00:00,00:00:05,1"});
    h.row(0, {"a", 1, ts(1)}); // [0,6): the old [0,5) goes
    EXPECT_EQ(h.take(), (strings{"-a,00:00:00,00:00:05,NULL", "+a,00:00:00,00:00:06,2"}));
    h.row(0, {"a", 1, ts(2)}); // [0,7)
    h.take();
    h.row(0, {"b", 1, ts(3)});
    EXPECT_EQ(h.take(), strings{"+b,00:00:03,00:00:08,1"});
    h.row(0, {"a", 1, ts(10)}); // watermark 10 s closes a's [0,7) and b's [3,8): no output at close
    EXPECT_EQ(h.take(), strings{"+a,00:00:10,00:00:15,1"});
    EXPECT_EQ(h.row(0, {"a", 1, ts(1)}), strings{"00:00:01-00:00:06"});
    EXPECT_EQ(h.finish(), strings{});
}

// EMIT CHANGES with GRACE over a TUMBLE: a row in the grace period updates the window.
TEST(Pipeline, EmitChangesTumbleWithGrace) {
    harness h(std::string(upsert_sink) +
              "INSERT INTO out SELECT k, window_start, window_end, COUNT(*) "
              "FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '5' SECOND, GRACE => INTERVAL '2' SECOND)) "
              "GROUP BY window_start, window_end, k EMIT CHANGES;");
    h.row(0, {"a", 1, ts(1)});
    h.row(0, {"a", 1, ts(6)});
    h.row(0, {"a", 1, ts(2)}); // watermark 6 s < 4.999 + 2: still open
    EXPECT_EQ(h.take(), (strings{"+a,00:00:00,00:00:05,1", "+a,00:00:05,00:00:10,1", "+a,00:00:00,00:00:05,2"}));
    h.row(0, {"a", 1, ts(8)});
    h.take();
    EXPECT_FALSE(h.row(0, {"a", 1, ts(3)}).empty());
}

// The job's watermark is the minimum over partitions: a fast partition does not make a slow
// one's rows late. Flink: WatermarkOutputMultiplexerTest#multipleImmediateWatermark.
TEST(Pipeline, MultiPartitionWatermarkIsTheMinimum) {
    harness h(tables("INTERVAL '0' SECOND") + tumble_count, {0, 1});
    h.row(0, {"a", 1, ts(1)});
    h.row(0, {"a", 1, ts(6)}); // p0 at 6 s, p1 has none: no watermark yet
    EXPECT_EQ(h.p->watermark(), no_watermark);
    EXPECT_TRUE(h.row(1, {"b", 1, ts(2)}).empty()); // not late: the job is at min(6, 2) = 2 s
    EXPECT_EQ(h.p->watermark(), 2000);
    EXPECT_EQ(h.take(), strings{});
    h.row(1, {"b", 1, ts(7)}); // min(6, 7) = 6 s: [0,5) fires
    EXPECT_EQ(h.take(), (strings{"+a,00:00:00,00:00:05,1", "+b,00:00:00,00:00:05,1"}));
    EXPECT_EQ(h.row(0, {"a", 1, ts(3)}), strings{"00:00:00-00:00:05"});
    EXPECT_EQ(h.finish(), (strings{"+a,00:00:05,00:00:10,1", "+b,00:00:05,00:00:10,1"}));
}

// Without an idle timeout a partition with no rows holds the watermark back for ever.
TEST(Pipeline, IdlePartitionWithoutTimeoutHoldsTheWatermark) {
    harness h(tables("INTERVAL '0' SECOND") + tumble_count, {0, 1});
    h.row(0, {"a", 1, ts(1)}, 0);
    h.row(0, {"a", 1, ts(12)}, 60'000);
    h.p->on_tick(120'000, h.out);
    EXPECT_EQ(h.p->watermark(), no_watermark);
    EXPECT_EQ(h.take(), strings{});
    EXPECT_TRUE(h.row(0, {"a", 1, ts(2)}, 130'000).empty()); // nothing is late
    EXPECT_EQ(h.finish(), (strings{"+a,00:00:00,00:00:05,2", "+a,00:00:10,00:00:15,1"}));
}

// With scan.watermark.idle-timeout, a partition silent for that long stops holding the
// watermark back until it has a row again; when all are idle the maximum wins; the watermark
// never goes back. Flink: WatermarkOutputMultiplexerTest#whenImmediateOutputBecomesIdleWatermarkAdvances,
// #whenAllImmediateOutputsBecomeIdleWatermarkAdvances, #combinedWatermarkDoesNotRegressWhenIdleOutputRegresses.
TEST(Pipeline, IdlePartitionWithTimeoutIsExcluded) {
    harness h(tables("INTERVAL '0' SECOND", ", 'scan.watermark.idle-timeout' = '1 s'") + tumble_count, {0, 1});
    h.row(0, {"a", 1, ts(1)}, 0);
    h.row(0, {"a", 1, ts(6)}, 500); // p1 silent for 500 ms only: still holds
    EXPECT_EQ(h.p->watermark(), no_watermark);
    h.p->on_tick(1600, h.out); // both partitions silent >= 1 s: all idle, the maximum (6 s)
    EXPECT_EQ(h.p->watermark(), 6000);
    EXPECT_EQ(h.take(), strings{"+a,00:00:00,00:00:05,1"});
    h.row(0, {"a", 1, ts(12)}, 1700); // p0 active, p1 idle: watermark = 12 s
    EXPECT_EQ(h.p->watermark(), 12000);
    EXPECT_EQ(h.take(), (strings{"+a,00:00:05,00:00:10,1"}));
    EXPECT_EQ(h.row(1, {"b", 1, ts(3)}, 1800), strings{"00:00:00-00:00:05"}); // p1 back, at 3 s: late
    EXPECT_EQ(h.p->watermark(), 12000); // never regresses
    h.row(1, {"b", 1, ts(20)}, 1900); // p0 (last row at 1700) still active: min(12, 20)
    EXPECT_EQ(h.p->watermark(), 12000);
    EXPECT_EQ(h.take(), strings{});
    h.p->on_tick(2800, h.out); // now p0 is idle and p1 is not
    EXPECT_EQ(h.p->watermark(), 20000);
    EXPECT_EQ(h.take(), (strings{"+a,00:00:10,00:00:15,1"}));
}

// A bounded partition that reached its end stops holding the watermark back (Flink releases
// a finished split's watermark output). Flink: WatermarkOutputMultiplexerTest#testRemoveUnblocksWatermarks.
TEST(Pipeline, FinishedPartitionIsReleased) {
    harness h(tables("INTERVAL '0' SECOND") + tumble_count, {0, 1});
    h.row(0, {"a", 1, ts(6)});
    h.p->finish_partition(1, 0, h.out);
    EXPECT_EQ(h.p->watermark(), 6000);
}

TEST(Pipeline, AggregatesWithFlinksResultTypes) {
    harness h(
        "CREATE TABLE src (k STRING, v BIGINT, d DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) "
        "WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');\n"
        "CREATE TABLE out (k STRING, n BIGINT, nv BIGINT, dist BIGINT, s BIGINT, mn BIGINT, mx BIGINT, av BIGINT, ad DOUBLE, wt TIMESTAMP(3)) "
        "WITH ('connector' = 'kafka', 'topic' = 'out', 'format' = 'json');\n"
        "INSERT INTO out SELECT UPPER(k), COUNT(*), COUNT(v), COUNT(DISTINCT v), SUM(v), MIN(v), MAX(v), AVG(v), AVG(d), window_time "
        "FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, k;");
    h.row(0, {"a", 1, 1.0, ts(1)});
    h.row(0, {"a", 2, 2.0, ts(2)});
    h.row(0, {"a", 2, 4.0, ts(3)});
    h.row(0, {"a", value(), value(), ts(4)});
    h.row(0, {"b", value(), value(), ts(4)});
    // AVG of BIGINT truncates (5 / 3 = 1), as Flink's does; SUM/MIN/MAX/AVG over only NULLs are NULL.
    EXPECT_EQ(h.finish(), (strings{"+A,4,3,2,5,1,2,1,2.3333333333333335,00:00:09.999", "+B,1,0,0,NULL,NULL,NULL,NULL,NULL,00:00:09.999"}));
}

TEST(Pipeline, HavingFiltersWindows) {
    harness h(tables("INTERVAL '0' SECOND") +
              "INSERT INTO out SELECT k, window_start, window_end, COUNT(*) AS c "
              "FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '5' SECOND)) "
              "GROUP BY window_start, window_end, k HAVING COUNT(*) > 1;");
    h.row(0, {"a", 1, ts(1)});
    h.row(0, {"a", 1, ts(2)});
    h.row(0, {"b", 1, ts(2)});
    EXPECT_EQ(h.finish(), strings{"+a,00:00:00,00:00:05,2"});
}

// With EMIT CHANGES, an update that fails HAVING deletes what an earlier update wrote.
TEST(Pipeline, EmitChangesHavingTakesBackRows) {
    harness h(std::string(upsert_sink) +
              "INSERT INTO out SELECT k, window_start, window_end, SUM(v) "
              "FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '5' SECOND)) "
              "GROUP BY window_start, window_end, k HAVING SUM(v) > 0 EMIT CHANGES;");
    h.row(0, {"a", 2, ts(1)});
    h.row(0, {"a", -5, ts(2)});
    h.row(0, {"a", 4, ts(3)});
    EXPECT_EQ(h.take(), (strings{"+a,00:00:00,00:00:05,2", "-a,00:00:00,00:00:05,-3", "+a,00:00:00,00:00:05,1"}));
}

// A window TVF without aggregation: each row once per window, at once (no watermark wait),
// with the window columns after the source's; a late row is not dropped.
// Flink: AlignedWindowTableFunctionOperatorTest#testHopWindows.
TEST(Pipeline, WindowTvfWithoutAggregation) {
    harness h(
        "CREATE TABLE src (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) "
        "WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');\n"
        "CREATE TABLE out (k STRING, ts TIMESTAMP(3), ws TIMESTAMP(3), we TIMESTAMP(3), wt TIMESTAMP(3)) "
        "WITH ('connector' = 'kafka', 'topic' = 'out', 'format' = 'json');\n"
        "INSERT INTO out SELECT * FROM TABLE(HOP(TABLE src, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '4' SECOND)) "
        "WHERE window_start >= CAST('1970-01-01 00:00:00' AS TIMESTAMP(3));");
    h.row(0, {"a", ts(3)}); // [0,4) [2,6)
    h.row(0, {"b", ts(1)}); // [-2,2) is filtered out by WHERE, [0,4) passes
    EXPECT_EQ(h.take(), (strings{"+a,00:00:03,00:00:02,00:00:06,00:00:05.999", "+a,00:00:03,00:00:00,00:00:04,00:00:03.999",
                                 "+b,00:00:01,00:00:00,00:00:04,00:00:03.999"}));
    h.row(0, {"c", ts(10)});
    h.take();
    EXPECT_TRUE(h.row(0, {"d", ts(2.5)}).empty()); // behind the watermark: still written
    EXPECT_EQ(h.take(), (strings{"+d,00:00:02.500,00:00:02,00:00:06,00:00:05.999", "+d,00:00:02.500,00:00:00,00:00:04,00:00:03.999"}));
    EXPECT_EQ(h.finish(), strings{});
}

TEST(Pipeline, StatelessProjectionWithWhere) {
    harness h(
        "CREATE TABLE src (k STRING, v BIGINT, ts TIMESTAMP(3)) WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');\n"
        "CREATE TABLE out (a STRING, b BIGINT, c STRING, d STRING) WITH ('connector' = 'kafka', 'topic' = 'out', 'format' = 'json');\n"
        "INSERT INTO out SELECT UPPER(k) || '!', v * 2, CASE WHEN v > 1 THEN 'big' ELSE 'small' END, DATE_FORMAT(ts, 'HH:mm') "
        "FROM src WHERE v <> 3 AND k LIKE 'a%';");
    h.row(0, {"ab", 1, ts(61)});
    h.row(0, {"ax", 3, ts(1)});
    h.row(0, {"b", 5, ts(1)});
    h.row(0, {"ac", 7, ts(3600)});
    EXPECT_EQ(h.take(), (strings{"+AB!,2,small,00:01", "+AC!,14,big,01:00"}));
    EXPECT_EQ(h.p->stats().filtered_out, 2);
}

TEST(Pipeline, SelectStarCopiesEveryColumn) {
    harness h(
        "CREATE TABLE src (k STRING, v BIGINT, twice AS v * 2) WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');\n"
        "CREATE TABLE out (a STRING, b BIGINT, c BIGINT) WITH ('connector' = 'kafka', 'topic' = 'out', 'format' = 'json');\n"
        "INSERT INTO out SELECT * FROM src WHERE v > 1;");
    h.row(0, {"x", 1});
    h.row(0, {"y", 4});
    EXPECT_EQ(h.take(), strings{"+y,4,8"});
}

TEST(Pipeline, ComputedRowtimeFromEpochMillis) {
    harness h(
        "CREATE TABLE src (k STRING, ms BIGINT, ts AS TO_TIMESTAMP_LTZ(ms, 3), WATERMARK FOR ts AS ts - INTERVAL '0' SECOND) "
        "WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');\n"
        "CREATE TABLE out (k STRING, ws TIMESTAMP(3), we TIMESTAMP(3), c BIGINT) WITH ('connector' = 'kafka', 'topic' = 'out', 'format' = 'json');\n" +
        std::string(tumble_count));
    h.row(0, {"a", int64_t(1000)});
    h.row(0, {"a", int64_t(7000)});
    EXPECT_EQ(h.take(), strings{"+a,00:00:00,00:00:05,1"});
}

} // namespace
} // namespace brook::stream::test
