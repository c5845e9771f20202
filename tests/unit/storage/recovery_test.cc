#include <fstream>
#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "test_util.h"

namespace brook::storage {
namespace {

using test::headers_of;
using test::make_batch;

void append_n(partition_log& log, int n, int64_t ts = 1000) {
    for (int i = 0; i < n; ++i) {
        auto b = make_batch(2, ts + i, 40);
        ASSERT_TRUE(log.append(b.bytes, b.header, append_options{timestamp_ms(ts)}));
    }
}

std::filesystem::path last_log_file(const std::filesystem::path& dir) {
    std::filesystem::path last;
    for (const auto& de : std::filesystem::directory_iterator(dir))
        if (de.path().extension() == ".log" && de.path() > last) last = de.path();
    return last;
}

std::vector<uint8_t> read_all(const partition_log& log) {
    std::vector<uint8_t> all;
    offset pos = log.log_start();
    while (pos < log.log_end()) {
        auto r = log.read(pos, 1 << 20, log.log_end());
        EXPECT_TRUE(r);
        if (!r || r->data.empty()) break;
        auto hs = headers_of(r->data);
        pos = hs.back().last_offset() + 1;
        all.insert(all.end(), r->data.begin(), r->data.end());
    }
    return all;
}

TEST(recovery, garbage_tail_is_truncated_and_offsets_continue) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 2000;
    cfg.index_interval_bytes = 200;
    std::vector<uint8_t> before;
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_n(*log, 30);
        before = read_all(*log);
        EXPECT_EQ(log->log_end(), offset(60));
        // Destructor: no clean close, as after a crash.
    }
    auto path = last_log_file(dir.path);
    auto good_size = std::filesystem::file_size(path);
    {
        std::ofstream f(path, std::ios::binary | std::ios::app);
        std::string junk(123, '\x5a');
        f << junk;
    }
    auto log = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(log);
    EXPECT_EQ(std::filesystem::file_size(path), good_size);
    EXPECT_EQ((*log)->log_end(), offset(60));
    EXPECT_EQ(read_all(**log), before);
    auto b = make_batch(1);
    auto a = (*log)->append(b.bytes, b.header);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->base, offset(60));
}

TEST(recovery, torn_last_batch_and_bad_crc) {
    test::temp_dir dir;
    log_config cfg;
    cfg.index_interval_bytes = 100;
    size_t one = make_batch(2, 1000, 40).bytes.size();
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_n(*log, 10);
    }
    auto path = last_log_file(dir.path);
    // Tear the last batch in half, then flip a byte inside the 8th batch's records.
    std::filesystem::resize_file(path, one * 9 + one / 2);
    {
        std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(static_cast<std::streamoff>(one * 7 + one - 3));
        f.put('\x01');
    }
    auto log = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(log);
    EXPECT_EQ((*log)->log_end(), offset(14)); // batches 0..6 survive, 2 records each
    EXPECT_EQ(std::filesystem::file_size(path), one * 7);
    EXPECT_EQ(headers_of(read_all(**log)).size(), 7u);
    // Index entries pointing past the cut are gone: lookups still work.
    auto r = (*log)->read(offset(13), 1 << 20, (*log)->log_end());
    ASSERT_TRUE(r);
    EXPECT_EQ(headers_of(r->data).at(0).base_offset, offset(12));
}

class index_damage : public ::testing::TestWithParam<int> {};

TEST_P(index_damage, rebuilt_with_same_lookups) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 3000;
    cfg.index_interval_bytes = 150;
    std::vector<uint8_t> before;
    std::vector<std::pair<offset, offset>> lookups; // (offset, base of batch returned)
    std::vector<std::pair<int64_t, offset>> times;
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_n(*log, 60);
        before = read_all(*log);
        for (offset o(0); o < log->log_end(); o += 7)
            lookups.emplace_back(o, headers_of(log->read(o, 1, log->log_end())->data).at(0).base_offset);
        for (int64_t ts = 990; ts < 1070; ts += 9) times.emplace_back(ts, *log->offset_for_timestamp(timestamp_ms(ts)));
        log->close();
    }
    // Damage the index of the first (sealed) segment and of the last one.
    auto first = dir.path / "00000000000000000000.index";
    auto last = last_log_file(dir.path);
    auto last_index = last;
    last_index.replace_extension(".index");
    auto first_time = dir.path / "00000000000000000000.timeindex";
    ASSERT_NE(first, last_index);
    switch (GetParam()) {
    case 0: // deleted
        std::filesystem::remove(first);
        std::filesystem::remove(first_time);
        std::filesystem::remove(last_index);
        break;
    case 1: // torn entry
        std::filesystem::resize_file(first, std::filesystem::file_size(first) - 3);
        std::filesystem::resize_file(first_time, std::filesystem::file_size(first_time) - 5);
        break;
    case 2: { // garbage: positions out of order / beyond the log
        std::ofstream f(first, std::ios::binary | std::ios::trunc);
        std::string junk = "\x00\x00\x00\x05\xff\xff\xff\x00\x00\x00\x00\x01\x00\x00\x00\x01";
        f.write(junk.data(), 16);
        std::ofstream g(last_index, std::ios::binary | std::ios::app);
        g.write(junk.data(), 8);
        break;
    }
    }
    auto log = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(log);
    EXPECT_EQ(read_all(**log), before);
    for (auto [o, base] : lookups)
        EXPECT_EQ(headers_of((*log)->read(o, 1, (*log)->log_end())->data).at(0).base_offset, base) << o;
    for (auto [ts, o] : times) EXPECT_EQ(*(*log)->offset_for_timestamp(timestamp_ms(ts)), o) << ts;
    EXPECT_GT(std::filesystem::file_size(first), 0u);
}

INSTANTIATE_TEST_SUITE_P(kinds, index_damage, ::testing::Values(0, 1, 2));

TEST(recovery, crash_with_clean_tail_scans_from_last_index_entry) {
    test::temp_dir dir;
    log_config cfg;
    cfg.index_interval_bytes = 120;
    std::vector<offset_index_entry> entries;
    std::vector<uint8_t> before;
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_n(*log, 40, 5000);
        entries = log->active().offsets().entries();
        before = read_all(*log);
        ASSERT_GT(entries.size(), 10u);
    }
    // Lose the newest index entries, as if the index write had not reached the disk.
    auto index = dir.path / "00000000000000000000.index";
    std::filesystem::resize_file(index, 8 * 4);
    auto log = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(log);
    EXPECT_EQ((*log)->active().offsets().entries(), entries); // re-derived identically
    EXPECT_EQ((*log)->log_end(), offset(80));
    EXPECT_EQ((*log)->max_timestamp(), timestamp_ms(5039));
    EXPECT_EQ(read_all(**log), before);
    EXPECT_EQ(*(*log)->offset_for_timestamp(timestamp_ms(5030)), offset(60));
}

TEST(recovery, clean_restart_keeps_everything) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 1000;
    std::vector<uint8_t> before;
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_n(*log, 25);
        ASSERT_TRUE(log->set_leader_epoch(leader_epoch(4)) == error_code::none);
        before = read_all(*log);
        log->close();
    }
    auto log = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(log);
    EXPECT_EQ((*log)->log_end(), offset(50));
    EXPECT_EQ((*log)->flushed_offset(), offset(50));
    EXPECT_EQ((*log)->current_leader_epoch(), leader_epoch(4));
    EXPECT_EQ(read_all(**log), before);
    auto b = make_batch(1);
    ASSERT_TRUE((*log)->append(b.bytes, b.header));
    auto r = (*log)->read(offset(50), 1000, (*log)->log_end());
    EXPECT_EQ(headers_of(r->data).at(0).partition_leader_epoch, leader_epoch(4));
}

} // namespace
} // namespace brook::storage
