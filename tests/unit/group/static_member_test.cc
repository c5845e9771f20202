// Static membership (KIP-345): restarts without rebalances, fencing of a second process.
#include "test_util.h"

namespace brook::group::testing {
namespace {

// Two static members "i1" (leader) and "i2", stable at generation 1 (initial delay 0).
struct static_group {
    harness h{[] {
        group_config c;
        c.initial_rebalance_delay_ms = 0;
        return c;
    }()};
    std::string a, b;

    static_group() {
        auto j1 = h.join(harness::join_request("g", "", {{"range", subscription({"t"})}}, "i1"));
        a = h.join_result(j1).MemberId;
        h.sync("g", a, 1, {{a, "pa"}}, "i1");
        auto j2 = h.join(harness::join_request("g", "", {{"range", subscription({"t"})}}, "i2"));
        auto j1b = h.join(harness::join_request("g", a, {{"range", subscription({"t"})}}, "i1"));
        b = h.join_result(j2).MemberId;
        EXPECT_EQ(h.join_result(j1b).GenerationId, 2);
        auto sb = h.sync("g", b, 2, {}, "i2");
        h.sync("g", a, 2, {{a, "pa"}, {b, "pb"}}, "i1");
        EXPECT_EQ(harness::text(h.sync_result(sb).Assignment), "pb");
    }
};

TEST(StaticMembership, RestartWithinSessionGetsAssignmentBackWithoutRebalance) {
    static_group s;
    auto& h = s.h;
    const auto rebalances = h.c.signals("g", h.t())->rebalances_total;
    const size_t records = h.log.size();
    // "i2" restarts: a new process joins with no member id.
    auto j = h.join(harness::join_request("g", "", {{"range", subscription({"t"})}}, "i2"));
    ASSERT_TRUE(j.second);
    const auto& r = *j.second;
    EXPECT_EQ(r.ErrorCode, 0);
    EXPECT_EQ(r.GenerationId, 2);
    EXPECT_NE(r.MemberId, s.b);
    EXPECT_EQ(r.Leader, s.a);
    EXPECT_TRUE(r.Members.empty());
    EXPECT_EQ(h.c.find("g")->state, group_state::stable);
    EXPECT_EQ(h.c.signals("g", h.t())->rebalances_total, rebalances);
    EXPECT_EQ(h.log.size(), records + 1); // new member id persisted
    auto sync = h.sync("g", r.MemberId, 2, {}, "i2");
    EXPECT_EQ(harness::text(h.sync_result(sync).Assignment), "pb");
    // The old process is fenced.
    EXPECT_EQ(h.heartbeat("g", s.b, 2, "i2"), ec(error_code::fenced_instance_id));
    EXPECT_EQ(h.sync("g", s.b, 2, {}, "i2").second->ErrorCode, ec(error_code::fenced_instance_id));
    auto old_join = h.join(harness::join_request("g", s.b, {{"range", subscription({"t"})}}, "i2"));
    EXPECT_EQ(old_join.second->ErrorCode, ec(error_code::fenced_instance_id));
    EXPECT_EQ(h.heartbeat("g", r.MemberId, 2, "i2"), 0);
}

TEST(StaticMembership, RestartedLeaderIsToldToSkipAssignmentAtV9) {
    static_group s;
    auto& h = s.h;
    auto j = h.join(harness::join_request("g", "", {{"range", subscription({"t"})}}, "i1"), 9);
    ASSERT_TRUE(j.second);
    EXPECT_TRUE(j.second->SkipAssignment);
    EXPECT_EQ(j.second->Leader, j.second->MemberId);
    EXPECT_EQ(j.second->Members.size(), 2u);
    EXPECT_EQ(h.c.find("g")->leader_id, j.second->MemberId);
    // Before v9 the old leader id comes back, so the new process does not assign.
    auto j7 = h.join(harness::join_request("g", "", {{"range", subscription({"t"})}}, "i1"), 7);
    EXPECT_EQ(j7.second->Leader, j.second->MemberId);
    EXPECT_FALSE(j7.second->SkipAssignment);
}

TEST(StaticMembership, RestartWithNewSubscriptionRebalances) {
    static_group s;
    auto& h = s.h;
    auto j = h.join(harness::join_request("g", "", {{"range", subscription({"t", "u"})}}, "i2"));
    EXPECT_TRUE(h.parked(j));
    EXPECT_EQ(h.c.find("g")->state, group_state::preparing_rebalance);
}

TEST(StaticMembership, StaticMemberThatDoesNotRejoinKeepsItsSlot) {
    static_group s;
    auto& h = s.h;
    std::string c;
    auto jc = h.join_new("g", c); // a dynamic member arrives
    auto ja = h.join(harness::join_request("g", s.a, {{"range", subscription({"t"})}}, "i1"));
    for (int i = 0; i < 6; ++i) {
        h.advance(5000);
        h.heartbeat("g", s.b, 2, "i2"); // i2 alive but not rejoining
    }
    EXPECT_EQ(h.join_result(ja).GenerationId, 3);
    EXPECT_TRUE(h.c.find("g")->has_member(s.b));
    EXPECT_EQ(h.join_result(ja).Members.size(), 3u);
}

TEST(StaticMembership, LeaveByInstanceId) {
    static_group s;
    auto& h = s.h;
    LeaveGroupRequest l;
    l.GroupId = "g";
    l.Members = {{"wrong-id", std::string("i2"), std::nullopt, {}}, {"", std::string("nope"), std::nullopt, {}}};
    auto r = h.c.leave_group(h.ctx(4), l, h.t());
    h.absorb(r.fx);
    EXPECT_EQ(r.response->Members[0].ErrorCode, ec(error_code::fenced_instance_id));
    EXPECT_EQ(r.response->Members[1].ErrorCode, ec(error_code::unknown_member_id));
    EXPECT_EQ(h.c.find("g")->state, group_state::stable);
    l.Members = {{"", std::string("i2"), std::nullopt, {}}};
    r = h.c.leave_group(h.ctx(4), l, h.t());
    h.absorb(r.fx);
    EXPECT_EQ(r.response->Members[0].ErrorCode, 0);
    EXPECT_FALSE(h.c.find("g")->has_member(s.b));
    EXPECT_FALSE(h.c.find("g")->static_members.count("i2"));
}

} // namespace
} // namespace brook::group::testing
