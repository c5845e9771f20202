// Key groups: the hash is stable and spreads keys, repartition records round-trip and refuse
// damaged bytes, and a key group's clock follows watermark.h's rules over source partitions.
#include <gtest/gtest.h>

#include <set>

#include "stream/key_groups.h"
#include "stream/watermark.h"

namespace brook::stream {
namespace {

TEST(KeyGroups, HashIsFixedAndSpreads) {
    // Fixed values: a worker of another build must route a key to the same key group.
    EXPECT_EQ(key_group_of("", 16), int32_t(14695981039346656037ull % 16));
    std::set<int32_t> seen;
    for (int i = 0; i < 200; ++i) {
        std::string k;
        encode_key(value{std::string("user") + std::to_string(i)}, k);
        const int32_t g = key_group_of(k, 16);
        ASSERT_GE(g, 0);
        ASSERT_LT(g, 16);
        EXPECT_EQ(g, key_group_of(k, 16));
        seen.insert(g);
    }
    EXPECT_EQ(seen.size(), 16u);
}

TEST(KeyGroups, RoutedRowRoundTrips) {
    routed_row r;
    r.ts = 1700000000123;
    r.source_partition = 3;
    r.source_watermark = 1700000000000;
    r.keys = {value{std::string("u1")}, value{int64_t(7)}};
    r.args = {value{}, value{2.5}};
    client::record orig;
    orig.topic = "in";
    orig.partition = 3;
    orig.offset = 42;
    orig.timestamp_ms = 5;
    orig.key = std::nullopt;
    orig.value = std::string("{\"a\":1}");
    orig.headers = {{"h", std::nullopt}, {"g", std::string("v")}};
    r.original = orig;
    routed_row back;
    source_mark m;
    const std::string bytes = encode_routed_row(r);
    ASSERT_EQ(decode_routed(bytes, back, m), 'D');
    EXPECT_EQ(back.ts, r.ts);
    EXPECT_EQ(back.source_partition, 3);
    EXPECT_EQ(back.source_watermark, r.source_watermark);
    ASSERT_EQ(back.keys.size(), 2u);
    EXPECT_EQ(compare(back.keys[0], r.keys[0]), 0);
    EXPECT_TRUE(is_null(back.args[0]));
    ASSERT_TRUE(back.original);
    EXPECT_EQ(back.original->offset, 42);
    EXPECT_FALSE(back.original->key);
    EXPECT_EQ(back.original->headers.size(), 2u);
    EXPECT_FALSE(back.original->headers[0].value);
    // Every truncation is refused, as is a trailing byte.
    for (size_t n = 0; n < bytes.size(); ++n) EXPECT_EQ(decode_routed(bytes.substr(0, n), back, m), 0) << n;
    EXPECT_EQ(decode_routed(bytes + "x", back, m), 0);
    EXPECT_EQ(decode_routed("Zjunk", back, m), 0);
}

TEST(KeyGroups, MarkRoundTrips) {
    source_mark m{2, 123, true, false}, back;
    routed_row r;
    ASSERT_EQ(decode_routed(encode_mark(m), r, back), 'W');
    EXPECT_EQ(back.partition, 2);
    EXPECT_EQ(back.watermark, 123);
    EXPECT_TRUE(back.idle);
    EXPECT_FALSE(back.finished);
    EXPECT_EQ(decode_routed(encode_mark(m).substr(0, 9), r, back), 0);
}

TEST(KeyGroups, ClockIsMinimumOverActivePartitionsAndNeverRegresses) {
    key_group_clock c(3);
    c.on_row(0, 100);
    c.on_row(1, 50);
    EXPECT_EQ(c.advance(), no_watermark); // partition 2 has not been heard of
    c.on_mark({2, 70, false, false});
    EXPECT_EQ(c.advance(), 50);
    c.on_mark({1, 50, true, false}); // idle: no longer holds the minimum
    EXPECT_EQ(c.advance(), 70);
    c.on_row(1, 60); // active again, behind: the clock does not go back
    EXPECT_EQ(c.advance(), 70);
    c.on_mark({0, 100, true, false});
    c.on_mark({1, 60, true, false});
    c.on_mark({2, 80, true, false});
    EXPECT_EQ(c.advance(), 100); // all idle: the maximum
    for (int32_t p = 0; p < 3; ++p) c.on_mark({p, 0, false, true});
    EXPECT_TRUE(c.all_finished());
    EXPECT_EQ(c.advance(), end_of_time);
    c.on_mark({7, 1, false, false}); // a partition the topic does not have is ignored
}

TEST(KeyGroups, ClockRoundTripsThroughItsChangelogForm) {
    key_group_clock c(2), back(2), other(3);
    c.on_row(0, 10);
    c.on_mark({1, 20, true, true});
    c.advance();
    ASSERT_TRUE(back.decode(c.encode()));
    EXPECT_EQ(back.current(), c.current());
    EXPECT_EQ(back.encode(), c.encode());
    EXPECT_FALSE(other.decode(c.encode())); // the source topic's partition count changed
    EXPECT_FALSE(back.decode(c.encode().substr(1)));
}

} // namespace
} // namespace brook::stream
