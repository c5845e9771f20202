#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <vector>

namespace {

using brook::crc32c_impl;

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
    std::vector<uint8_t> out(n);
    std::mt19937 rng(seed);
    for (auto& b : out) b = static_cast<uint8_t>(rng());
    return out;
}

// Every implementation this CPU can run (the table always; SSE4.2 and PCLMULQDQ where present).
std::vector<crc32c_impl> impls() {
    std::vector<crc32c_impl> out;
    for (auto i : {crc32c_impl::table, crc32c_impl::sse42, crc32c_impl::sse42_clmul}) {
        if (brook::crc32c_supported(i)) out.push_back(i);
    }
    return out;
}

const char* name(crc32c_impl i) {
    switch (i) {
    case crc32c_impl::table: return "table";
    case crc32c_impl::sse42: return "sse42";
    case crc32c_impl::sse42_clmul: return "sse42_clmul";
    }
    return "?";
}

uint32_t with(crc32c_impl i, std::span<const uint8_t> d, uint32_t crc = 0) { return brook::crc32c_extend_with(i, crc, d); }
uint32_t table_crc(std::span<const uint8_t> d, uint32_t crc = 0) { return with(crc32c_impl::table, d, crc); }

// Straight from the definition, one bit at a time: an oracle that shares no code with the rest.
uint32_t bitwise(std::span<const uint8_t> d) {
    uint32_t c = ~0u;
    for (uint8_t b : d) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
    }
    return ~c;
}

} // namespace

TEST(crc32c, best_impl_is_supported_and_used) {
    EXPECT_TRUE(brook::crc32c_supported(crc32c_impl::table));
    EXPECT_TRUE(brook::crc32c_supported(brook::crc32c_best_impl()));
    auto buf = random_bytes(100000, 9);
    EXPECT_EQ(brook::crc32c(buf), with(brook::crc32c_best_impl(), buf));
#if defined(__x86_64__)
    // Every x86-64 this runs on in practice has both; a silent fallback would hide the fast path.
    EXPECT_EQ(brook::crc32c_best_impl(), crc32c_impl::sse42_clmul);
#endif
}

// Vectors from RFC 3720 (iSCSI) appendix B.4 and the classic "123456789" check value.
TEST(crc32c, check_value) {
    EXPECT_EQ(brook::crc32c(bytes("123456789")), 0xE3069283u);
    for (auto i : impls()) EXPECT_EQ(with(i, bytes("123456789")), 0xE3069283u) << name(i);
}

TEST(crc32c, rfc3720_vectors) {
    std::vector<uint8_t> zeros(32, 0x00), ones(32, 0xff), inc(32), dec(32);
    for (int i = 0; i < 32; ++i) { inc[i] = uint8_t(i); dec[i] = uint8_t(31 - i); }
    for (auto i : impls()) {
        EXPECT_EQ(with(i, zeros), 0x8A9136AAu) << name(i);
        EXPECT_EQ(with(i, ones), 0x62A8AB43u) << name(i);
        EXPECT_EQ(with(i, inc), 0x46DD794Eu) << name(i);
        EXPECT_EQ(with(i, dec), 0x113FDB5Cu) << name(i);
    }
}

TEST(crc32c, table_matches_bitwise_definition) {
    auto buf = random_bytes(4096 + 64, 1);
    for (size_t len = 0; len <= 300; ++len) {
        auto d = std::span<const uint8_t>(buf).subspan(len % 61, len);
        ASSERT_EQ(table_crc(d), bitwise(d)) << len;
    }
    EXPECT_EQ(table_crc(buf), bitwise(buf));
}

// Every length up to 4096 (so every block split of the three-stream path up to 3 x 1360 bytes,
// and the single-stream cut-over), each at a random start alignment.
TEST(crc32c, every_length_and_alignment_matches_table) {
    auto buf = random_bytes(4096 + 64, 2);
    std::mt19937 rng(3);
    for (size_t len = 0; len <= 4096; ++len) {
        auto d = std::span<const uint8_t>(buf).subspan(rng() % 64, len);
        const uint32_t want = table_crc(d);
        ASSERT_EQ(brook::crc32c(d), want) << "len " << len;
        for (auto i : impls()) ASSERT_EQ(with(i, d), want) << name(i) << " len " << len;
    }
}

// A non-zero starting register must be carried through the three-stream split as well.
TEST(crc32c, random_start_values_match_table) {
    auto buf = random_bytes(40000, 4);
    std::mt19937 rng(5);
    for (int n = 0; n < 2000; ++n) {
        const size_t off = rng() % 64;
        const size_t len = rng() % (buf.size() - off);
        const uint32_t start = rng();
        auto d = std::span<const uint8_t>(buf).subspan(off, len);
        const uint32_t want = table_crc(d, start);
        for (auto i : impls()) ASSERT_EQ(with(i, d, start), want) << name(i) << " len " << len;
    }
}

// Large inputs: many full 3 x 4096-byte rounds, and lengths around a round's edges.
TEST(crc32c, large_buffers_match_table) {
    auto buf = random_bytes((size_t(1) << 20) * 3 + 100, 6);
    std::vector<size_t> lens = {size_t(1) << 20, (size_t(1) << 20) + 1, (size_t(1) << 20) * 3 + 100, 1000003};
    for (size_t k = 0; k <= 40; ++k) {
        lens.push_back(3 * 4096 - 20 + k);
        lens.push_back(2 * 3 * 4096 - 20 + k);
    }
    for (size_t len : lens) {
        for (size_t off : {size_t(0), size_t(3)}) {
            auto d = std::span<const uint8_t>(buf).subspan(off, std::min(len, buf.size() - off));
            const uint32_t want = table_crc(d);
            ASSERT_EQ(brook::crc32c(d), want) << "len " << d.size();
            for (auto i : impls()) ASSERT_EQ(with(i, d), want) << name(i) << " len " << d.size();
        }
    }
}

TEST(crc32c, extend_equals_whole) {
    std::string_view s = "The quick brown fox jumps over the lazy dog, twice over for the tail";
    auto whole = brook::crc32c(bytes(s));
    for (size_t cut = 0; cut <= s.size(); ++cut) {
        auto part = brook::crc32c_extend(brook::crc32c(bytes(s.substr(0, cut))), bytes(s.substr(cut)));
        EXPECT_EQ(part, whole) << cut;
    }
}

// crc32c_extend is used incrementally (a patched header, then the body): chaining over any
// split points, with pieces short and long, must equal one call over the whole.
TEST(crc32c, extend_chains_at_arbitrary_splits) {
    auto buf = random_bytes(300000, 7);
    const uint32_t whole = table_crc(buf);
    ASSERT_EQ(brook::crc32c(buf), whole);
    std::mt19937 rng(8);
    for (int trial = 0; trial < 200; ++trial) {
        const size_t max_piece = trial % 2 ? 200 : 50000; // many short pieces, or few long ones
        for (auto i : impls()) {
            uint32_t crc = 0;
            size_t pos = 0;
            while (pos < buf.size()) {
                const size_t n = std::min<size_t>(rng() % (max_piece + 1), buf.size() - pos);
                crc = with(i, std::span<const uint8_t>(buf).subspan(pos, n), crc);
                pos += n;
            }
            ASSERT_EQ(crc, whole) << name(i) << " trial " << trial;
        }
    }
    // Every single cut of a mid-sized buffer, through the public entry point.
    auto mid = std::span<const uint8_t>(buf).first(5000);
    const uint32_t mid_crc = table_crc(mid);
    for (size_t cut = 0; cut <= mid.size(); ++cut) {
        ASSERT_EQ(brook::crc32c_extend(brook::crc32c(mid.first(cut)), mid.subspan(cut)), mid_crc) << cut;
    }
}
