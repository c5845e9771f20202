// Tagged fields: known ones are members, unknown ones survive decode -> encode unchanged,
// and the combined section is emitted in ascending tag order.
#include <gtest/gtest.h>

#include "protocol/messages.h"

namespace brook::protocol {
namespace {

template <class M>
std::vector<uint8_t> encode(const M& m, int16_t v) {
    std::vector<uint8_t> out;
    writer w(out);
    m.encode(w, v);
    return out;
}

TEST(Tagged, UnknownPreservedAtEveryLevel) {
    ProduceRequest req;
    req.Acks = -1;
    req.unknown_tags.push_back({42, {1, 2, 3}});
    auto& topic = req.TopicData.emplace_back();
    topic.Name = "t";
    topic.unknown_tags.push_back({7, {}});
    auto& part = topic.PartitionData.emplace_back();
    part.Records = records_data(bytes{0xde, 0xad});
    part.unknown_tags.push_back({0, {9}});

    auto wire = encode(req, 9);
    ProduceRequest back;
    reader r(wire);
    ASSERT_TRUE(back.decode(r, 9));
    EXPECT_TRUE(back == req);
    EXPECT_EQ(encode(back, 9), wire);
    // Non-flexible versions have no tag sections at all.
    EXPECT_LT(encode(req, 8).size(), wire.size());
}

TEST(Tagged, KnownAndUnknownMergedInTagOrder) {
    ApiVersionsResponse resp;
    resp.FinalizedFeaturesEpoch = 5;                // tag 1
    resp.ZkMigrationReady = true;                   // tag 3
    resp.unknown_tags.push_back({2, {0xee}});       // not known at this level? tag 2 is known...
    resp.unknown_tags.back().tag = 9;               // ...so use tag 9 for a truly unknown one
    auto wire = encode(resp, 3);
    // ErrorCode(2) ApiKeys(1: empty compact) ThrottleTimeMs(4), then the tag section.
    std::vector<uint8_t> tags(wire.begin() + 7, wire.end());
    EXPECT_EQ(tags, (std::vector<uint8_t>{3, /*tag1*/ 1, 8, 0, 0, 0, 0, 0, 0, 0, 5,
                                          /*tag3*/ 3, 1, 1, /*tag9*/ 9, 1, 0xee}));
    ApiVersionsResponse back;
    reader r(wire);
    ASSERT_TRUE(back.decode(r, 3));
    EXPECT_EQ(back.FinalizedFeaturesEpoch, 5);
    EXPECT_TRUE(back.ZkMigrationReady);
    ASSERT_EQ(back.unknown_tags.size(), 1u);
    EXPECT_EQ(back.unknown_tags[0].tag, 9u);
    EXPECT_EQ(encode(back, 3), wire);
}

TEST(Tagged, DefaultValuedKnownTagsAreNotSent) {
    ApiVersionsResponse resp; // FinalizedFeaturesEpoch = -1 default, no features
    auto wire = encode(resp, 3);
    EXPECT_EQ(wire.back(), 0); // empty tag section
    EXPECT_EQ(wire.size(), 8u);
}

TEST(Tagged, KnownTagWithTrailingGarbageRejected) {
    // FinalizedFeaturesEpoch declared with size 9: one byte too many for an int64.
    std::vector<uint8_t> wire{0, 0, 1, 0, 0, 0, 0, 1, 1, 9, 0, 0, 0, 0, 0, 0, 0, 5, 0};
    ApiVersionsResponse back;
    reader r(wire);
    EXPECT_FALSE(back.decode(r, 3));
}

TEST(Tagged, TaggedStructField) {
    FetchResponse resp;
    auto& t = resp.Responses.emplace_back();
    auto& p = t.Partitions.emplace_back();
    p.CurrentLeader.LeaderId = 3;
    p.CurrentLeader.LeaderEpoch = 8;
    p.Records = records_data(bytes{1, 2, 3});
    auto wire = encode(resp, 12);
    FetchResponse back;
    reader r(wire);
    ASSERT_TRUE(back.decode(r, 12));
    EXPECT_EQ(back.Responses.at(0).Partitions.at(0).CurrentLeader.LeaderEpoch, 8);
    EXPECT_TRUE(back == resp);
    EXPECT_TRUE(back.Responses[0].Partitions[0].unknown_tags.empty());
}

} // namespace
} // namespace brook::protocol
