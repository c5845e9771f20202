// Checkpoints: a window operator restored from its drained changes continues exactly as one
// that never stopped, and the RocksDB store gives back what it was given.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "stream/state_store.h"
#include "stream/window_operator.h"

namespace brook::stream {
namespace {

std::vector<agg_call> aggs() {
    return {{agg_fn::count_star}, {agg_fn::count_distinct, 0, type_id::bigint}, {agg_fn::sum, 0, type_id::bigint},
            {agg_fn::min, 0, type_id::bigint}, {agg_fn::avg, 1, type_id::double_}};
}

std::string text(const std::vector<window_result>& rs) {
    std::string s;
    for (const auto& r : rs) {
        s += r.is_delete ? "-" : "+";
        s += std::to_string(r.w.start) + "," + std::to_string(r.w.end);
        for (const auto& k : r.keys) s += "," + to_text(k);
        for (const auto& a : r.aggs) s += "," + to_text(a);
        s += "\n";
    }
    return s;
}

struct event {
    int64_t ts;
    std::string key;
    int64_t v;
};

std::vector<event> events() {
    std::mt19937 rnd(11);
    std::vector<event> out;
    for (int i = 0; i < 400; ++i)
        out.push_back({int64_t(i) * 50 - int64_t(rnd() % 700), "k" + std::to_string(rnd() % 5), int64_t(rnd() % 7)});
    return out;
}

// Runs events through op from..to, advancing the watermark to max(ts) - 300 after each row.
void run(window_operator& op, const std::vector<event>& evs, size_t from, size_t to, std::vector<window_result>& out, int64_t& max_ts) {
    std::vector<window> missed;
    for (size_t i = from; i < to; ++i) {
        std::vector<value> args{evs[i].v, double(evs[i].v) / 2};
        op.process(evs[i].ts, {evs[i].key}, args, out, missed);
        max_ts = std::max(max_ts, evs[i].ts);
        op.advance(max_ts - 300, out);
    }
}

class Checkpoint : public ::testing::TestWithParam<std::pair<window_spec, bool>> {};

TEST_P(Checkpoint, RestoredOperatorContinuesExactly) {
    auto [spec, changes] = GetParam();
    auto evs = events();
    window_operator whole(spec, aggs(), changes);
    std::vector<window_result> a, a_tail;
    int64_t ma = no_watermark;
    run(whole, evs, 0, 250, a, ma);
    run(whole, evs, 250, evs.size(), a_tail, ma);
    whole.advance(end_of_time, a_tail);

    // The same rows with two incremental checkpoints (drains) into a "store", then a restore.
    std::map<std::string, std::string> store;
    auto drain = [&](window_operator& op) {
        op.drain_changes([&](const std::string& k, const std::string* v) {
            if (v) store[k] = *v;
            else store.erase(k);
        });
    };
    window_operator first(spec, aggs(), changes);
    first.track_changes(true);
    std::vector<window_result> b;
    int64_t mb = no_watermark;
    run(first, evs, 0, 120, b, mb);
    drain(first);
    run(first, evs, 120, 250, b, mb);
    drain(first);
    EXPECT_EQ(text(a), text(b));

    window_operator restored(spec, aggs(), changes);
    for (const auto& [k, v] : store) ASSERT_TRUE(restored.restore(k, v));
    restored.restore_watermark(first.watermark());
    EXPECT_EQ(restored.open_windows(), first.open_windows());
    std::vector<window_result> b_tail;
    run(restored, evs, 250, evs.size(), b_tail, mb);
    restored.advance(end_of_time, b_tail);
    EXPECT_EQ(text(a_tail), text(b_tail));
    EXPECT_FALSE(text(b_tail).empty());
}

INSTANTIATE_TEST_SUITE_P(Kinds, Checkpoint, ::testing::Values(
    std::make_pair(window_spec{window_kind::tumble, 1000}, false),
    std::make_pair(window_spec{window_kind::hop, 1000, 250}, false),
    std::make_pair(window_spec{window_kind::cumulate, 1000, 250}, false),
    std::make_pair(window_spec{window_kind::session, 0, 0, 120}, false),
    std::make_pair(window_spec{window_kind::session, 0, 0, 120, 0, 200}, true),
    std::make_pair(window_spec{window_kind::tumble, 1000, 0, 0, 0, 500}, true)));

TEST(StateStore, RoundTripAndCorruption) {
    auto dir = std::filesystem::temp_directory_path() / ("brook-state-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::string err;
    {
        auto s = state_store::open(dir.string(), err);
        ASSERT_TRUE(s) << err;
        checkpoint_meta m;
        EXPECT_EQ(s->load(m, [](auto, auto) { return true; }), std::nullopt);
        EXPECT_FALSE(m.present);
        s->put("Apane1", "x");
        s->put("Spane2", "y");
        m.job = "job A";
        m.next_offsets = {{0, 17}, {1, 4}};
        m.partition_watermarks = {{0, 1000}, {1, no_watermark}};
        m.watermark = 1000;
        ASSERT_EQ(s->commit(m), std::nullopt);
        s->erase("Apane1");
        ASSERT_EQ(s->commit(m), std::nullopt);
    }
    {
        auto s = state_store::open(dir.string(), err);
        ASSERT_TRUE(s) << err;
        checkpoint_meta m;
        std::map<std::string, std::string> panes;
        EXPECT_EQ(s->load(m, [&](std::string_view k, std::string_view v) { panes[std::string(k)] = std::string(v); return true; }), std::nullopt);
        EXPECT_TRUE(m.present);
        EXPECT_EQ(m.job, "job A");
        EXPECT_EQ(m.next_offsets, (std::map<int32_t, int64_t>{{0, 17}, {1, 4}}));
        EXPECT_EQ(m.partition_watermarks, (std::map<int32_t, int64_t>{{0, 1000}, {1, no_watermark}}));
        EXPECT_EQ(m.watermark, 1000);
        EXPECT_EQ(panes, (std::map<std::string, std::string>{{"Spane2", "y"}}));
        EXPECT_EQ(s->load(m, [](auto, auto) { return false; }), "state store: a window pane does not decode (state of another version?)");
    }
    window_operator op({window_kind::tumble, 1000}, aggs(), false);
    EXPECT_FALSE(op.restore("A", "junk"));
    EXPECT_FALSE(op.restore("Z123456781234567", ""));
    std::filesystem::remove_all(dir);
}

// The exactly-once protocol's crash windows (README.md): a checkpoint staged but not applied is
// rolled forward when Kafka committed its transaction and back when it did not; a store that
// disagrees with the group's committed transaction is refused.
TEST(StateStore, StagedCheckpointReconciles) {
    auto dir = std::filesystem::temp_directory_path() / ("brook-state-eos-" + std::to_string(::getpid()));
    auto panes_after = [&](int64_t committed, std::map<std::string, std::string>& panes, checkpoint_meta& m) {
        std::string err;
        auto s = state_store::open(dir.string(), err);
        EXPECT_TRUE(s) << err;
        if (auto e = s->reconcile(committed)) return *e;
        panes.clear();
        m = {};
        auto e = s->load(m, [&](std::string_view k, std::string_view v) { panes[std::string(k)] = std::string(v); return true; });
        return e.value_or("");
    };
    auto stage_two = [&](bool apply_second) {
        std::filesystem::remove_all(dir);
        std::string err;
        auto s = state_store::open(dir.string(), err);
        ASSERT_TRUE(s) << err;
        checkpoint_meta m;
        m.job = "job";
        m.next_offsets = {{0, 10}};
        m.txn_seq = 1;
        s->put("Apane", "one");
        ASSERT_EQ(s->stage(m), std::nullopt);
        ASSERT_EQ(s->apply_staged(), std::nullopt);
        m.next_offsets = {{0, 20}};
        m.txn_seq = 2;
        s->put("Apane", "two");
        ASSERT_EQ(s->stage(m), std::nullopt);
        if (apply_second) ASSERT_EQ(s->apply_staged(), std::nullopt);
    };
    std::map<std::string, std::string> panes;
    checkpoint_meta m;

    stage_two(false); // died before Kafka committed transaction 2: back to 1
    EXPECT_EQ(panes_after(1, panes, m), "");
    EXPECT_EQ(m.txn_seq, 1);
    EXPECT_EQ(m.next_offsets, (std::map<int32_t, int64_t>{{0, 10}}));
    EXPECT_EQ(panes, (std::map<std::string, std::string>{{"Apane", "one"}}));

    stage_two(false); // died after Kafka committed 2, before applying it: forward to 2
    EXPECT_EQ(panes_after(2, panes, m), "");
    EXPECT_EQ(m.txn_seq, 2);
    EXPECT_EQ(m.next_offsets, (std::map<int32_t, int64_t>{{0, 20}}));
    EXPECT_EQ(panes, (std::map<std::string, std::string>{{"Apane", "two"}}));
    EXPECT_EQ(panes_after(2, panes, m), ""); // reconciling again changes nothing
    EXPECT_EQ(panes, (std::map<std::string, std::string>{{"Apane", "two"}}));

    stage_two(true); // applied: the group must have committed 2
    EXPECT_EQ(panes_after(1, panes, m),
              "the state directory holds transaction 2 but the group committed transaction 1 (state from another run or group?); "
              "use a new --state-dir and group, or reset the group");
    EXPECT_EQ(panes_after(2, panes, m), "");
    EXPECT_EQ(panes, (std::map<std::string, std::string>{{"Apane", "two"}}));

    stage_two(false); // without reconcile, load refuses a staged checkpoint
    {
        std::string err;
        auto s = state_store::open(dir.string(), err);
        ASSERT_TRUE(s) << err;
        EXPECT_EQ(s->load(m, [](auto, auto) { return true; }), "state store: a staged checkpoint was not reconciled");
    }
    std::filesystem::remove_all(dir);
}

} // namespace
} // namespace brook::stream
