#include "protocol/headers.h"

#include <gtest/gtest.h>

#include "protocol/api_table.h"

namespace brook::protocol {
namespace {

TEST(Headers, Versions) {
    EXPECT_EQ(request_header_version(18, 3), 2);  // ApiVersions v3 is flexible
    EXPECT_EQ(response_header_version(18, 3), 0); // ...but its response header is always v0
    EXPECT_EQ(request_header_version(18, 2), 1);
    EXPECT_EQ(request_header_version(0, 8), 1);
    EXPECT_EQ(request_header_version(0, 9), 2);
    EXPECT_EQ(response_header_version(0, 9), 1);
    EXPECT_EQ(response_header_version(3, 8), 0);
    EXPECT_EQ(request_header_version(7, 0), 0); // ControlledShutdown v0
    EXPECT_EQ(request_header_version(7, 1), 1);
    EXPECT_EQ(request_header_version(29, 2), 2); // DescribeAcls: not served, still known
    EXPECT_EQ(request_header_version(17, 1), 1); // SaslHandshake: never flexible
    EXPECT_EQ(request_header_version(999, 5), 1); // unknown API: classic header v1
    EXPECT_EQ(request_header_version(-1, 0), 1);
}

TEST(Headers, DecodeUnservedFlexibleApi) {
    // DescribeAcls v2 (not served): header v2 with one tagged field, then a body.
    std::vector<uint8_t> in{0x00, 0x1d, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 'c',
                            0x01, 0x02, 0x01, 0xaa, /*body*/ 0x77};
    reader r(in);
    request_header h;
    ASSERT_TRUE(decode_request_header(r, h));
    EXPECT_EQ(h.RequestApiKey, 29);
    EXPECT_EQ(h.RequestApiVersion, 2);
    EXPECT_EQ(h.CorrelationId, 5);
    EXPECT_EQ(h.ClientId, "c");
    ASSERT_EQ(h.unknown_tags.size(), 1u);
    EXPECT_EQ(h.unknown_tags[0].tag, 2u);
    EXPECT_EQ(r.remaining(), 1u);
    std::vector<uint8_t> out;
    writer w(out);
    encode_request_header(w, h);
    EXPECT_EQ(out, std::vector<uint8_t>(in.begin(), in.end() - 1));
}

TEST(Headers, DecodeUnknownApiAndTruncation) {
    std::vector<uint8_t> in{0x03, 0xe7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff};
    reader r(in);
    request_header h;
    ASSERT_TRUE(decode_request_header(r, h));
    EXPECT_EQ(h.RequestApiKey, 999);
    EXPECT_FALSE(h.ClientId.has_value());
    for (size_t n = 0; n < in.size(); ++n) {
        reader p(std::span<const uint8_t>(in.data(), n));
        request_header hh;
        EXPECT_FALSE(decode_request_header(p, hh)) << n;
    }
}

TEST(Headers, ResponseHeader) {
    std::vector<uint8_t> out;
    writer w(out);
    encode_response_header(w, 0x01020304, 0);
    EXPECT_EQ(out, (std::vector<uint8_t>{1, 2, 3, 4}));
    encode_response_header(w, 1, 1);
    EXPECT_EQ(out.size(), 9u);
    EXPECT_EQ(out.back(), 0);
}

TEST(ApiTable, ServedApis) {
    auto apis = served_apis();
    ASSERT_EQ(apis.size(), 36u);
    struct want { int16_t key, min, max, flex; };
    const want expected[] = {{0, 3, 9, 9},   {1, 4, 12, 12}, {2, 0, 7, 6},   {3, 0, 12, 9},  {8, 0, 8, 8},
                             {9, 0, 8, 6},   {10, 0, 4, 3},  {11, 0, 9, 6},  {12, 0, 4, 4},  {13, 0, 5, 4},
                             {14, 0, 5, 4},  {15, 0, 5, 5},  {16, 0, 4, 3},  {18, 0, 4, 3},  {19, 0, 5, 5},
                             {20, 0, 4, 4},  {21, 0, 2, 2},  {22, 0, 4, 2},  {23, 0, 4, 4},  {24, 0, 3, 3},
                             {25, 0, 3, 3},  {26, 0, 3, 3},  {28, 0, 3, 3},  {32, 0, 4, 4},  {33, 0, 2, 2},
                             {35, 0, 4, 2},  {37, 0, 3, 2},  {42, 0, 2, 2},  {44, 0, 1, 1},  {47, 0, 0, INT16_MAX},
                             {48, 0, 1, 1}, {49, 0, 1, 1},
                             {60, 0, 1, 0}, {61, 0, 0, 0}, {65, 0, 0, 0},
                             {66, 0, 1, 0}};
    for (size_t i = 0; i < apis.size(); ++i) {
        EXPECT_EQ(apis[i].api_key, expected[i].key);
        EXPECT_EQ(apis[i].min_version, expected[i].min);
        EXPECT_EQ(apis[i].max_version, expected[i].max);
        EXPECT_EQ(apis[i].first_flexible_version, expected[i].flex);
        EXPECT_EQ(find_api(apis[i].api_key), &apis[i]);
        // The header table agrees with the generated one.
        if (expected[i].flex == INT16_MAX) continue; // OffsetDelete v0: no flexible version served
        EXPECT_EQ(is_flexible_version(apis[i].api_key, apis[i].first_flexible_version), true);
        EXPECT_EQ(is_flexible_version(apis[i].api_key, apis[i].first_flexible_version - 1), false);
    }
    EXPECT_EQ(find_api(29), nullptr); // DescribeAcls: not generated, not served
    EXPECT_EQ(find_api(-1), nullptr);
    EXPECT_EQ(find_api(18)->name, "ApiVersions");
}

} // namespace
} // namespace brook::protocol
