// The cleaner's offset map: bounded memory, latest offset per key, refusal when full.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "storage/offset_map.h"

namespace brook::storage {
namespace {

key_digest dig(const std::string& s) {
    return digest_key(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

TEST(offset_map, keeps_the_latest_offset_per_key) {
    offset_map m(1 << 20);
    m.reset(100);
    EXPECT_TRUE(m.put(dig("a"), offset(1)));
    EXPECT_TRUE(m.put(dig("b"), offset(2)));
    EXPECT_TRUE(m.put(dig("a"), offset(7)));
    EXPECT_TRUE(m.put(dig("a"), offset(5))); // an older offset never wins
    EXPECT_EQ(m.get(dig("a")), offset(7));
    EXPECT_EQ(m.get(dig("b")), offset(2));
    EXPECT_EQ(m.get(dig("c")), std::nullopt);
    EXPECT_EQ(m.size(), 2u);
}

TEST(offset_map, refuses_new_keys_at_its_load_limit_but_updates_known_ones) {
    const size_t budget = 1000 * offset_map::slot_bytes;
    offset_map m(budget, 0.5);
    m.reset(1'000'000); // asks for more than the budget: capped
    EXPECT_LE(m.memory_bytes(), budget);
    EXPECT_EQ(m.capacity(), 500u);
    size_t i = 0;
    while (m.put(dig("k" + std::to_string(i)), offset(int64_t(i)))) ++i;
    EXPECT_EQ(i, 500u);
    EXPECT_TRUE(m.full());
    EXPECT_EQ(m.get(dig("k500")), std::nullopt); // the refused put changed nothing
    EXPECT_TRUE(m.put(dig("k3"), offset(10'000)));
    EXPECT_EQ(m.get(dig("k3")), offset(10'000));
    for (size_t k = 0; k < 500; ++k)
        if (k != 3) EXPECT_EQ(m.get(dig("k" + std::to_string(k))), offset(int64_t(k)));
}

TEST(offset_map, sizes_itself_to_the_pass_and_empties_on_reset) {
    offset_map m(size_t(64) << 20);
    m.reset(10);
    EXPECT_LT(m.memory_bytes(), 4096u); // a small partition does not touch the whole budget
    EXPECT_TRUE(m.put(dig("x"), offset(1)));
    m.reset(10);
    EXPECT_EQ(m.size(), 0u);
    EXPECT_EQ(m.get(dig("x")), std::nullopt);
    EXPECT_EQ(m.max_capacity(), size_t(double((size_t(64) << 20) / 24) * 0.9));
}

TEST(offset_map, digests_differ_for_distinct_keys) {
    std::set<std::pair<uint64_t, uint64_t>> seen;
    for (int i = 0; i < 200'000; ++i) {
        auto d = dig("key-" + std::to_string(i));
        EXPECT_TRUE(seen.insert({d.lo, d.hi}).second) << i;
    }
    // Empty key and every tail length of the 16-byte block walk.
    std::string s;
    for (int n = 0; n < 40; ++n, s.push_back(char('a' + n % 26))) EXPECT_TRUE(seen.insert({dig(s).lo, dig(s).hi}).second);
    EXPECT_EQ(dig("same"), dig("same"));
}

TEST(offset_map, murmur3_reference_vector) {
    // Published MurmurHash3_x64_128 vectors (seed 0), as (h1, h2).
    auto d = dig("hello");
    EXPECT_EQ(d.lo, 0xcbd8a7b341bd9b02ULL);
    EXPECT_EQ(d.hi, 0x5b1e906a48ae1d19ULL);
    EXPECT_EQ(dig("hello, world"), (key_digest{0x342fac623a5ebc8eULL, 0x4cdcbc079642414dULL}));
    EXPECT_EQ(dig("19 Jan 2038 at 3:14:07 AM"), (key_digest{0xb89e5988b737affcULL, 0x664fc2950231b2cbULL}));
    EXPECT_EQ(dig(""), (key_digest{0, 0}));
}

} // namespace
} // namespace brook::storage
