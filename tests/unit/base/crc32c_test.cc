#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace {
std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
} // namespace

// Vectors from RFC 3720 (iSCSI) appendix B.4 and the classic "123456789" check value.
TEST(crc32c, check_value) { EXPECT_EQ(brook::crc32c(bytes("123456789")), 0xE3069283u); }

TEST(crc32c, rfc3720_vectors) {
    std::vector<uint8_t> zeros(32, 0x00), ones(32, 0xff), inc(32), dec(32);
    for (int i = 0; i < 32; ++i) { inc[i] = uint8_t(i); dec[i] = uint8_t(31 - i); }
    EXPECT_EQ(brook::crc32c(zeros), 0x8A9136AAu);
    EXPECT_EQ(brook::crc32c(ones), 0x62A8AB43u);
    EXPECT_EQ(brook::crc32c(inc), 0x46DD794Eu);
    EXPECT_EQ(brook::crc32c(dec), 0x113FDB5Cu);
}

TEST(crc32c, extend_equals_whole) {
    std::string_view s = "The quick brown fox jumps over the lazy dog, twice over for the tail";
    auto whole = brook::crc32c(bytes(s));
    for (size_t cut = 0; cut <= s.size(); ++cut) {
        auto part = brook::crc32c_extend(brook::crc32c(bytes(s.substr(0, cut))), bytes(s.substr(cut)));
        EXPECT_EQ(part, whole) << cut;
    }
}
