// Load: records produced by one coordinator, replayed into a fresh one, rebuild the same state.
#include "protocol/messages_testing.h"
#include "test_util.h"

namespace brook::group::testing {
namespace {

void replay_all(group_coordinator& c, const std::vector<log_record>& log) {
    for (const auto& r : log) {
        std::optional<std::span<const uint8_t>> v;
        if (r.value) v = std::span<const uint8_t>(*r.value);
        ASSERT_EQ(c.replay(r.key, v), error_code::none);
    }
}

OffsetCommitRequest one_commit(const std::string& group, int32_t gen, const std::string& member, const std::string& topic,
                               int32_t partition, int64_t offset) {
    OffsetCommitRequest r;
    r.GroupId = group;
    r.GenerationIdOrMemberEpoch = gen;
    r.MemberId = member;
    auto& t = r.Topics.emplace_back();
    t.Name = topic;
    auto& p = t.Partitions.emplace_back();
    p.PartitionIndex = partition;
    p.CommittedOffset = offset;
    p.CommittedMetadata = "meta";
    return r;
}

TEST(Replay, RestartRebuildsGroupsAndOffsets) {
    harness h;
    const std::string a = h.stable_single("g");
    auto js = h.join(harness::join_request("g", "", {{"range", subscription({"t"})}}, "static-1"));
    auto ja = h.join(harness::join_request("g", a, {{"range", subscription({"t"})}}));
    const std::string s = h.join_result(js).MemberId;
    h.sync("g", s, 2, {}, "static-1");
    h.sync("g", a, 2, {{a, "pa"}, {s, "ps"}});
    h.absorb(h.c.offset_commit(h.ctx(8), one_commit("g", 2, a, "t", 0, 10), h.t()).fx);
    h.absorb(h.c.offset_commit(h.ctx(8), one_commit("g", 2, a, "t", 0, 11), h.t()).fx);
    h.absorb(h.c.offset_commit(h.ctx(8), one_commit("g", 2, s, "t", 1, 20), h.t()).fx);
    h.absorb(h.c.offset_commit(h.ctx(8), one_commit("solo", -1, "", "x", 0, 5), h.t()).fx);
    h.absorb(h.c.offset_commit(h.ctx(8), one_commit("gone", -1, "", "x", 0, 6), h.t()).fx);
    h.absorb(h.c.offset_commit(h.ctx(8), one_commit("solo", -1, "", "old", 0, 1), h.t()).fx);
    OffsetDeleteRequest od;
    od.GroupId = "solo";
    od.Topics = {{"old", {{0, {}}}, {}}};
    h.absorb(h.c.offset_delete(h.ctx(0), od, h.t()).fx);
    DeleteGroupsRequest dg;
    dg.GroupsNames = {"gone"};
    h.absorb(h.c.delete_groups(h.ctx(0), dg, h.t()).fx);
    // A group that emptied out.
    const std::string e = h.stable_single("e");
    LeaveGroupRequest l;
    l.GroupId = "e";
    l.MemberId = e;
    h.absorb(h.c.leave_group(h.ctx(1), l, h.t()).fx);

    group_coordinator fresh({}, {}, 7);
    replay_all(fresh, h.log);
    fresh.load_complete(h.t());
    ASSERT_EQ(fresh.group_ids(), h.c.group_ids());
    EXPECT_EQ(fresh.group_ids(), (std::vector<std::string>{"e", "g", "solo"}));
    for (const auto& id : h.c.group_ids()) {
        EXPECT_EQ(persisted(*fresh.find(id)), persisted(*h.c.find(id))) << id;
        EXPECT_EQ(fresh.find(id)->state, h.c.find(id)->state) << id;
    }
    // The latest record per key alone (what the log cleaner keeps, tombstones included until
    // their horizon) rebuilds the same groups as the history. (tests/unit/coord/
    // clean_replay_group_test.cc runs the real cleaner, transactions and horizons included.)
    std::vector<log_record> latest;
    for (const auto& r : h.log) {
        std::erase_if(latest, [&](const log_record& x) { return x.key == r.key; });
        latest.push_back(r);
    }
    group_coordinator compacted({}, {}, 9);
    replay_all(compacted, latest);
    compacted.load_complete(h.t());
    ASSERT_EQ(compacted.group_ids(), h.c.group_ids());
    for (const auto& id : h.c.group_ids()) {
        EXPECT_EQ(persisted(*compacted.find(id)), persisted(*h.c.find(id))) << id;
        EXPECT_EQ(compacted.find(id)->state, h.c.find(id)->state) << id;
    }
    EXPECT_LT(latest.size(), h.log.size());

    const group* g = fresh.find("g");
    EXPECT_EQ(g->offsets.at({"t", 0}).offset, 11);
    EXPECT_EQ(g->static_members.at("static-1"), s);
    EXPECT_EQ(harness::text(g->members.at(s).assignment), "ps");

    // The reloaded coordinator serves the same members; silence expires them as usual.
    harness h2;
    h2.c = std::move(fresh);
    h2.now = h.now;
    EXPECT_EQ(h2.heartbeat("g", a, 2), 0);
    EXPECT_EQ(h2.heartbeat("g", s, 2, "static-1"), 0);
    auto sync = h2.sync("g", s, 2, {}, "static-1");
    EXPECT_EQ(harness::text(h2.sync_result(sync).Assignment), "ps");
    auto rejoin = h2.join(harness::join_request("g", "", {{"range", subscription({"t"})}}, "static-1"));
    ASSERT_TRUE(rejoin.second);
    EXPECT_EQ(rejoin.second->GenerationId, 2); // a restarted static member after a broker restart
    for (int i = 0; i < 3; ++i) {
        h2.advance(3000);
        EXPECT_EQ(h2.heartbeat("g", a, 2), 0);
    }
    h2.advance(1000);
    EXPECT_EQ(h2.c.find("g")->state, group_state::preparing_rebalance); // static member timed out
}

TEST(Replay, TombstoneForAGroupWithLaterOffsetsKeepsTheOffsets) {
    group_coordinator c({}, {}, 1);
    protocol::GroupMetadataValue v;
    v.protocolType = "consumer";
    v.generation = 4;
    auto md = group_metadata_record("g", v);
    protocol::OffsetCommitKey k{"g", "t", 0, {}};
    protocol::OffsetCommitValue ov;
    ov.offset = 9;
    auto oc = offset_commit_record(k, ov);
    ASSERT_EQ(c.replay(md.key, std::span<const uint8_t>(*md.value)), error_code::none);
    ASSERT_EQ(c.replay(oc.key, std::span<const uint8_t>(*oc.value)), error_code::none);
    EXPECT_EQ(c.find("g")->generation, 4);
    ASSERT_EQ(c.replay(md.key, std::nullopt), error_code::none);
    ASSERT_NE(c.find("g"), nullptr);
    EXPECT_EQ(c.find("g")->generation, 0);
    EXPECT_EQ(c.find("g")->offsets.at({"t", 0}).offset, 9);
    ASSERT_EQ(c.replay(oc.key, std::nullopt), error_code::none);
    EXPECT_TRUE(c.find("g")->offsets.empty());
}

TEST(Replay, CorruptAndForeignRecords) {
    group_coordinator c({}, {}, 1);
    const std::vector<uint8_t> truncated_key = {0, 1, 0, 5, 'a'};
    EXPECT_EQ(c.replay(truncated_key, std::nullopt), error_code::corrupt_message);
    EXPECT_EQ(c.replay(std::vector<uint8_t>{0}, std::nullopt), error_code::corrupt_message);
    protocol::OffsetCommitKey k{"g", "t", 0, {}};
    auto rec = offset_commit_record(k, {});
    auto bad_value = *rec.value;
    bad_value[1] = 9; // unknown value version
    EXPECT_EQ(c.replay(rec.key, std::span<const uint8_t>(bad_value)), error_code::corrupt_message);
    auto trailing = *rec.value;
    trailing.push_back(0);
    EXPECT_EQ(c.replay(rec.key, std::span<const uint8_t>(trailing)), error_code::corrupt_message);
    EXPECT_TRUE(c.group_ids().empty());
    // KIP-848 consumer-group records (key version 3+) are not ours: skipped, not an error.
    const std::vector<uint8_t> kip848 = {0, 3, 0, 1, 'g'};
    EXPECT_EQ(c.replay(kip848, std::span<const uint8_t>(kip848)), error_code::none);
    EXPECT_TRUE(c.group_ids().empty());
}

template <class T>
void round_trip_all_versions() {
    for (int16_t v = T::min_version; v <= T::max_version; ++v) {
        for (uint64_t seed = 1; seed < 20; ++seed) {
            protocol::testing::sample_rng g{seed};
            T in;
            protocol::testing::fill_sample(in, g, v);
            std::vector<uint8_t> buf;
            protocol::writer w(buf);
            in.encode(w, v);
            protocol::reader r(buf);
            T out;
            ASSERT_TRUE(out.decode(r, v)) << T::data_name << " v" << v;
            EXPECT_EQ(r.remaining(), 0u);
            EXPECT_EQ(in, out) << T::data_name << " v" << v;
            for (size_t cut = 0; cut < buf.size(); cut += 3) { // every prefix is refused
                protocol::reader pr(std::span<const uint8_t>(buf.data(), cut));
                T partial;
                EXPECT_FALSE(partial.decode(pr, v) && pr.ok()) << T::data_name << " v" << v << " cut " << cut;
            }
        }
    }
}

TEST(Records, InternalSchemasRoundTripAtEveryVersion) {
    round_trip_all_versions<protocol::OffsetCommitKey>();
    round_trip_all_versions<protocol::OffsetCommitValue>();
    round_trip_all_versions<protocol::GroupMetadataKey>();
    round_trip_all_versions<protocol::GroupMetadataValue>();
}

TEST(Records, GroupMetadataBytesMatchKafkasLayout) {
    protocol::GroupMetadataValue v;
    v.protocolType = "consumer";
    v.generation = 1;
    v.protocol = "range";
    v.leader = "m";
    v.currentStateTimestamp = 5;
    auto& m = v.members.emplace_back();
    m.memberId = "m";
    m.clientId = "c";
    m.clientHost = "h";
    m.rebalanceTimeout = 2;
    m.sessionTimeout = 3;
    auto rec = group_metadata_record("grp", v);
    EXPECT_EQ(rec.key, (std::vector<uint8_t>{0, 2, 0, 3, 'g', 'r', 'p'}));
    const std::vector<uint8_t> expect = {
        0, 3,                                          // value version 3
        0, 8, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r',  // protocolType
        0, 0, 0, 1,                                    // generation
        0, 5, 'r', 'a', 'n', 'g', 'e',                 // protocol
        0, 1, 'm',                                     // leader
        0, 0, 0, 0, 0, 0, 0, 5,                        // currentStateTimestamp
        0, 0, 0, 1,                                    // members: 1
        0, 1, 'm', 0xff, 0xff, 0, 1, 'c', 0, 1, 'h',   // memberId, groupInstanceId null, clientId, clientHost
        0, 0, 0, 2, 0, 0, 0, 3,                        // rebalanceTimeout, sessionTimeout
        0, 0, 0, 0, 0, 0, 0, 0};                       // subscription, assignment: empty
    EXPECT_EQ(*rec.value, expect);
}

} // namespace
} // namespace brook::group::testing
