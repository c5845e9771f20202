#include "base/varint.h"

#include <gtest/gtest.h>

#include <climits>

using namespace brook;

TEST(varint, zigzag_vectors) {
    // Protobuf's documented zig-zag mapping.
    std::vector<uint8_t> out;
    write_varint(out, 0);
    write_varint(out, -1);
    write_varint(out, 1);
    write_varint(out, -2);
    EXPECT_EQ(out, (std::vector<uint8_t>{0x00, 0x01, 0x02, 0x03}));
    out.clear();
    write_varint(out, 300); // zigzag 600 = 0xd8 0x04
    EXPECT_EQ(out, (std::vector<uint8_t>{0xd8, 0x04}));
}

TEST(varint, round_trip_extremes) {
    for (int64_t v : {int64_t(0), int64_t(1), int64_t(-1), int64_t(INT32_MAX), int64_t(INT32_MIN), INT64_MAX, INT64_MIN}) {
        std::vector<uint8_t> out;
        write_varlong(out, v);
        auto r = read_varlong(out);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->value, v);
        EXPECT_EQ(r->length, out.size());
    }
    for (int32_t v : {0, 1, -1, INT32_MAX, INT32_MIN, 63, -64, 64}) {
        std::vector<uint8_t> out;
        write_varint(out, v);
        auto r = read_varint(out);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->value, v);
    }
}

TEST(varint, truncated_and_overlong_rejected) {
    std::vector<uint8_t> truncated{0x80, 0x80};
    EXPECT_FALSE(read_varint(truncated));
    std::vector<uint8_t> overlong(6, 0x80);
    overlong.push_back(0x01);
    EXPECT_FALSE(read_varint(overlong)); // more than 5 bytes for a 32-bit varint
    EXPECT_FALSE(read_uvarint({}));
}

TEST(varint, uvarint_size) {
    EXPECT_EQ(uvarint_size(0), 1u);
    EXPECT_EQ(uvarint_size(127), 1u);
    EXPECT_EQ(uvarint_size(128), 2u);
    EXPECT_EQ(uvarint_size(UINT32_MAX), 5u);
}
