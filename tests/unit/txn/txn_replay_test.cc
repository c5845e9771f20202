// Load: replaying the log (or the latest record per key of it) rebuilds the same state; load_complete asks for
// the markers of transactions caught in PrepareCommit/PrepareAbort.
#include "test_util.h"

namespace brook::txn::testing {
namespace {

// Every transactional id a coordinator holds (ListTransactions, no filter).
std::vector<std::string> all_ids(const txn_coordinator& c) {
    std::vector<std::string> out;
    for (const auto& s : c.list_transactions({1}, {}, timestamp_ms(0)).TransactionStates)
        out.push_back(s.TransactionalId);
    return out;
}

// Everything a record carries, per transactional id (last_pid/last_epoch are memory only).
void expect_same_state(const txn_coordinator& a, const txn_coordinator& b) {
    ASSERT_EQ(a.size(), b.size());
    ASSERT_EQ(all_ids(a), all_ids(b));
    for (const auto& id : all_ids(a)) {
        const txn_metadata* x = a.find(id);
        const txn_metadata* y = b.find(id);
        ASSERT_TRUE(x && y) << id;
        EXPECT_EQ(x->pid, y->pid) << id;
        EXPECT_EQ(x->epoch, y->epoch) << id;
        EXPECT_EQ(x->status, y->status) << id;
        EXPECT_EQ(x->partitions, y->partitions) << id;
        EXPECT_EQ(x->timeout_ms, y->timeout_ms) << id;
        EXPECT_EQ(x->start_ms, y->start_ms) << id;
        EXPECT_EQ(x->last_update_ms, y->last_update_ms) << id;
    }
}

// A log with one id in every interesting state, and one id deleted by expiry.
harness busy_history() {
    txn_config cfg;
    cfg.transactional_id_expiration_ms = 50000;
    harness h(cfg);
    h.init("gone");
    h.now += 1000;
    h.init("empty");
    auto ongoing = h.init("ongoing");
    h.add("ongoing", ongoing.ProducerId, 0, {{"t", {0, 1}}});
    h.add_offsets("ongoing", ongoing.ProducerId, 0, "g");
    auto committed = h.init("committed");
    h.add("committed", committed.ProducerId, 0, {{"t", {2}}});
    h.end("committed", committed.ProducerId, 0, true);
    h.write_markers();
    auto preparing = h.init("preparing");
    h.add("preparing", preparing.ProducerId, 0, {{"u", {0}}});
    h.now += 49'500;
    h.absorb(h.c.tick(h.t())); // "gone" expires (tombstone); nothing else is due
    h.end("preparing", preparing.ProducerId, 0, true);
    auto aborting = h.init("aborting");
    h.add("aborting", aborting.ProducerId, 0, {{"u", {1}}});
    h.init("aborting"); // fenced: PrepareAbort under epoch 1
    return h;
}

TEST(TxnReplay, ReplayingTheLogRebuildsTheState) {
    harness h = busy_history();
    ASSERT_EQ(h.c.find("gone"), nullptr);
    ASSERT_EQ(h.c.find("preparing")->status, txn_status::prepare_commit);
    ASSERT_EQ(h.c.find("aborting")->status, txn_status::prepare_abort);
    ASSERT_EQ(h.c.find("committed")->status, txn_status::complete_commit);

    auto loaded = harness::replayed(h.log, h.c.config());
    expect_same_state(h.c, loaded);
    EXPECT_EQ(loaded.find("gone"), nullptr);
    EXPECT_TRUE(loaded.in_transaction(producer_id(h.c.find("ongoing")->pid), producer_epoch(0), "__consumer_offsets", 0));
    EXPECT_EQ(loaded.next_deadline(), h.c.next_deadline());
}

TEST(TxnReplay, LoadCompleteResendsMarkersOfPreparedTransactions) {
    harness h = busy_history();
    auto loaded = harness::replayed(h.log, h.c.config());
    auto fx = loaded.load_complete(h.t());
    EXPECT_TRUE(fx.records.empty());
    // The jobs the live coordinator handed out and never saw completed, in id order.
    ASSERT_EQ(h.jobs.size(), 2u);
    std::vector<marker_job> want = {h.jobs[1], h.jobs[0]}; // "aborting" < "preparing"
    ASSERT_EQ(fx.markers, want);
    EXPECT_EQ(fx.markers[0].epoch, producer_epoch(1));

    // Completing them on the loaded coordinator finishes both transactions.
    for (const auto& j : fx.markers) {
        auto done = loaded.markers_written(j.transactional_id, j.pid, j.epoch, h.t());
        EXPECT_EQ(done.records.size(), 1u);
    }
    EXPECT_EQ(loaded.find("preparing")->status, txn_status::complete_commit);
    EXPECT_EQ(loaded.find("aborting")->status, txn_status::complete_abort);
    EXPECT_TRUE(loaded.load_complete(h.t()).markers.empty());
}

// The latest record per key alone (what the log cleaner keeps) rebuilds the same state.
// (tests/unit/coord/clean_replay_txn_test.cc runs the real cleaner, horizons included.)
TEST(TxnReplay, LatestRecordPerKeyRebuildsTheState) {
    harness h = busy_history();
    std::vector<coord::log_record> latest;
    for (const auto& r : h.log) {
        std::erase_if(latest, [&](const coord::log_record& x) { return x.key == r.key; });
        latest.push_back(r);
    }
    EXPECT_LT(latest.size(), h.log.size());
    auto loaded = harness::replayed(latest, h.c.config());
    expect_same_state(h.c, loaded);
    EXPECT_EQ(loaded.load_complete(h.t()).markers.size(), 2u);
}

TEST(TxnReplay, LaterRecordsWinAndTombstonesDelete) {
    harness h;
    h.init("tx");
    h.init("tx");
    auto loaded = harness::replayed(h.log);
    EXPECT_EQ(loaded.find("tx")->epoch, producer_epoch(1));
    auto tomb = txn_log_tombstone("tx");
    EXPECT_EQ(loaded.replay(tomb.key, std::nullopt), error_code::none);
    EXPECT_EQ(loaded.find("tx"), nullptr);
    EXPECT_FALSE(loaded.next_deadline().has_value());
}

TEST(TxnReplay, BadRecordsAreRejectedAndOthersSkipped) {
    harness h;
    h.init("tx");
    auto loaded = harness::replayed(h.log);
    auto rec = txn_log_record("tx", h.last().value.value());
    std::vector<uint8_t> truncated(rec.value->begin(), rec.value->end() - 1);
    EXPECT_EQ(loaded.replay(rec.key, std::span<const uint8_t>(truncated)), error_code::corrupt_message);
    EXPECT_EQ(loaded.find("tx")->epoch, producer_epoch(0)); // unchanged
    const std::vector<uint8_t> other_key = {0, 5, 1, 2};
    EXPECT_EQ(loaded.replay(other_key, std::nullopt), error_code::none);
    EXPECT_EQ(loaded.size(), 1u);
}

} // namespace
} // namespace brook::txn::testing
