// Join/sync/heartbeat/leave, rebalances and timeouts of the classic group protocol.
#include "test_util.h"

namespace brook::group::testing {
namespace {

TEST(Membership, LoneConsumerGetsItsAssignmentAfterTheInitialDelay) {
    harness h;
    std::string id;
    auto j = h.join_new("g", id);
    EXPECT_TRUE(id.rfind("client-", 0) == 0) << id;
    EXPECT_TRUE(h.parked(j));
    EXPECT_EQ(h.c.find("g")->state, group_state::preparing_rebalance);
    ASSERT_TRUE(h.c.next_deadline());
    EXPECT_EQ(h.c.next_deadline()->value(), h.now + 250);
    h.advance(249);
    EXPECT_TRUE(h.parked(j));
    h.advance(1);
    auto r = h.join_result(j);
    EXPECT_EQ(r.ErrorCode, 0);
    EXPECT_EQ(r.GenerationId, 1);
    EXPECT_EQ(r.ProtocolName, "range");
    EXPECT_EQ(r.ProtocolType, "consumer");
    EXPECT_EQ(r.Leader, id);
    EXPECT_EQ(r.MemberId, id);
    ASSERT_EQ(r.Members.size(), 1u);
    EXPECT_EQ(r.Members[0].MemberId, id);
    EXPECT_EQ(r.Members[0].Metadata, subscription({"t"}));
    EXPECT_TRUE(h.log.empty());

    auto s = h.sync("g", id, 1, {{id, "assign-1"}});
    ASSERT_TRUE(s.second);
    EXPECT_EQ(s.second->ErrorCode, 0);
    EXPECT_EQ(harness::text(s.second->Assignment), "assign-1");
    EXPECT_EQ(h.c.find("g")->state, group_state::stable);
    ASSERT_EQ(h.log.size(), 1u); // the generation is persisted once assigned
    EXPECT_EQ(h.heartbeat("g", id, 1), 0);
}

TEST(Membership, ZeroInitialDelayCompletesInTheJoinCall) {
    group_config cfg;
    cfg.initial_rebalance_delay_ms = 0;
    harness h(cfg);
    std::string id;
    auto j = h.join_new("g", id);
    EXPECT_FALSE(j.second);                 // parked ...
    ASSERT_TRUE(h.joins.count(j.first));    // ... and released by the same call
    EXPECT_EQ(h.joins[j.first].GenerationId, 1);
}

TEST(Membership, OldJoinVersionsGetAMemberIdWithoutARoundTrip) {
    harness h;
    auto j = h.join(harness::join_request("g", "", {{"range", subscription({"t"})}}), 3);
    EXPECT_TRUE(h.parked(j));
    h.advance(250);
    auto r = h.join_result(j);
    EXPECT_EQ(r.ErrorCode, 0);
    EXPECT_FALSE(r.MemberId.empty());
    EXPECT_EQ(r.Leader, r.MemberId);
}

TEST(Membership, SecondMemberTriggersARebalanceAndTheLeaderAssigns) {
    harness h;
    const std::string a = h.stable_single("g");
    std::string b;
    auto jb = h.join_new("g", b);
    EXPECT_TRUE(h.parked(jb));
    EXPECT_EQ(h.c.find("g")->state, group_state::preparing_rebalance);
    EXPECT_EQ(h.heartbeat("g", a, 1), ec(error_code::rebalance_in_progress));
    auto ja = h.join(harness::join_request("g", a, {{"range", subscription({"t"})}}));
    auto ra = h.join_result(ja), rb = h.join_result(jb);
    EXPECT_EQ(ra.GenerationId, 2);
    EXPECT_EQ(rb.GenerationId, 2);
    EXPECT_EQ(ra.Leader, a);
    EXPECT_EQ(rb.Leader, a);
    EXPECT_EQ(ra.Members.size(), 2u);
    EXPECT_TRUE(rb.Members.empty());

    auto sb = h.sync("g", b, 2);
    EXPECT_FALSE(sb.second); // waits for the leader
    EXPECT_EQ(h.heartbeat("g", b, 2), 0); // heartbeats while completing are fine
    auto sa = h.sync("g", a, 2, {{a, "pa"}, {b, "pb"}, {"ghost", "x"}});
    EXPECT_EQ(harness::text(h.sync_result(sa).Assignment), "pa");
    EXPECT_EQ(harness::text(h.sync_result(sb).Assignment), "pb");
    EXPECT_EQ(h.c.find("g")->state, group_state::stable);
    EXPECT_EQ(h.c.find("g")->members.size(), 2u);
}

TEST(Membership, ProtocolChosenIsCommonToAllAndMostPreferred) {
    group_config cfg;
    cfg.initial_rebalance_delay_ms = 0;
    harness h(cfg);
    auto ja = h.join(harness::join_request("g", "", {{"range", {1}}, {"roundrobin", {2}}}), 3);
    const auto a = h.join_result(ja).MemberId;
    h.sync("g", a, 1, {{a, "x"}});
    auto jb = h.join(harness::join_request("g", "", {{"sticky", {3}}, {"roundrobin", {4}}}), 3);
    auto ja2 = h.join(harness::join_request("g", a, {{"range", {1}}, {"roundrobin", {2}}}), 3);
    auto r = h.join_result(ja2);
    EXPECT_EQ(r.ProtocolName, "roundrobin");
    ASSERT_EQ(r.Members.size(), 2u);
    for (const auto& m : r.Members) EXPECT_EQ(m.Metadata, std::vector<uint8_t>{uint8_t(m.MemberId == a ? 2 : 4)});
    EXPECT_EQ(h.join_result(jb).ProtocolName, "roundrobin");
}

TEST(Membership, InconsistentProtocolsAreRefused) {
    harness h;
    h.stable_single("g");
    auto other_type = harness::join_request("g", "", {{"range", subscription({"t"})}});
    other_type.ProtocolType = "connect";
    EXPECT_EQ(h.join(other_type).second->ErrorCode, ec(error_code::inconsistent_group_protocol));
    auto no_common = harness::join_request("g", "", {{"sticky", subscription({"t"})}});
    EXPECT_EQ(h.join(no_common).second->ErrorCode, ec(error_code::inconsistent_group_protocol));
    auto no_protocols = harness::join_request("h", "", {});
    EXPECT_EQ(h.join(no_protocols).second->ErrorCode, ec(error_code::inconsistent_group_protocol));
    EXPECT_EQ(h.c.find("h"), nullptr);
    EXPECT_EQ(h.c.find("g")->state, group_state::stable);
}

TEST(Membership, BadGroupIdsAndTimeoutsAreRefused) {
    harness h;
    const std::string long_id(256, 'g');
    for (const std::string& bad : {std::string(), long_id}) {
        auto j = h.join(harness::join_request(bad, "", {{"range", {}}}));
        EXPECT_EQ(j.second->ErrorCode, ec(error_code::invalid_group_id));
        EXPECT_EQ(h.sync(bad, "m", 1).second->ErrorCode, ec(error_code::invalid_group_id));
        EXPECT_EQ(h.heartbeat(bad, "m", 1), ec(error_code::invalid_group_id));
    }
    EXPECT_TRUE(h.c.group_ids().empty());
    auto too_short = harness::join_request("g", "", {{"range", {}}}, std::nullopt, 5999);
    EXPECT_EQ(h.join(too_short).second->ErrorCode, ec(error_code::invalid_session_timeout));
    auto too_long = harness::join_request("g", "", {{"range", {}}}, std::nullopt, 1800001);
    EXPECT_EQ(h.join(too_long).second->ErrorCode, ec(error_code::invalid_session_timeout));
}

TEST(Membership, UnknownMembersAndStaleGenerationsAreRefused) {
    harness h;
    const std::string a = h.stable_single("g");
    EXPECT_EQ(h.heartbeat("g", "nobody", 1), ec(error_code::unknown_member_id));
    EXPECT_EQ(h.heartbeat("nogroup", a, 1), ec(error_code::unknown_member_id));
    EXPECT_EQ(h.heartbeat("g", a, 0), ec(error_code::illegal_generation));
    EXPECT_EQ(h.sync("g", a, 7).second->ErrorCode, ec(error_code::illegal_generation));
    EXPECT_EQ(h.sync("g", "nobody", 1).second->ErrorCode, ec(error_code::unknown_member_id));
    auto j = h.join(harness::join_request("g", "nobody", {{"range", subscription({"t"})}}));
    EXPECT_EQ(j.second->ErrorCode, ec(error_code::unknown_member_id));
    auto j2 = h.join(harness::join_request("fresh", "someone", {{"range", subscription({"t"})}}));
    EXPECT_EQ(j2.second->ErrorCode, ec(error_code::unknown_member_id));
    EXPECT_EQ(h.c.find("g")->state, group_state::stable);
}

TEST(Membership, SyncDuringRebalanceIsRefused) {
    harness h;
    const std::string a = h.stable_single("g");
    std::string b;
    h.join_new("g", b);
    EXPECT_EQ(h.sync("g", a, 1).second->ErrorCode, ec(error_code::rebalance_in_progress));
}

TEST(Membership, SessionTimeoutRemovesAMemberAndRebalances) {
    harness h;
    const std::string a = h.stable_single("g");
    std::string b;
    auto jb = h.join_new("g", b);
    auto ja = h.join(harness::join_request("g", a, {{"range", subscription({"t"})}}));
    h.sync("g", b, 2);
    h.sync("g", a, 2, {{a, "pa"}, {b, "pb"}});
    // a heartbeats, b goes silent.
    for (int i = 0; i < 3; ++i) {
        h.advance(3000);
        EXPECT_EQ(h.heartbeat("g", a, 2), 0);
    }
    EXPECT_TRUE(h.c.find("g")->has_member(b));
    h.advance(1000);
    EXPECT_FALSE(h.c.find("g")->has_member(b));
    EXPECT_EQ(h.c.find("g")->state, group_state::preparing_rebalance);
    EXPECT_EQ(h.heartbeat("g", a, 2), ec(error_code::rebalance_in_progress));
    auto ja3 = h.join(harness::join_request("g", a, {{"range", subscription({"t"})}}));
    auto r = h.join_result(ja3);
    EXPECT_EQ(r.GenerationId, 3);
    EXPECT_EQ(r.Members.size(), 1u);
    const auto sig = h.c.signals("g", h.t());
    EXPECT_EQ(sig->rebalances_in_window, 3u);
    EXPECT_EQ(sig->members_joined, 2u);
    EXPECT_EQ(sig->members_left, 1u);
    EXPECT_NE(sig->last_rebalance_reason.find("session timeout"), std::string::npos);
    EXPECT_EQ(h.c.signals("g", timestamp_ms(h.now + 5 * 60 * 1000))->rebalances_in_window, 0u);
}

TEST(Membership, MembersThatDoNotRejoinInTimeAreDropped) {
    harness h;
    const std::string a = h.stable_single("g");
    std::string b;
    auto jb = h.join_new("g", b); // a never rejoins
    for (int i = 0; i < 5; ++i) { // a's heartbeats keep its session alive, but it does not rejoin
        h.advance(5000);
        EXPECT_EQ(h.heartbeat("g", a, 1), ec(error_code::rebalance_in_progress));
    }
    h.advance(4999);
    EXPECT_TRUE(h.parked(jb));
    h.advance(1);
    auto r = h.join_result(jb);
    EXPECT_EQ(r.GenerationId, 2);
    EXPECT_EQ(r.Leader, b);
    EXPECT_FALSE(h.c.find("g")->has_member(a));
}

TEST(Membership, LeaderThatNeverSyncsIsDropped) {
    harness h;
    const std::string a = h.stable_single("g");
    std::string b;
    auto jb = h.join_new("g", b);
    h.join(harness::join_request("g", a, {{"range", subscription({"t"})}}));
    auto sb = h.sync("g", b, 2);
    h.advance(30000);
    EXPECT_EQ(h.sync_result(sb).ErrorCode, ec(error_code::rebalance_in_progress));
    EXPECT_FALSE(h.c.find("g")->has_member(a));
    EXPECT_EQ(h.c.find("g")->state, group_state::preparing_rebalance);
}

TEST(Membership, LeaveSingleAndBatched) {
    harness h;
    const std::string a = h.stable_single("g");
    std::string b;
    h.join_new("g", b);
    h.join(harness::join_request("g", a, {{"range", subscription({"t"})}}));
    h.sync("g", a, 2, {{a, "pa"}, {b, "pb"}});
    h.sync("g", b, 2);

    LeaveGroupRequest v0;
    v0.GroupId = "g";
    v0.MemberId = b;
    auto l0 = h.c.leave_group(h.ctx(0), v0, h.t());
    h.absorb(l0.fx);
    EXPECT_EQ(l0.response->ErrorCode, 0);
    EXPECT_EQ(h.c.find("g")->state, group_state::preparing_rebalance);

    LeaveGroupRequest v3;
    v3.GroupId = "g";
    v3.Members = {{a, std::nullopt, std::string("bye"), {}}, {"ghost", std::nullopt, std::nullopt, {}}};
    const size_t before = h.log.size();
    auto l3 = h.c.leave_group(h.ctx(3), v3, h.t());
    h.absorb(l3.fx);
    EXPECT_EQ(l3.response->ErrorCode, 0);
    ASSERT_EQ(l3.response->Members.size(), 2u);
    EXPECT_EQ(l3.response->Members[0].ErrorCode, 0);
    EXPECT_EQ(l3.response->Members[1].ErrorCode, ec(error_code::unknown_member_id));
    const group* g = h.c.find("g");
    EXPECT_EQ(g->state, group_state::empty);
    EXPECT_TRUE(g->members.empty());
    ASSERT_EQ(h.log.size(), before + 1); // the now-empty group is persisted
    auto rec = decode_record(h.log.back().key, std::span<const uint8_t>(*h.log.back().value));
    const auto& v = *std::get<group_metadata_entry>(*rec).value;
    EXPECT_TRUE(v.members.empty());
    EXPECT_EQ(v.generation, 3);
    EXPECT_NE(h.c.signals("g", h.t())->last_rebalance_reason.find(b + " left"), std::string::npos);

    v0.GroupId = "missing";
    EXPECT_EQ(h.c.leave_group(h.ctx(0), v0, h.t()).response->ErrorCode, ec(error_code::unknown_member_id));
}

TEST(Membership, LeaderLeavingReleasesParkedSyncs) {
    harness h;
    const std::string a = h.stable_single("g");
    std::string b;
    h.join_new("g", b);
    h.join(harness::join_request("g", a, {{"range", subscription({"t"})}}));
    auto sb = h.sync("g", b, 2);
    LeaveGroupRequest l;
    l.GroupId = "g";
    l.MemberId = a;
    h.absorb(h.c.leave_group(h.ctx(1), l, h.t()).fx);
    EXPECT_EQ(h.sync_result(sb).ErrorCode, ec(error_code::rebalance_in_progress));
    EXPECT_EQ(h.c.find("g")->leader_id, b);
}

TEST(Membership, RejoinWhileStableFollowsTheCooperativeProtocol) {
    harness h;
    const std::string a = h.stable_single("g");
    std::string b;
    h.join_new("g", b);
    h.join(harness::join_request("g", a, {{"range", subscription({"t"})}}));
    h.sync("g", a, 2, {{a, "pa"}, {b, "pb"}});
    h.sync("g", b, 2);
    // A follower repeating its join with the same metadata gets generation 2 back.
    auto same = h.join(harness::join_request("g", b, {{"range", subscription({"t"})}}));
    ASSERT_TRUE(same.second);
    EXPECT_EQ(same.second->GenerationId, 2);
    EXPECT_EQ(h.c.find("g")->state, group_state::stable);
    // After revoking partitions (cooperative), its metadata changes: a new rebalance starts.
    auto changed = h.join(harness::join_request("g", b, {{"range", subscription({"t", "u"})}}));
    EXPECT_TRUE(h.parked(changed));
    EXPECT_EQ(h.c.find("g")->state, group_state::preparing_rebalance);
    auto ja = h.join(harness::join_request("g", a, {{"range", subscription({"t"})}}));
    EXPECT_EQ(h.join_result(ja).GenerationId, 3);
    EXPECT_EQ(h.join_result(changed).GenerationId, 3);
}

TEST(Membership, PendingMemberIdsExpire) {
    harness h;
    auto first = h.join(harness::join_request("g", "", {{"range", {}}}));
    EXPECT_EQ(first.second->ErrorCode, ec(error_code::member_id_required));
    EXPECT_EQ(h.c.find("g")->pending_members.size(), 1u);
    h.advance(9999);
    EXPECT_EQ(h.c.find("g")->pending_members.size(), 1u);
    h.advance(1);
    EXPECT_TRUE(h.c.find("g")->pending_members.empty());
    auto late = h.join(harness::join_request("g", first.second->MemberId, {{"range", {}}}));
    EXPECT_EQ(late.second->ErrorCode, ec(error_code::unknown_member_id));
}

TEST(Membership, GroupMaxSize) {
    group_config cfg;
    cfg.max_group_size = 1;
    harness h(cfg);
    h.stable_single("g");
    auto j = h.join(harness::join_request("g", "", {{"range", subscription({"t"})}}));
    EXPECT_EQ(j.second->ErrorCode, ec(error_code::group_max_size_reached));
}

TEST(Membership, DescribeAndListGroups) {
    harness h;
    const std::string a = h.stable_single("g");
    std::string b;
    h.join_new("h", b);
    DescribeGroupsRequest d;
    d.Groups = {"g", "h", "nope", ""};
    auto r = h.c.describe_groups(h.ctx(5), d);
    ASSERT_EQ(r.Groups.size(), 4u);
    EXPECT_EQ(r.Groups[0].GroupState, "Stable");
    EXPECT_EQ(r.Groups[0].ProtocolType, "consumer");
    EXPECT_EQ(r.Groups[0].ProtocolData, "range");
    ASSERT_EQ(r.Groups[0].Members.size(), 1u);
    EXPECT_EQ(r.Groups[0].Members[0].MemberId, a);
    EXPECT_EQ(r.Groups[0].Members[0].ClientHost, "/127.0.0.1");
    EXPECT_EQ(harness::text(r.Groups[0].Members[0].MemberAssignment), "A:" + a);
    EXPECT_EQ(r.Groups[1].GroupState, "PreparingRebalance");
    EXPECT_EQ(r.Groups[1].ProtocolData, "");
    EXPECT_EQ(r.Groups[2].GroupState, "Dead");
    EXPECT_EQ(r.Groups[2].ErrorCode, 0);
    EXPECT_EQ(r.Groups[3].ErrorCode, ec(error_code::invalid_group_id));

    ListGroupsRequest l;
    auto all = h.c.list_groups(h.ctx(4), l);
    ASSERT_EQ(all.Groups.size(), 2u);
    l.StatesFilter = {"stable"};
    auto stable = h.c.list_groups(h.ctx(4), l);
    ASSERT_EQ(stable.Groups.size(), 1u);
    EXPECT_EQ(stable.Groups[0].GroupId, "g");
    EXPECT_EQ(stable.Groups[0].GroupState, "Stable");
}

} // namespace
} // namespace brook::group::testing
