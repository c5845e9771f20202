// OffsetCommit / OffsetFetch / OffsetDelete / DeleteGroups and offset retention.
#include "test_util.h"

namespace brook::group::testing {
namespace {

OffsetCommitRequest commit(std::string group, int32_t generation, std::string member,
                           std::vector<std::tuple<std::string, int32_t, int64_t>> offsets,
                           std::optional<std::string> metadata = std::string("m")) {
    OffsetCommitRequest r;
    r.GroupId = std::move(group);
    r.GenerationIdOrMemberEpoch = generation;
    r.MemberId = std::move(member);
    for (auto& [t, p, o] : offsets) {
        if (r.Topics.empty() || r.Topics.back().Name != t) r.Topics.emplace_back().Name = t;
        auto& rp = r.Topics.back().Partitions.emplace_back();
        rp.PartitionIndex = p;
        rp.CommittedOffset = o;
        rp.CommittedLeaderEpoch = 3;
        rp.CommittedMetadata = metadata;
    }
    return r;
}

std::vector<int16_t> errors(const OffsetCommitResponse& r) {
    std::vector<int16_t> out;
    for (const auto& t : r.Topics)
        for (const auto& p : t.Partitions) out.push_back(p.ErrorCode);
    return out;
}

std::vector<int16_t> do_commit(harness& h, const OffsetCommitRequest& req, int16_t version = 8) {
    auto r = h.c.offset_commit(h.ctx(version), req, h.t());
    h.absorb(r.fx);
    return errors(*r.response);
}

TEST(Offsets, CommitAndFetchSingleAndBatchedGroups) {
    harness h;
    const std::string a = h.stable_single("g");
    EXPECT_EQ(do_commit(h, commit("g", 1, a, {{"t", 0, 42}, {"t", 1, 7}, {"u", 0, 9}})),
              (std::vector<int16_t>{0, 0, 0}));
    EXPECT_EQ(h.log.size(), 1u + 3u);
    // Outside group management (assign()): generation -1 creates a group holding offsets only.
    EXPECT_EQ(do_commit(h, commit("solo", -1, "", {{"t", 0, 5}}), 2), (std::vector<int16_t>{0}));
    EXPECT_EQ(h.c.find("solo")->protocol_type, "");

    OffsetFetchRequest f7;
    f7.GroupId = "g";
    f7.Topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{"t", {1, 5}, {}}};
    auto r7 = h.c.offset_fetch(h.ctx(7), f7);
    ASSERT_EQ(r7.Topics.size(), 1u);
    ASSERT_EQ(r7.Topics[0].Partitions.size(), 2u);
    EXPECT_EQ(r7.Topics[0].Partitions[0].CommittedOffset, 7);
    EXPECT_EQ(r7.Topics[0].Partitions[0].CommittedLeaderEpoch, 3);
    EXPECT_EQ(r7.Topics[0].Partitions[0].Metadata, "m");
    EXPECT_EQ(r7.Topics[0].Partitions[1].CommittedOffset, -1);
    EXPECT_EQ(r7.Topics[0].Partitions[1].ErrorCode, 0);

    OffsetFetchRequest all;
    all.GroupId = "g";
    all.Topics = std::nullopt;
    auto ra = h.c.offset_fetch(h.ctx(7), all);
    ASSERT_EQ(ra.Topics.size(), 2u);
    EXPECT_EQ(ra.Topics[0].Partitions.size(), 2u);
    EXPECT_EQ(ra.Topics[1].Name, "u");

    OffsetFetchRequest f8;
    for (const char* id : {"g", "solo", "", "unknown"}) f8.Groups.emplace_back().GroupId = id;
    f8.Groups[0].Topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopics>{{"u", {0}, {}}};
    auto r8 = h.c.offset_fetch(h.ctx(8), f8);
    ASSERT_EQ(r8.Groups.size(), 4u);
    EXPECT_EQ(r8.Groups[0].Topics[0].Partitions[0].CommittedOffset, 9);
    EXPECT_EQ(r8.Groups[1].Topics[0].Partitions[0].CommittedOffset, 5);
    EXPECT_EQ(r8.Groups[2].ErrorCode, ec(error_code::invalid_group_id));
    EXPECT_EQ(r8.Groups[3].ErrorCode, 0);
    EXPECT_TRUE(r8.Groups[3].Topics.empty());

    OffsetFetchRequest bad;
    bad.GroupId = "";
    bad.Topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{"t", {0}, {}}};
    EXPECT_EQ(h.c.offset_fetch(h.ctx(1), bad).Topics[0].Partitions[0].ErrorCode, ec(error_code::invalid_group_id));
    EXPECT_EQ(h.c.offset_fetch(h.ctx(5), bad).ErrorCode, ec(error_code::invalid_group_id));
}

TEST(Offsets, CommitChecksMembershipGenerationAndPartitions) {
    harness h({}, [](std::string_view topic, int32_t p) { return topic == "t" && p < 2; });
    const std::string a = h.stable_single("g");
    EXPECT_EQ(do_commit(h, commit("g", 1, a, {{"t", 0, 1}, {"t", 2, 1}, {"zz", 0, 1}})),
              (std::vector<int16_t>{0, ec(error_code::unknown_topic_or_partition),
                                    ec(error_code::unknown_topic_or_partition)}));
    EXPECT_EQ(do_commit(h, commit("g", 0, a, {{"t", 0, 1}})), (std::vector<int16_t>{ec(error_code::illegal_generation)}));
    EXPECT_EQ(do_commit(h, commit("g", 1, "x", {{"t", 0, 1}})), (std::vector<int16_t>{ec(error_code::unknown_member_id)}));
    EXPECT_EQ(do_commit(h, commit("g", -1, "", {{"t", 0, 1}})), (std::vector<int16_t>{ec(error_code::unknown_member_id)}));
    EXPECT_EQ(do_commit(h, commit("none", 3, "x", {{"t", 0, 1}})),
              (std::vector<int16_t>{ec(error_code::illegal_generation)}));
    EXPECT_EQ(do_commit(h, commit("", -1, "", {{"t", 0, 1}})), (std::vector<int16_t>{ec(error_code::invalid_group_id)}));
    EXPECT_EQ(do_commit(h, commit("g", 1, a, {{"t", 0, 1}}, std::string(4097, 'x'))),
              (std::vector<int16_t>{ec(error_code::offset_metadata_too_large)}));
    // While the new generation is being assigned, commits must wait.
    std::string b;
    h.join_new("g", b);
    EXPECT_EQ(do_commit(h, commit("g", 1, a, {{"t", 0, 2}})), (std::vector<int16_t>{0})); // preparing: allowed
    h.join(harness::join_request("g", a, {{"range", subscription({"t"})}}));
    EXPECT_EQ(h.c.find("g")->state, group_state::completing_rebalance);
    EXPECT_EQ(do_commit(h, commit("g", 2, a, {{"t", 0, 3}})),
              (std::vector<int16_t>{ec(error_code::rebalance_in_progress)}));
    EXPECT_EQ(h.c.find("g")->offsets.at({"t", 0}).offset, 2);
}

TEST(Offsets, RecordsUseKafkasFormat) {
    harness h;
    do_commit(h, commit("grp", -1, "", {{"tp", 3, 77}}), 8);
    ASSERT_EQ(h.log.size(), 1u);
    const std::vector<uint8_t> key = {0, 1, 0, 3, 'g', 'r', 'p', 0, 2, 't', 'p', 0, 0, 0, 3};
    EXPECT_EQ(h.log[0].key, key);
    const auto& v = *h.log[0].value;
    ASSERT_GE(v.size(), 10u);
    EXPECT_EQ(v[0], 0);
    EXPECT_EQ(v[1], 3); // value version 3: offset, leaderEpoch, metadata, commitTimestamp
    EXPECT_EQ(v.size(), 2u + 8 + 4 + 2 + 1 + 8);
    EXPECT_EQ(v[9], 77);

    // v2-4 retention time -> value version 1 with an expire timestamp.
    auto req = commit("grp", -1, "", {{"tp", 4, 1}});
    req.RetentionTimeMs = 1000;
    do_commit(h, req, 2);
    EXPECT_EQ((*h.log.back().value)[1], 1);
    auto rec = decode_record(h.log.back().key, std::span<const uint8_t>(*h.log.back().value));
    ASSERT_TRUE(rec);
    EXPECT_EQ(std::get<offset_commit_entry>(*rec).value->expireTimestamp, h.now + 1000);
}

TEST(Offsets, EmptyGroupOffsetsExpireAfterRetention) {
    group_config cfg;
    cfg.offsets_retention_ms = 60'000;
    cfg.offsets_retention_check_interval_ms = 1'000;
    harness h(cfg);
    const std::string a = h.stable_single("g");
    do_commit(h, commit("g", 1, a, {{"t", 0, 1}}));
    LeaveGroupRequest l;
    l.GroupId = "g";
    l.MemberId = a;
    h.absorb(h.c.leave_group(h.ctx(1), l, h.t()).fx);
    const size_t before = h.log.size();
    h.advance(59'000);
    EXPECT_EQ(h.log.size(), before);
    ASSERT_TRUE(h.c.next_deadline());
    EXPECT_EQ(h.c.next_deadline()->value(), h.now + 1000);
    h.advance(1'000);
    ASSERT_EQ(h.log.size(), before + 2);
    EXPECT_FALSE(h.log[before].value);     // offset tombstone
    EXPECT_FALSE(h.log[before + 1].value); // then the group's
    EXPECT_EQ(h.c.find("g"), nullptr);
}

TEST(Offsets, StableGroupOffsetsDoNotExpire) {
    group_config cfg;
    cfg.offsets_retention_ms = 1'000;
    harness h(cfg);
    const std::string a = h.stable_single("g");
    do_commit(h, commit("g", 1, a, {{"t", 0, 1}}));
    for (int i = 0; i < 5; ++i) {
        h.advance(3000);
        h.heartbeat("g", a, 1);
    }
    EXPECT_EQ(h.c.find("g")->offsets.size(), 1u);
}

TEST(Offsets, DeleteGroups) {
    harness h;
    const std::string a = h.stable_single("g");
    do_commit(h, commit("solo", -1, "", {{"t", 0, 5}, {"t", 1, 6}}));
    DeleteGroupsRequest d;
    d.GroupsNames = {"g", "solo", "missing", ""};
    const size_t before = h.log.size();
    auto r = h.c.delete_groups(h.ctx(2), d, h.t());
    h.absorb(r.fx);
    ASSERT_EQ(r.response->Results.size(), 4u);
    EXPECT_EQ(r.response->Results[0].ErrorCode, ec(error_code::non_empty_group));
    EXPECT_EQ(r.response->Results[1].ErrorCode, 0);
    EXPECT_EQ(r.response->Results[2].ErrorCode, ec(error_code::group_id_not_found));
    EXPECT_EQ(r.response->Results[3].ErrorCode, ec(error_code::invalid_group_id));
    EXPECT_EQ(h.log.size(), before + 3);
    for (size_t i = before; i < h.log.size(); ++i) EXPECT_FALSE(h.log[i].value);
    EXPECT_EQ(h.c.find("solo"), nullptr);
    EXPECT_NE(h.c.find("g"), nullptr);
}

TEST(Offsets, OffsetDeleteRefusesSubscribedTopics) {
    harness h;
    const std::string a = h.stable_single("g", {"t"});
    do_commit(h, commit("g", 1, a, {{"t", 0, 1}, {"old", 0, 2}}));
    OffsetDeleteRequest d;
    d.GroupId = "g";
    d.Topics = {{"t", {{0, {}}}, {}}, {"old", {{0, {}}}, {}}};
    auto r = h.c.offset_delete(h.ctx(0), d, h.t());
    h.absorb(r.fx);
    EXPECT_EQ(r.response->ErrorCode, 0);
    EXPECT_EQ(r.response->Topics[0].Partitions[0].ErrorCode, ec(error_code::group_subscribed_to_topic));
    EXPECT_EQ(r.response->Topics[1].Partitions[0].ErrorCode, 0);
    EXPECT_EQ(h.c.find("g")->offsets.size(), 1u);
    EXPECT_FALSE(h.log.back().value);
    d.GroupId = "missing";
    EXPECT_EQ(h.c.offset_delete(h.ctx(0), d, h.t()).response->ErrorCode, ec(error_code::group_id_not_found));
}

} // namespace
} // namespace brook::group::testing
