#include "protocol/wire.h"

#include <gtest/gtest.h>

namespace brook::protocol {
namespace {

TEST(Wire, PrimitivesRoundTripBigEndian) {
    std::vector<uint8_t> buf;
    writer w(buf);
    w.i16(0x0102);
    w.i32(-2);
    w.i64(0x0102030405060708LL);
    w.uvarint(300);
    w.f64(1.5);
    EXPECT_EQ(buf[0], 0x01);
    EXPECT_EQ(buf[1], 0x02);
    EXPECT_EQ(buf[2], 0xff);
    EXPECT_EQ(buf[14], 0xac); // 300 = 0xac 0x02
    EXPECT_EQ(buf[15], 0x02);
    reader r(buf);
    EXPECT_EQ(r.i16(), 0x0102);
    EXPECT_EQ(r.i32(), -2);
    EXPECT_EQ(r.i64(), 0x0102030405060708LL);
    EXPECT_EQ(r.uvarint(), 300u);
    EXPECT_EQ(r.f64(), 1.5);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
}

TEST(Wire, OverrunSticks) {
    std::vector<uint8_t> buf{0, 1, 2};
    reader r(buf);
    EXPECT_EQ(r.i32(), 0);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.i8(), 0); // later reads stay failed and read nothing
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
}

TEST(Wire, LengthsCheckedAgainstRemaining) {
    // Classic string claims 100 bytes, only 2 follow.
    std::vector<uint8_t> s{0x00, 0x64, 'a', 'b'};
    reader r1(s);
    std::string out;
    EXPECT_FALSE(r1.string(out, false));
    // Array claims 2^31-1 elements.
    std::vector<uint8_t> a{0x7f, 0xff, 0xff, 0xff};
    reader r2(a);
    EXPECT_EQ(r2.length(false, false), -1);
    EXPECT_FALSE(r2.ok());
    // Length below -1 is malformed.
    std::vector<uint8_t> neg{0xff, 0xfe};
    reader r3(neg);
    std::optional<std::string> o;
    EXPECT_FALSE(r3.nullable_string(o, false));
    // Non-nullable string refuses null.
    std::vector<uint8_t> null_s{0xff, 0xff};
    reader r4(null_s);
    EXPECT_FALSE(r4.string(out, false));
    // Unterminated varint.
    std::vector<uint8_t> v{0x80, 0x80};
    reader r5(v);
    r5.uvarint();
    EXPECT_FALSE(r5.ok());
    // A compact string may claim more than 32767 bytes; like Kafka we refuse it (every string
    // must fit the classic int16 length), and accept exactly 32767.
    for (size_t len : {size_t(32767), size_t(32768)}) {
        std::vector<uint8_t> buf;
        writer w(buf);
        w.uvarint(len + 1);
        buf.resize(buf.size() + len, 'x');
        reader r(buf);
        std::string got;
        EXPECT_EQ(r.string(got, true), len == 32767) << len;
        EXPECT_EQ(r.ok(), len == 32767) << len;
    }
}

TEST(Wire, CompactEncodings) {
    std::vector<uint8_t> buf;
    writer w(buf);
    w.string("ab", true);
    w.nullable_string(std::nullopt, true);
    w.nullable_bytes(bytes{9}, true);
    EXPECT_EQ(buf, (std::vector<uint8_t>{3, 'a', 'b', 0, 2, 9}));
    reader r(buf);
    std::string s;
    std::optional<std::string> ns{"x"};
    std::optional<bytes> nb;
    EXPECT_TRUE(r.string(s, true));
    EXPECT_TRUE(r.nullable_string(ns, true));
    EXPECT_TRUE(r.nullable_bytes(nb, true));
    EXPECT_EQ(s, "ab");
    EXPECT_FALSE(ns.has_value());
    EXPECT_EQ(nb, bytes{9});
}

} // namespace
} // namespace brook::protocol
