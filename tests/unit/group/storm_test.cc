// Rebalance-storm signals: who set a rebalance off, and one storm_alert per threshold crossing.
#include "test_util.h"

namespace brook::group::testing {
namespace {

group_config storm_config(uint64_t threshold) {
    group_config cfg;
    cfg.rebalance_storm_threshold = threshold;
    return cfg;
}

// One member joins (one rebalance), gets to Stable, then leaves (a second one). Returns its id.
std::string join_and_leave(harness& h, const std::string& group) {
    const std::string id = h.stable_single(group);
    LeaveGroupRequest l;
    l.GroupId = group;
    l.MemberId = id;
    h.absorb(h.c.leave_group(h.ctx(1), l, h.t()).fx);
    EXPECT_EQ(h.c.find(group)->state, group_state::empty);
    return id;
}

TEST(Storm, TheTriggeringMemberAndClientAreRecorded) {
    harness h;
    const std::string a = h.stable_single("g");
    auto sig = h.c.signals("g", h.t());
    EXPECT_EQ(sig->last_trigger, (rebalance_trigger{a, "client", "/127.0.0.1"}));
    std::string b;
    auto cx = h.ctx(7, "other-app");
    auto first = h.c.join_group(cx, harness::join_request("g", "", {{"range", subscription({"t"})}}), h.t());
    b = first.response->MemberId;
    auto cx2 = h.ctx(7, "other-app");
    h.absorb(h.c.join_group(cx2, harness::join_request("g", b, {{"range", subscription({"t"})}}), h.t()).fx);
    sig = h.c.signals("g", h.t());
    EXPECT_EQ(sig->last_trigger.member_id, b);
    EXPECT_EQ(sig->last_trigger.client_id, "other-app");
    EXPECT_NE(sig->last_rebalance_reason.find(b + " joined"), std::string::npos);
    EXPECT_FALSE(sig->in_storm); // no threshold configured
    EXPECT_TRUE(h.storms.empty());
}

TEST(Storm, AlertsOnceWhenTheWindowCountCrossesTheThreshold) {
    harness h(storm_config(4));
    join_and_leave(h, "g");
    EXPECT_TRUE(h.storms.empty());
    const std::string second = join_and_leave(h, "g"); // 4th rebalance: second's leave
    ASSERT_EQ(h.storms.size(), 1u);
    const auto& a = h.storms[0];
    EXPECT_EQ(a.group_id, "g");
    EXPECT_EQ(a.rebalances_in_window, 4u);
    EXPECT_EQ(a.threshold, 4u);
    EXPECT_EQ(a.window_ms, 5 * 60 * 1000);
    ASSERT_EQ(a.rebalances.size(), 4u);
    EXPECT_NE(a.rebalances[3].reason.find(second + " left"), std::string::npos);
    EXPECT_EQ(a.rebalances[3].trigger.member_id, second);
    EXPECT_EQ(a.trigger.member_id, second);
    EXPECT_EQ(a.trigger.client_id, "client");
    EXPECT_TRUE(h.c.signals("g", h.t())->in_storm);
    for (int i = 0; i < 5; ++i) join_and_leave(h, "g"); // still storming: no more alerts
    EXPECT_EQ(h.storms.size(), 1u);
    EXPECT_EQ(h.c.signals("g", h.t())->rebalances_in_window, 14u);
}

TEST(Storm, AlertsAgainOnlyAfterTheCountFellBelowTheThreshold) {
    harness h(storm_config(4));
    join_and_leave(h, "g");
    join_and_leave(h, "g");
    ASSERT_EQ(h.storms.size(), 1u);
    EXPECT_TRUE(h.c.signals("g", h.t())->in_storm);
    h.advance(5 * 60 * 1000); // the window empties
    EXPECT_EQ(h.c.signals("g", h.t())->rebalances_in_window, 0u);
    EXPECT_FALSE(h.c.signals("g", h.t())->in_storm);
    join_and_leave(h, "g");
    EXPECT_FALSE(h.c.signals("g", h.t())->in_storm);
    EXPECT_EQ(h.storms.size(), 1u);
    join_and_leave(h, "g");
    ASSERT_EQ(h.storms.size(), 2u);
    EXPECT_EQ(h.storms[1].rebalances_in_window, 4u);
}

TEST(Storm, GroupsAreCountedApart) {
    harness h(storm_config(3));
    join_and_leave(h, "g1");
    join_and_leave(h, "g2");
    EXPECT_TRUE(h.storms.empty());
    join_and_leave(h, "g1");
    ASSERT_EQ(h.storms.size(), 1u);
    EXPECT_EQ(h.storms[0].group_id, "g1");
}

TEST(Storm, DescribeNamesGroupReasonsByClientAndTrigger) {
    const rebalance_trigger m1{"app-1", "billing", "/10.0.0.7"}, m2{"app-2", "billing", "/10.0.0.7"};
    const rebalance_trigger other{"x-9", "reports", "/10.0.0.8"};
    storm_alert a{"orders", 5, 300000, 4,
                  {{1, "member app-1 joined", m1}, {2, "member app-1 left: bye", m1}, {3, "member app-2 joined", m2},
                   {4, "member x-9 session timeout", other}, {5, "member app-2 left: bye", m2}},
                  m2};
    const auto line = describe(a);
    for (const char* part : {"'orders'", "5 rebalances in the last 300 s", "threshold=4",
                             "reasons: member of client.id 'billing' joined (x2); member of client.id 'billing' left: bye (x2); "
                             "member of client.id 'reports' session timeout;",
                             "set off by member 'app-2'", "(client.id 'billing', host /10.0.0.7)"})
        EXPECT_NE(line.find(part), std::string::npos) << part << " in " << line;
    a.rebalances.clear();
    for (int i = 0; i < 7; ++i) a.rebalances.push_back({i, "reason " + std::to_string(i), {}});
    EXPECT_NE(describe(a).find("and 2 other reason(s)"), std::string::npos);
}

} // namespace
} // namespace brook::group::testing
