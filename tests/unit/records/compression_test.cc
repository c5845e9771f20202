#include "records/compression.h"

#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>

#include <random>
#include <string>

#include "base/endian.h"

namespace brook::records {
namespace {

std::vector<uint8_t> sample(size_t n, uint32_t seed = 7) {
    // Half text-like (compressible), half random: exercises both paths of every codec.
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = (i / 512) % 2 ? uint8_t(rng()) : uint8_t('a' + i % 7);
    return v;
}

class codec_test : public ::testing::TestWithParam<compression> {};

TEST_P(codec_test, round_trip_small_and_large) {
    for (size_t n : {size_t(0), size_t(1), size_t(100), size_t(300000)}) {
        auto in = sample(n);
        auto c = compress(GetParam(), in);
        ASSERT_TRUE(c) << n;
        auto d = decompress(GetParam(), *c);
        ASSERT_TRUE(d) << n << " " << error_name(d.error());
        EXPECT_EQ(*d, in) << n;
    }
}

TEST_P(codec_test, bound_is_enforced) {
    // 4 MiB of zeros compresses to almost nothing: the zip-bomb shape.
    std::vector<uint8_t> zeros(4 << 20, 0);
    auto c = compress(GetParam(), zeros);
    ASSERT_TRUE(c);
    EXPECT_EQ(decompress(GetParam(), *c, 1 << 20).error(), error_code::corrupt_message);
    auto ok = decompress(GetParam(), *c, 4 << 20);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->size(), zeros.size());
}

TEST_P(codec_test, truncated_and_garbage_input_is_an_error) {
    if (GetParam() == compression::none) GTEST_SKIP();
    auto in = sample(20000);
    auto c = compress(GetParam(), in);
    ASSERT_TRUE(c);
    for (size_t cut : {size_t(0), size_t(1), c->size() / 2, c->size() - 1}) {
        auto d = decompress(GetParam(), std::span(*c).first(cut));
        // Snappy's raw format cannot always tell a cut at the very end from a short
        // stream, but it must never return the full original.
        if (d) EXPECT_NE(*d, in) << cut;
        else EXPECT_EQ(d.error(), error_code::corrupt_message) << cut;
    }
    std::vector<uint8_t> garbage(64, 0xAB);
    EXPECT_FALSE(decompress(GetParam(), garbage));
}

INSTANTIATE_TEST_SUITE_P(all, codec_test,
                         ::testing::Values(compression::none, compression::gzip, compression::snappy, compression::lz4,
                                           compression::zstd),
                         [](const auto& info) { return std::to_string(int(info.param)); });

// The Java client's SnappyOutputStream (xerial) framing, built by hand.
std::vector<uint8_t> xerial(const std::vector<std::vector<uint8_t>>& chunks) {
    std::vector<uint8_t> out{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00, 0, 0, 0, 1, 0, 0, 0, 1};
    for (const auto& chunk : chunks) {
        std::string c;
        snappy::Compress(reinterpret_cast<const char*>(chunk.data()), chunk.size(), &c);
        uint8_t len[4];
        store_be<int32_t>(len, int32_t(c.size()));
        out.insert(out.end(), len, len + 4);
        out.insert(out.end(), c.begin(), c.end());
    }
    return out;
}

TEST(snappy_xerial, multi_chunk_stream_is_joined) {
    auto a = sample(32 * 1024, 1), b = sample(32 * 1024, 2), c = sample(10, 3);
    auto framed = xerial({a, b, c});
    auto d = decompress(compression::snappy, framed);
    ASSERT_TRUE(d) << error_name(d.error());
    std::vector<uint8_t> want = a;
    want.insert(want.end(), b.begin(), b.end());
    want.insert(want.end(), c.begin(), c.end());
    EXPECT_EQ(*d, want);
}

TEST(snappy_xerial, bad_chunk_length_is_corrupt) {
    auto framed = xerial({sample(1000)});
    auto longer = framed;
    store_be<int32_t>(longer.data() + 16, int32_t(framed.size())); // past the end
    EXPECT_EQ(decompress(compression::snappy, longer).error(), error_code::corrupt_message);
    auto negative = framed;
    store_be<int32_t>(negative.data() + 16, -5);
    EXPECT_EQ(decompress(compression::snappy, negative).error(), error_code::corrupt_message);
    framed.resize(framed.size() - 3); // truncated chunk
    EXPECT_EQ(decompress(compression::snappy, framed).error(), error_code::corrupt_message);
}

TEST(snappy_xerial, bound_applies_across_chunks) {
    std::vector<uint8_t> zeros(1 << 20, 0);
    auto framed = xerial({zeros, zeros, zeros});
    EXPECT_EQ(decompress(compression::snappy, framed, 2 << 20).error(), error_code::corrupt_message);
    EXPECT_TRUE(decompress(compression::snappy, framed, 3 << 20));
}

TEST(gzip, concatenated_members_and_zlib_wrapper) {
    auto a = sample(5000, 4), b = sample(7000, 5);
    auto ga = compress(compression::gzip, a), gb = compress(compression::gzip, b);
    ASSERT_TRUE(ga && gb);
    auto both = *ga;
    both.insert(both.end(), gb->begin(), gb->end());
    auto d = decompress(compression::gzip, both);
    ASSERT_TRUE(d);
    auto want = a;
    want.insert(want.end(), b.begin(), b.end());
    EXPECT_EQ(*d, want);

    // Gzip header magic is checked: compressed bytes start 1f 8b.
    ASSERT_GE(ga->size(), 2u);
    EXPECT_EQ((*ga)[0], 0x1f);
    EXPECT_EQ((*ga)[1], 0x8b);
}

TEST(codec, unknown_codec_value_is_unsupported) {
    std::vector<uint8_t> in{1, 2, 3};
    EXPECT_EQ(decompress(static_cast<compression>(5), in).error(), error_code::unsupported_compression_type);
    EXPECT_EQ(compress(static_cast<compression>(7), in).error(), error_code::unsupported_compression_type);
    EXPECT_TRUE(is_known_codec(4));
    EXPECT_FALSE(is_known_codec(5));
}

} // namespace
} // namespace brook::records
