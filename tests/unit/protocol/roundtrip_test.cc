// Every generated message (served or not), at every version in its range: random sample ->
// encode -> decode must give an equal struct and byte-identical re-encoding; every strict
// prefix of the encoding must be rejected without crashing.
#include <gtest/gtest.h>

#include "protocol/messages.h"
#include "protocol/messages_testing.h"

namespace brook::protocol {
namespace {

template <class M>
void check_message(int16_t version, uint64_t seed, bool prefixes) {
    M original;
    testing::sample_rng g{seed};
    testing::fill_sample(original, g, version);

    std::vector<uint8_t> first;
    writer w(first);
    original.encode(w, version);

    M decoded;
    reader r(first);
    ASSERT_TRUE(decoded.decode(r, version)) << M::api_name << " v" << version << " seed " << seed;
    EXPECT_EQ(r.remaining(), 0u) << M::api_name << " v" << version;
    EXPECT_TRUE(decoded == original) << M::api_name << " v" << version << " seed " << seed;

    std::vector<uint8_t> second;
    writer w2(second);
    decoded.encode(w2, version);
    EXPECT_EQ(first, second) << M::api_name << " v" << version << " seed " << seed;

    if (!prefixes) return;
    for (size_t n = 0; n < first.size(); ++n) {
        // Copy so ASan catches any read past the prefix.
        std::vector<uint8_t> prefix(first.begin(), first.begin() + static_cast<ptrdiff_t>(n));
        reader p(prefix);
        M m;
        EXPECT_FALSE(m.decode(p, version)) << M::api_name << " v" << version << " prefix " << n;
    }
}

TEST(RoundTrip, EveryMessageEveryVersion) {
    int checked = 0;
    for (int16_t key : generated_api_keys) {
        bool found = visit_api(key, [&]<class Req, class Resp>(std::type_identity<Req>, std::type_identity<Resp>) {
            for (int16_t v = Req::min_version; v <= Req::max_version; ++v) {
                for (uint64_t seed = 1; seed <= 12; ++seed) {
                    check_message<Req>(v, seed * 7919 + uint64_t(key), seed <= 3);
                    check_message<Resp>(v, seed * 104729 + uint64_t(key), seed <= 3);
                }
                ++checked;
            }
        });
        EXPECT_TRUE(found);
    }
    EXPECT_GT(checked, 100);
}

TEST(RoundTrip, VersionGatedFieldsKeepDefaults) {
    // ThrottleTimeMs is absent from ApiVersionsResponse v0; LogAppendTimeMs defaults to -1.
    ApiVersionsResponse resp;
    resp.ThrottleTimeMs = 99;
    resp.ApiKeys.push_back({18, 0, 4, {}});
    std::vector<uint8_t> buf;
    writer w(buf);
    resp.encode(w, 0);
    EXPECT_EQ(buf, (std::vector<uint8_t>{0, 0, 0, 0, 0, 1, 0, 18, 0, 0, 0, 4}));
    ApiVersionsResponse back;
    reader r(buf);
    ASSERT_TRUE(back.decode(r, 0));
    EXPECT_EQ(back.ThrottleTimeMs, 0);
    EXPECT_EQ(ProduceResponse::PartitionProduceResponse{}.LogAppendTimeMs, -1);
    EXPECT_EQ(FetchRequest{}.ReplicaId, -1);
    EXPECT_EQ(FetchRequest{}.MaxBytes, 0x7fffffff);
}

TEST(RoundTrip, NullabilityFollowsVersion) {
    // MetadataRequest.Topics is nullable from v1 only: null at v0 is encoded as an empty array.
    MetadataRequest req;
    req.Topics.reset();
    std::vector<uint8_t> v0;
    writer w0(v0);
    req.encode(w0, 0);
    EXPECT_EQ(v0, (std::vector<uint8_t>{0, 0, 0, 0}));
    std::vector<uint8_t> nul{0xff, 0xff, 0xff, 0xff};
    MetadataRequest m;
    reader r0(nul);
    EXPECT_FALSE(m.decode(r0, 0)); // null array is malformed at v0
    reader r1(nul);
    EXPECT_TRUE(m.decode(r1, 1));
    EXPECT_FALSE(m.Topics.has_value());
}

} // namespace
} // namespace brook::protocol
