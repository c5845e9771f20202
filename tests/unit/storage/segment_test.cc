#include <gtest/gtest.h>

#include "records/patch.h"
#include "storage/index.h"
#include "storage/segment.h"
#include "test_util.h"

namespace brook::storage {
namespace {

using test::make_batch;

struct appended {
    offset base;
    offset last;
    uint64_t pos;
};

// Appends `n` batches of 3 records with timestamps 100, 200, ... and returns where they went.
std::vector<appended> fill(segment& s, int n, offset start) {
    std::vector<appended> out;
    offset next = start;
    for (int i = 0; i < n; ++i) {
        auto b = make_batch(3, 100 * (i + 1), 50);
        records::set_base_offset(b.bytes, next);
        b.header = records::read_batch_header(b.bytes);
        uint64_t pos = s.size();
        EXPECT_EQ(s.append(b.bytes, b.header, timestamp_ms(0)), error_code::none);
        out.push_back({next, b.header.last_offset(), pos});
        next = b.header.last_offset() + 1;
    }
    return out;
}

TEST(segment, file_stem_round_trip) {
    EXPECT_EQ(offset_file_stem(offset(42)), "00000000000000000042");
    EXPECT_EQ(parse_offset_stem("00000000000000000042"), offset(42));
    EXPECT_FALSE(parse_offset_stem("42"));
    EXPECT_FALSE(parse_offset_stem("0000000000000000004x"));
}

class segment_lookup : public ::testing::TestWithParam<int32_t> {};

TEST_P(segment_lookup, offset_lookups_find_containing_batch) {
    test::temp_dir dir;
    log_config cfg;
    cfg.index_interval_bytes = GetParam();
    auto s = segment::create(dir.path, offset(100), cfg, timestamp_ms(0));
    ASSERT_TRUE(s);
    auto batches = fill(**s, 40, offset(100));
    if (GetParam() <= 200) {
        EXPECT_GT((*s)->offsets().entries().size(), 5u); // really sparse-indexed, not a full scan
    }
    for (const auto& b : batches) {
        for (offset o = b.base; o <= b.last; ++o) {
            auto pos = (*s)->lookup(o);
            ASSERT_TRUE(pos);
            ASSERT_TRUE(pos->has_value()) << o;
            EXPECT_EQ(**pos, b.pos) << "offset " << o;
        }
    }
    // Below the base: the first batch; beyond the end: nothing.
    EXPECT_EQ((*s)->lookup(offset(0))->value(), 0u);
    EXPECT_FALSE((*s)->lookup(batches.back().last + 1)->has_value());
    EXPECT_EQ((*s)->next_offset(), batches.back().last + 1);
}

INSTANTIATE_TEST_SUITE_P(intervals, segment_lookup, ::testing::Values(1, 200, 4096));

TEST(segment, time_index_lookup) {
    test::temp_dir dir;
    log_config cfg;
    cfg.index_interval_bytes = 150;
    auto s = segment::create(dir.path, offset(0), cfg, timestamp_ms(0));
    ASSERT_TRUE(s);
    auto batches = fill(**s, 30, offset(0)); // batch i has max timestamp 100 * (i + 1)
    EXPECT_FALSE((*s)->times().empty());
    EXPECT_EQ((*s)->max_timestamp(), timestamp_ms(3000));
    EXPECT_EQ((*s)->find_timestamp(timestamp_ms(0))->value(), offset(0));
    EXPECT_EQ((*s)->find_timestamp(timestamp_ms(100))->value(), offset(0));
    EXPECT_EQ((*s)->find_timestamp(timestamp_ms(101))->value(), batches[1].base);
    EXPECT_EQ((*s)->find_timestamp(timestamp_ms(1550))->value(), batches[15].base);
    EXPECT_EQ((*s)->find_timestamp(timestamp_ms(3000))->value(), batches[29].base);
    EXPECT_FALSE((*s)->find_timestamp(timestamp_ms(3001))->has_value());
}

TEST(segment, reopen_keeps_indexes_and_state) {
    test::temp_dir dir;
    log_config cfg;
    cfg.index_interval_bytes = 150;
    std::vector<appended> batches;
    std::vector<offset_index_entry> entries;
    {
        auto s = segment::create(dir.path, offset(7), cfg, timestamp_ms(0));
        ASSERT_TRUE(s);
        batches = fill(**s, 20, offset(7));
        ASSERT_EQ((*s)->seal(), error_code::none);
        entries = (*s)->offsets().entries();
    }
    auto s = segment::open(dir.path, offset(7), cfg, true, std::nullopt);
    ASSERT_TRUE(s);
    EXPECT_EQ((*s)->offsets().entries(), entries);
    EXPECT_EQ((*s)->next_offset(), batches.back().last + 1);
    EXPECT_EQ((*s)->max_timestamp(), timestamp_ms(2000));
    EXPECT_EQ((*s)->lookup(batches[13].base + 1)->value(), batches[13].pos);
}

TEST(index, malformed_file_is_invalid) {
    test::temp_dir dir;
    auto p = dir.path / "x.index";
    {
        auto idx = offset_index::open(p);
        ASSERT_TRUE(idx);
        idx->append({1, 100});
        idx->append({2, 50}); // position goes backwards
        idx->flush();
    }
    auto idx = offset_index::open(p);
    ASSERT_TRUE(idx);
    EXPECT_FALSE(idx->valid());
    std::filesystem::resize_file(p, 5); // not a whole entry
    EXPECT_FALSE(offset_index::open(p)->valid());
}

} // namespace
} // namespace brook::storage
