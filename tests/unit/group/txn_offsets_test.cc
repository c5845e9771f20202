// Transactional offset commits: pending under the producer until its marker, RequireStable,
// ordering against plain commits, replay of transactional batches + markers, and
// TxnOffsetCommit's validation.
#include <algorithm>

#include "test_util.h"

namespace brook::group::testing {
namespace {

// A fake __consumer_offsets partition that remembers batches: each entry is a record with the
// batch it came in, or a marker.
struct entry {
    coord::batch_context batch;
    std::optional<log_record> record; // nullopt: a control batch (marker)
    bool commit{false};
};

struct txn_harness : harness {
    using harness::harness;
    std::vector<entry> partition;
    int64_t next_offset{0};
    size_t absorbed{0};

    // Records the harness itself absorbed (joins, syncs, ticks) go in first, as plain batches.
    void flush() {
        for (; absorbed < log.size(); ++absorbed) partition.push_back({{offset(next_offset++)}, log[absorbed]});
    }
    void append(const effects& fx) {
        flush();
        coord::batch_context b;
        b.base = offset(next_offset);
        if (fx.owner) {
            b.pid = fx.owner->pid;
            b.epoch = fx.owner->epoch;
            b.transactional = true;
        }
        for (const auto& r : fx.records) partition.push_back({b, r});
        next_offset += static_cast<int64_t>(fx.records.size());
    }
    size_t txn_records() const {
        return std::count_if(partition.begin(), partition.end(),
                             [](const entry& e) { return e.record && e.batch.transactional; });
    }
    void marker(int64_t pid, bool commit) {
        flush();
        coord::batch_context b{offset(next_offset++), producer_id(pid), producer_epoch(0), true, true};
        partition.push_back({b, std::nullopt, commit});
    }

    std::vector<int16_t> txn(const TxnOffsetCommitRequest& req, int16_t version = 3,
                             error_code producer = error_code::none) {
        auto r = c.txn_offset_commit(ctx(version), req, t(), producer);
        EXPECT_EQ(r.fx.owner.has_value(), !r.fx.records.empty());
        if (r.fx.owner) {
            EXPECT_EQ(r.fx.owner->pid, producer_id(req.ProducerId));
            EXPECT_EQ(r.fx.owner->epoch, producer_epoch(req.ProducerEpoch));
        }
        append(r.fx);
        std::vector<int16_t> out;
        for (const auto& tp : r.response->Topics)
            for (const auto& p : tp.Partitions) out.push_back(p.ErrorCode);
        return out;
    }
    void plain(const std::string& group, const std::string& topic, int32_t partition_index, int64_t off,
               int32_t generation = -1, const std::string& member = "") {
        OffsetCommitRequest r;
        r.GroupId = group;
        r.GenerationIdOrMemberEpoch = generation;
        r.MemberId = member;
        auto& rt = r.Topics.emplace_back();
        rt.Name = topic;
        auto& p = rt.Partitions.emplace_back();
        p.PartitionIndex = partition_index;
        p.CommittedOffset = off;
        auto out = c.offset_commit(ctx(8), r, t());
        EXPECT_FALSE(out.fx.owner);
        append(out.fx);
    }
    void complete(int64_t pid, bool commit) {
        marker(pid, commit); // the runtime writes the marker first, then tells the coordinator
        EXPECT_TRUE(c.complete_txn(producer_id(pid), commit, t()).empty());
    }

    // {offset, error} of one partition through OffsetFetch v8 (one group) or v7.
    std::pair<int64_t, int16_t> fetch(const std::string& group, const std::string& topic, int32_t p,
                                      bool require_stable = false, int16_t version = 8) {
        OffsetFetchRequest f;
        f.RequireStable = require_stable;
        if (version >= 8) {
            auto& g = f.Groups.emplace_back();
            g.GroupId = group;
            g.Topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopics>{{topic, {p}, {}}};
            auto r = c.offset_fetch(ctx(version), f);
            EXPECT_EQ(r.Groups.at(0).ErrorCode, 0);
            const auto& rp = r.Groups.at(0).Topics.at(0).Partitions.at(0);
            return {rp.CommittedOffset, rp.ErrorCode};
        }
        f.GroupId = group;
        f.Topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{topic, {p}, {}}};
        auto r = c.offset_fetch(ctx(version), f);
        EXPECT_EQ(r.ErrorCode, 0);
        const auto& rp = r.Topics.at(0).Partitions.at(0);
        return {rp.CommittedOffset, rp.ErrorCode};
    }
};

TxnOffsetCommitRequest txn_req(std::string group, int64_t pid,
                               std::vector<std::tuple<std::string, int32_t, int64_t>> offsets, int32_t generation = -1,
                               std::string member = "", std::optional<std::string> instance = std::nullopt) {
    TxnOffsetCommitRequest r;
    r.TransactionalId = "tx";
    r.GroupId = std::move(group);
    r.ProducerId = pid;
    r.ProducerEpoch = 2;
    r.GenerationId = generation;
    r.MemberId = std::move(member);
    r.GroupInstanceId = std::move(instance);
    for (auto& [t, p, o] : offsets) {
        if (r.Topics.empty() || r.Topics.back().Name != t) r.Topics.emplace_back().Name = t;
        auto& rp = r.Topics.back().Partitions.emplace_back();
        rp.PartitionIndex = p;
        rp.CommittedOffset = o;
        rp.CommittedLeaderEpoch = 4;
        rp.CommittedMetadata = "tm";
    }
    return r;
}

void replay_partition(group_coordinator& c, const std::vector<entry>& partition, size_t upto = SIZE_MAX) {
    for (size_t i = 0; i < partition.size() && i < upto; ++i) {
        const auto& e = partition[i];
        if (!e.record) {
            c.replay_marker(e.batch, e.commit);
            continue;
        }
        std::optional<std::span<const uint8_t>> v;
        if (e.record->value) v = std::span<const uint8_t>(*e.record->value);
        ASSERT_EQ(c.replay(e.batch, e.record->key, v), error_code::none);
    }
}

constexpr int16_t unstable = static_cast<int16_t>(error_code::unstable_offset_commit);

TEST(TxnOffsets, InvisibleUntilCommitThenVisibleWithTheirCommitTime) {
    txn_harness h;
    const std::string a = h.stable_single("g");
    h.plain("g", "t", 0, 5, 1, a);
    h.flush();
    h.partition.clear();
    const int64_t committed_at = h.now;
    EXPECT_EQ(h.txn(txn_req("g", 7, {{"t", 0, 10}, {"t", 1, 20}}, 1, a)), (std::vector<int16_t>{0, 0}));
    ASSERT_EQ(h.partition.size(), 2u);
    EXPECT_TRUE(h.partition[0].batch.transactional && h.partition[1].batch.transactional);
    EXPECT_EQ(h.partition[0].batch.base, h.partition[1].batch.base); // one batch
    EXPECT_EQ(h.fetch("g", "t", 0), (std::pair<int64_t, int16_t>{5, 0}));
    EXPECT_EQ(h.fetch("g", "t", 1), (std::pair<int64_t, int16_t>{-1, 0}));
    EXPECT_TRUE(h.c.has_pending_transactions());

    h.now += 500;
    h.complete(7, true);
    EXPECT_EQ(h.fetch("g", "t", 0), (std::pair<int64_t, int16_t>{10, 0}));
    EXPECT_EQ(h.fetch("g", "t", 1), (std::pair<int64_t, int16_t>{20, 0}));
    const auto& c = h.c.find("g")->offsets.at({"t", 1});
    EXPECT_EQ(c.commit_timestamp_ms, committed_at);
    EXPECT_EQ(c.leader_epoch, 4);
    EXPECT_EQ(c.metadata, "tm");
    EXPECT_FALSE(h.c.has_pending_transactions());
    // A retried marker changes nothing.
    h.complete(7, false);
    EXPECT_EQ(h.fetch("g", "t", 0).first, 10);
}

TEST(TxnOffsets, DroppedOnAbort) {
    txn_harness h;
    h.plain("g", "t", 0, 5);
    h.txn(txn_req("g", 7, {{"t", 0, 10}, {"t", 1, 20}}));
    h.txn(txn_req("g", 8, {{"t", 2, 30}})); // another producer's transaction is untouched
    h.complete(7, false);
    EXPECT_EQ(h.fetch("g", "t", 0).first, 5);
    EXPECT_EQ(h.fetch("g", "t", 1).first, -1);
    EXPECT_TRUE(h.c.find("g")->pending_txn.count(producer_id(8)));
    EXPECT_FALSE(h.c.find("g")->pending_txn.count(producer_id(7)));
    h.complete(8, true);
    EXPECT_EQ(h.fetch("g", "t", 2).first, 30);
}

TEST(TxnOffsets, RequireStableAnswersUnstablePerPartitionWhilePending) {
    txn_harness h;
    h.plain("g", "t", 0, 5);
    h.plain("g", "t", 1, 6);
    h.txn(txn_req("g", 7, {{"t", 0, 10}}));
    // v8: per partition of the group; v7: per partition, top-level error NONE (checked in fetch).
    EXPECT_EQ(h.fetch("g", "t", 0, true, 8), (std::pair<int64_t, int16_t>{-1, unstable}));
    EXPECT_EQ(h.fetch("g", "t", 0, true, 7), (std::pair<int64_t, int16_t>{-1, unstable}));
    EXPECT_EQ(h.fetch("g", "t", 1, true, 8), (std::pair<int64_t, int16_t>{6, 0}));
    // Without RequireStable (or before v7, where it does not exist): the committed offset.
    EXPECT_EQ(h.fetch("g", "t", 0, false, 8), (std::pair<int64_t, int16_t>{5, 0}));
    EXPECT_EQ(h.fetch("g", "t", 0, true, 6), (std::pair<int64_t, int16_t>{5, 0}));

    // All partitions of the group (null topics): the pending one is flagged too.
    OffsetFetchRequest all;
    all.RequireStable = true;
    all.Groups.emplace_back().GroupId = "g";
    auto r = h.c.offset_fetch(h.ctx(8), all);
    ASSERT_EQ(r.Groups.at(0).Topics.at(0).Partitions.size(), 2u);
    EXPECT_EQ(r.Groups[0].Topics[0].Partitions[0].ErrorCode, unstable);
    EXPECT_EQ(r.Groups[0].Topics[0].Partitions[0].Metadata, "");
    EXPECT_EQ(r.Groups[0].Topics[0].Partitions[1].ErrorCode, 0);

    h.complete(7, true);
    EXPECT_EQ(h.fetch("g", "t", 0, true, 8), (std::pair<int64_t, int16_t>{10, 0}));
    EXPECT_EQ(h.fetch("g", "t", 0, true, 7), (std::pair<int64_t, int16_t>{10, 0}));
}

TEST(TxnOffsets, TheLaterRecordWinsAsInKafka) {
    txn_harness h;
    // Transactional record first, plain commit after it: the plain one stays after the commit.
    h.txn(txn_req("g", 7, {{"t", 0, 10}}));
    h.plain("g", "t", 0, 15);
    EXPECT_EQ(h.fetch("g", "t", 0), (std::pair<int64_t, int16_t>{15, 0}));
    EXPECT_EQ(h.fetch("g", "t", 0, true).second, unstable); // still pending until decided
    h.complete(7, true);
    EXPECT_EQ(h.fetch("g", "t", 0).first, 15);
    // Plain first, transactional after: the transaction's offset replaces it.
    h.plain("g", "t", 1, 15);
    h.txn(txn_req("g", 7, {{"t", 1, 10}}));
    h.complete(7, true);
    EXPECT_EQ(h.fetch("g", "t", 1).first, 10);
    // Two producers: the one whose record is later wins, whichever commits first.
    h.txn(txn_req("g", 8, {{"t", 2, 1}}));
    h.txn(txn_req("g", 9, {{"t", 2, 2}}));
    h.complete(9, true);
    h.complete(8, true);
    EXPECT_EQ(h.fetch("g", "t", 2).first, 2);

    // A reload of the same partition decides the same way.
    group_coordinator fresh({}, {}, 9);
    replay_partition(fresh, h.partition);
    EXPECT_EQ(persisted(*fresh.find("g")), persisted(*h.c.find("g")));
    EXPECT_EQ(fresh.find("g")->offsets.at({"t", 0}).offset, 15);
    EXPECT_EQ(fresh.find("g")->offsets.at({"t", 2}).offset, 2);
}

TEST(TxnOffsets, ReplayOfBatchesAndMarkersRebuildsTheSameState) {
    txn_harness h;
    const std::string a = h.stable_single("g");
    h.plain("g", "t", 0, 5, 1, a);
    h.txn(txn_req("g", 7, {{"t", 0, 10}}, 1, a));
    h.txn(txn_req("g", 8, {{"t", 1, 11}}));
    h.txn(txn_req("solo", 9, {{"u", 0, 12}})); // creates the group
    h.complete(7, true);
    h.complete(8, false);
    h.txn(txn_req("g", 10, {{"t", 3, 13}})); // left open

    group_coordinator fresh({}, {}, 9);
    replay_partition(fresh, h.partition);
    fresh.load_complete(h.t());
    ASSERT_EQ(fresh.group_ids(), h.c.group_ids());
    for (const auto& id : h.c.group_ids()) EXPECT_EQ(persisted(*fresh.find(id)), persisted(*h.c.find(id))) << id;
    EXPECT_EQ(fresh.find("g")->offsets.at({"t", 0}).offset, 10);
    EXPECT_FALSE(fresh.find("g")->offsets.count({"t", 1}));
    // Still open after the load: pending, and decided by the runtime's later complete_txn.
    EXPECT_TRUE(fresh.has_pending_transactions());
    EXPECT_TRUE(fresh.find("solo")->pending_txn.count(producer_id(9)));
    EXPECT_TRUE(fresh.find("g")->pending_txn.count(producer_id(10)));
    fresh.complete_txn(producer_id(10), true, h.t());
    fresh.complete_txn(producer_id(9), true, h.t());
    EXPECT_EQ(fresh.find("g")->offsets.at({"t", 3}).offset, 13);
    EXPECT_EQ(fresh.find("solo")->offsets.at({"u", 0}).offset, 12);
    EXPECT_FALSE(fresh.has_pending_transactions());
}

TEST(TxnOffsets, ReplayWithoutItsMarkerLeavesTheOffsetPending) {
    txn_harness h;
    h.plain("g", "t", 0, 5);
    h.txn(txn_req("g", 7, {{"t", 0, 10}}));
    h.complete(7, true);
    // Everything but the marker: the offset stays pending, the fetch sees the old one.
    group_coordinator fresh({}, {}, 9);
    replay_partition(fresh, h.partition, h.partition.size() - 1);
    EXPECT_EQ(fresh.find("g")->offsets.at({"t", 0}).offset, 5);
    EXPECT_EQ(fresh.find("g")->pending_txn.at(producer_id(7)).at({"t", 0}).offset, 10);
    EXPECT_TRUE(fresh.has_pending_transactions());
    // The same records replayed as a non-transactional batch would have been applied at once.
    group_coordinator plain({}, {}, 9);
    for (const auto& e : h.partition)
        if (e.record) plain.replay(e.record->key, std::span<const uint8_t>(*e.record->value));
    EXPECT_EQ(plain.find("g")->offsets.at({"t", 0}).offset, 10);
}

TEST(TxnOffsets, ValidationErrors) {
    txn_harness h({}, [](std::string_view topic, int32_t p) { return topic == "t" && p < 2; });
    const std::string a = h.stable_single("g");
    const int16_t illegal = ec(error_code::illegal_generation), unknown = ec(error_code::unknown_member_id);
    EXPECT_EQ(h.txn(txn_req("g", 7, {{"t", 0, 1}}, 0, a)), (std::vector<int16_t>{illegal}));
    EXPECT_EQ(h.txn(txn_req("g", 7, {{"t", 0, 1}}, 1, "x")), (std::vector<int16_t>{unknown}));
    EXPECT_EQ(h.txn(txn_req("g", 7, {{"t", 0, 1}}, -1, a)), (std::vector<int16_t>{illegal}));
    EXPECT_EQ(h.txn(txn_req("", 7, {{"t", 0, 1}})), (std::vector<int16_t>{ec(error_code::invalid_group_id)}));
    // No group and a member named: no such member (and no group is created).
    EXPECT_EQ(h.txn(txn_req("none", 7, {{"t", 0, 1}}, 1, "x")), (std::vector<int16_t>{unknown}));
    EXPECT_FALSE(h.c.find("none"));
    EXPECT_TRUE(h.txn_records() == 0 && !h.c.has_pending_transactions());
    // Per partition: unknown partitions and oversized metadata; the rest is accepted.
    auto req = txn_req("g", 7, {{"t", 0, 1}, {"t", 2, 1}, {"zz", 0, 1}, {"t", 1, 1}}, 1, a);
    req.Topics.back().Partitions.back().CommittedMetadata = std::string(4097, 'x');
    const int16_t utp = ec(error_code::unknown_topic_or_partition);
    EXPECT_EQ(h.txn(req), (std::vector<int16_t>{0, utp, utp, ec(error_code::offset_metadata_too_large)}));
    EXPECT_EQ(h.txn_records(), 1u);
    // Before v3 the member fields are not on the wire: no member checks, as Kafka.
    EXPECT_EQ(h.txn(txn_req("g", 7, {{"t", 0, 1}}, 99, "x"), 2), (std::vector<int16_t>{0}));
    // No member fields at v3 either: accepted although the group has members.
    EXPECT_EQ(h.txn(txn_req("g", 7, {{"t", 0, 1}})), (std::vector<int16_t>{0}));
    // A fenced producer (the partition has seen a newer epoch): every partition, nothing appended.
    const size_t before = h.txn_records();
    const int16_t fenced = ec(error_code::invalid_producer_epoch);
    EXPECT_EQ(h.txn(txn_req("g", 7, {{"t", 0, 1}, {"t", 1, 1}}), 3, error_code::invalid_producer_epoch),
              (std::vector<int16_t>{fenced, fenced}));
    EXPECT_EQ(h.txn_records(), before);
}

TEST(TxnOffsets, FencedStaticInstance) {
    group_config cfg;
    cfg.initial_rebalance_delay_ms = 0;
    txn_harness h(cfg);
    auto j = h.join(harness::join_request("g", "", {{"range", subscription({"t"})}}, "i1"));
    const std::string a = h.join_result(j).MemberId;
    ASSERT_EQ(h.sync_result(h.sync("g", a, 1, {{a, "pa"}}, "i1")).ErrorCode, 0);
    EXPECT_EQ(h.txn(txn_req("g", 7, {{"t", 0, 1}}, 1, "other", "i1")),
              (std::vector<int16_t>{ec(error_code::fenced_instance_id)}));
    EXPECT_EQ(h.txn(txn_req("g", 7, {{"t", 0, 1}}, 1, a, "i1")), (std::vector<int16_t>{0}));
}

TEST(TxnOffsets, PendingOffsetsKeepAnEmptyGroupAndDeletionDropsThem) {
    group_config cfg;
    cfg.offsets_retention_ms = 1000;
    cfg.offsets_retention_check_interval_ms = 100;
    txn_harness h(cfg);
    h.plain("g", "t", 0, 5);
    h.txn(txn_req("g", 7, {{"t", 0, 10}}));
    h.txn(txn_req("only-txn", 8, {{"t", 0, 1}}));
    // Past retention: neither the group holding only a pending offset nor the offset whose
    // partition has one is expired while the transactions are open.
    h.advance(5000);
    ASSERT_TRUE(h.c.find("only-txn"));
    EXPECT_EQ(h.c.find("g")->offsets.at({"t", 0}).offset, 5);
    // Aborted: the group holds nothing and goes at the next retention check.
    h.complete(8, false);
    h.advance(200);
    EXPECT_FALSE(h.c.find("only-txn"));

    // DeleteGroups of an Empty group deletes it with its pending offsets (Kafka's removeAllOffsets),
    // tombstoning their partitions so a reload agrees.
    h.txn(txn_req("g", 7, {{"t", 1, 11}}));
    DeleteGroupsRequest del;
    del.GroupsNames = {"g"};
    auto r = h.c.delete_groups(h.ctx(2), del, h.t());
    EXPECT_EQ(r.response->Results.at(0).ErrorCode, 0);
    EXPECT_EQ(r.fx.records.size(), 3u); // t-0, t-1, group
    h.append(r.fx);
    EXPECT_FALSE(h.c.has_pending_transactions());
    h.complete(7, true); // the marker for a deleted group's transaction changes nothing
    EXPECT_FALSE(h.c.find("g"));
    group_coordinator fresh(cfg, {}, 9);
    replay_partition(fresh, h.partition);
    EXPECT_FALSE(fresh.find("g"));
    EXPECT_FALSE(fresh.has_pending_transactions());
}

TEST(TxnOffsets, OffsetDeleteDropsPendingOffsets) {
    txn_harness h;
    h.txn(txn_req("g", 7, {{"t", 0, 10}, {"t", 1, 11}}));
    OffsetDeleteRequest del;
    del.GroupId = "g";
    del.Topics.emplace_back().Name = "t";
    del.Topics[0].Partitions.emplace_back().PartitionIndex = 0;
    auto r = h.c.offset_delete(h.ctx(0), del, h.t());
    EXPECT_EQ(r.fx.records.size(), 1u); // a tombstone although only a pending offset existed
    h.append(r.fx);
    h.complete(7, true);
    EXPECT_FALSE(h.c.find("g")->offsets.count({"t", 0}));
    EXPECT_EQ(h.c.find("g")->offsets.at({"t", 1}).offset, 11);
    group_coordinator fresh({}, {}, 9);
    replay_partition(fresh, h.partition);
    EXPECT_EQ(persisted(*fresh.find("g")), persisted(*h.c.find("g")));
}

// Kafka removes the offsets of a deleted topic's partitions from every group (a re-created topic
// must not inherit them), the pending transactional ones too, whatever the group's state.
TEST(TxnOffsets, DeleteTopicOffsetsDropsTheTopicFromEveryGroup) {
    txn_harness h;
    const std::string a = h.stable_single("live", {"t"});
    h.plain("live", "t", 0, 5, 1, a);
    h.plain("live", "t.x", 0, 6, 1, a); // another topic whose name starts alike stays
    h.plain("solo", "t", 1, 7);
    h.plain("solo", "u", 0, 8);
    h.txn(txn_req("solo", 7, {{"t", 2, 10}, {"u", 1, 11}}));
    auto fx = h.c.delete_topic_offsets("t");
    EXPECT_TRUE(fx.released.empty());
    EXPECT_FALSE(fx.owner);
    ASSERT_EQ(fx.records.size(), 3u); // live t-0, solo t-1, solo t-2 (pending only)
    for (const auto& r : fx.records) EXPECT_FALSE(r.value);
    h.append(fx);
    EXPECT_EQ(h.fetch("live", "t", 0).first, -1);
    EXPECT_EQ(h.fetch("live", "t.x", 0).first, 6);
    EXPECT_EQ(h.fetch("solo", "t", 1).first, -1);
    EXPECT_EQ(h.fetch("solo", "u", 0).first, 8);
    EXPECT_EQ(h.fetch("solo", "t", 2, true).second, 0) << "no pending offset of t left";
    h.complete(7, true); // the transaction commits later: only its offset of u lands
    EXPECT_EQ(h.fetch("solo", "t", 2).first, -1);
    EXPECT_EQ(h.fetch("solo", "u", 1).first, 11);
    EXPECT_NE(h.c.find("live"), nullptr); // the groups themselves stay
    EXPECT_TRUE(h.c.delete_topic_offsets("t").empty());
    group_coordinator fresh({}, {}, 9);
    replay_partition(fresh, h.partition);
    EXPECT_EQ(persisted(*fresh.find("solo")), persisted(*h.c.find("solo")));
    EXPECT_EQ(persisted(*fresh.find("live")), persisted(*h.c.find("live")));
}

} // namespace
} // namespace brook::group::testing
