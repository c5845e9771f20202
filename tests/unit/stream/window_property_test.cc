// The window operator against a brute-force reading of the definitions, over random streams:
// windows enumerated naively (every start = offset + k * slide with start <= ts < start + size,
// CUMULATE's prefixes of size-aligned epochs), a row counting in exactly the windows whose
// close (end - 1 + grace) its arrival watermark had not reached, and every result emitted at the
// first watermark that reaches its window's close.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "stream/window_operator.h"

namespace brook::stream {
namespace {

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::vector<window> naive_windows(const window_spec& s, int64_t ts) {
    std::vector<window> out;
    if (s.kind == window_kind::cumulate) {
        int64_t k = floor_div(ts - s.offset, s.size);
        int64_t start = s.offset + k * s.size;
        for (int64_t end = start + s.slide; end <= start + s.size; end += s.slide)
            if (ts < end) out.push_back({start, end});
        return out;
    }
    const int64_t slide = s.kind == window_kind::tumble ? s.size : s.slide;
    for (int64_t k = floor_div(ts - s.size - s.offset, slide) - 1; k <= floor_div(ts - s.offset, slide) + 1; ++k) {
        int64_t start = s.offset + k * slide;
        if (start <= ts && ts < start + s.size) out.push_back({start, start + s.size});
    }
    return out;
}

using pane_key = std::tuple<int64_t, int64_t, std::string>; // end, start, key

class Property : public ::testing::TestWithParam<window_spec> {};

TEST_P(Property, MatchesTheDefinitions) {
    const window_spec spec = GetParam();
    for (unsigned seed = 1; seed <= 20; ++seed) {
        std::mt19937 rnd(seed);
        window_operator op(spec, {{agg_fn::count_star}}, false);
        std::map<pane_key, int64_t> expect;       // rows counted per pane
        std::set<std::pair<int, pane_key>> late;  // (row, pane) missed
        std::map<pane_key, int64_t> got;
        int64_t wm = no_watermark, max_ts = no_watermark;
        std::vector<window_result> out;
        std::vector<window> missed;
        for (int i = 0; i < 300; ++i) {
            const int64_t ts = int64_t(i) * 37 - int64_t(rnd() % 900) - 2000; // disorder, times before 0
            const std::string key = "k" + std::to_string(rnd() % 3);
            out.clear();
            op.process(ts, {key}, {}, out, missed);
            std::set<pane_key> missed_here;
            for (const auto& w : missed) missed_here.insert({w.end, w.start, key});
            for (const auto& w : naive_windows(spec, ts)) {
                const pane_key pk{w.end, w.start, key};
                const bool closed = wm != no_watermark && w.end - 1 + spec.grace <= wm;
                if (closed) {
                    ASSERT_TRUE(missed_here.count(pk)) << "seed " << seed << " row " << i << " should miss [" << w.start << "," << w.end << ")";
                    late.insert({i, pk});
                } else {
                    ++expect[pk];
                }
            }
            size_t naive_missed = 0;
            for (const auto& [r, pk] : late) naive_missed += r == i;
            ASSERT_EQ(missed_here.size(), naive_missed) << "seed " << seed << " row " << i;
            max_ts = std::max(max_ts, ts);
            const int64_t before = wm;
            wm = std::max(wm, max_ts - 400); // watermark 400 ms behind
            out.clear();
            op.advance(wm, out);
            for (const auto& r : out) {
                const int64_t close = r.w.end - 1 + spec.grace;
                ASSERT_TRUE(close <= wm && (before == no_watermark || close > before)) << "emitted at the wrong watermark";
                got[{r.w.end, r.w.start, std::get<std::string>(r.keys[0])}] = std::get<int64_t>(r.aggs[0]);
            }
        }
        out.clear();
        op.advance(end_of_time, out);
        for (const auto& r : out) got[{r.w.end, r.w.start, std::get<std::string>(r.keys[0])}] = std::get<int64_t>(r.aggs[0]);
        EXPECT_EQ(got, expect) << "seed " << seed;
        EXPECT_EQ(op.open_windows(), 0u);
    }
}

INSTANTIATE_TEST_SUITE_P(Kinds, Property, ::testing::Values(
    window_spec{window_kind::tumble, 500},
    window_spec{window_kind::tumble, 500, 0, 0, 120},
    window_spec{window_kind::tumble, 500, 0, 0, 0, 300},
    window_spec{window_kind::hop, 600, 200},
    window_spec{window_kind::hop, 600, 200, 0, -50, 150},
    window_spec{window_kind::cumulate, 600, 150},
    window_spec{window_kind::cumulate, 600, 150, 0, 70, 100}));

} // namespace
} // namespace brook::stream

namespace brook::stream {
namespace {

// Sessions built from rows in any arrival order equal the merge of their [ts, ts + gap) per key
// computed on the sorted rows (touching windows join); with EMIT CHANGES, applying the upserts
// and deletes in order leaves exactly those sessions.
TEST(SessionProperty, AnyArrivalOrderGivesTheSortedMerge) {
    const int64_t gap = 100;
    for (unsigned seed = 1; seed <= 30; ++seed) {
        std::mt19937 rnd(seed);
        std::vector<std::pair<std::string, int64_t>> rows;
        for (int i = 0; i < 200; ++i) rows.push_back({"k" + std::to_string(rnd() % 3), int64_t(rnd() % 5000) - 1000});
        // The definition: sorted per key, a row joins the current session when ts <= its end.
        std::map<std::pair<std::string, int64_t>, std::pair<int64_t, int64_t>> expect; // (key, start) -> (end, count)
        auto sorted = rows;
        std::sort(sorted.begin(), sorted.end());
        for (size_t i = 0; i < sorted.size();) {
            const auto& key = sorted[i].first;
            int64_t start = sorted[i].second, end = start + gap, n = 0;
            while (i < sorted.size() && sorted[i].first == key && sorted[i].second <= end) {
                end = std::max(end, sorted[i].second + gap);
                ++n;
                ++i;
            }
            expect[{key, start}] = {end, n};
        }
        for (bool changes : {false, true}) {
            window_operator op({window_kind::session, 0, 0, gap}, {{agg_fn::count_star}}, changes);
            std::vector<window_result> out;
            std::vector<window> missed;
            for (const auto& [k, ts] : rows) { // arrival order: random, no watermark yet
                op.process(ts, {k}, {}, out, missed);
                ASSERT_TRUE(missed.empty());
            }
            op.advance(end_of_time, out);
            std::map<std::pair<std::string, int64_t>, std::pair<int64_t, int64_t>> got;
            for (const auto& r : out) {
                std::pair<std::string, int64_t> id{std::get<std::string>(r.keys[0]), r.w.start};
                if (r.is_delete) got.erase(id);
                else got[id] = {r.w.end, std::get<int64_t>(r.aggs[0])};
            }
            EXPECT_EQ(got, expect) << "seed " << seed << (changes ? " (EMIT CHANGES)" : "");
        }
    }
}

} // namespace
} // namespace brook::stream
