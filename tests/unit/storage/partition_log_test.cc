#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "test_util.h"

namespace brook::storage {
namespace {

using test::headers_of;
using test::make_batch;

std::unique_ptr<partition_log> open_log(const std::filesystem::path& dir, log_config cfg = {}) {
    auto log = partition_log::open(dir, cfg);
    EXPECT_TRUE(log) << error_name(log.error());
    return log ? std::move(log).value() : nullptr;
}

append_info must_append(partition_log& log, const test::batch& b, int64_t now = 1000) {
    auto r = log.append(b.bytes, b.header, append_options{timestamp_ms(now)});
    EXPECT_TRUE(r) << error_name(r.error());
    return r ? *r : append_info{};
}

TEST(partition_log, new_log_is_empty) {
    test::temp_dir dir;
    auto log = open_log(dir.path / "t" / "0");
    ASSERT_TRUE(log);
    EXPECT_EQ(log->log_start(), offset(0));
    EXPECT_EQ(log->log_end(), offset(0));
    EXPECT_TRUE(std::filesystem::exists(dir.path / "t" / "0" / "00000000000000000000.log"));
    auto r = log->read(offset(0), 1024, offset(0));
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->data.empty());
}

TEST(partition_log, append_assigns_offsets_and_does_not_touch_input) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    auto b = make_batch(3);
    auto before = b.bytes;
    auto a = must_append(*log, b);
    EXPECT_EQ(a.base, offset(0));
    EXPECT_EQ(a.last, offset(2));
    EXPECT_EQ(a.log_append_time, timestamp_ms(-1));
    EXPECT_FALSE(a.duplicate);
    EXPECT_EQ(b.bytes, before);
    auto a2 = must_append(*log, b);
    EXPECT_EQ(a2.base, offset(3));
    EXPECT_EQ(log->log_end(), offset(6));

    auto r = log->read(offset(4), 1 << 20, log->log_end());
    ASSERT_TRUE(r);
    auto hs = headers_of(r->data);
    ASSERT_EQ(hs.size(), 1u); // the batch containing offset 4
    EXPECT_EQ(hs[0].base_offset, offset(3));
    EXPECT_EQ(hs[0].partition_leader_epoch, leader_epoch(0));
}

TEST(partition_log, read_across_rolls) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 1000;
    cfg.index_interval_bytes = 300;
    auto log = open_log(dir.path, cfg);
    std::vector<offset> bases;
    for (int i = 0; i < 50; ++i) bases.push_back(must_append(*log, make_batch(2, 1000 + i, 60)).base);
    EXPECT_GT(log->segment_count(), 5u);
    for (const auto& s : log->segment_bases()) EXPECT_EQ(s() % 2, 0);
    // Every segment stays within segment.bytes (batches are well below it).
    for (auto base : log->segment_bases()) {
        auto p = dir.path / (offset_file_stem(base) + ".log");
        EXPECT_LE(std::filesystem::file_size(p), 1000u);
    }
    // Reading from every offset, consuming everything batch by batch, sees each batch once.
    offset pos(0);
    std::vector<offset> seen;
    while (pos < log->log_end()) {
        auto r = log->read(pos, 500, log->log_end());
        ASSERT_TRUE(r);
        ASSERT_FALSE(r->data.empty()) << pos;
        for (const auto& h : headers_of(r->data)) {
            seen.push_back(h.base_offset);
            pos = h.last_offset() + 1;
        }
    }
    EXPECT_EQ(seen, bases);
    // An offset inside a batch returns that batch.
    auto r = log->read(offset(31), 1, log->log_end());
    ASSERT_TRUE(r);
    EXPECT_EQ(headers_of(r->data).at(0).base_offset, offset(30));
}

TEST(partition_log, read_respects_max_bytes_and_max_offset) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    auto b = make_batch(1, 1000, 100);
    for (int i = 0; i < 10; ++i) must_append(*log, b);
    size_t one = b.bytes.size();
    auto r = log->read(offset(0), one * 3 + one / 2, log->log_end());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->data.size(), one * 3);
    r = log->read(offset(0), 1 << 20, offset(4)); // e.g. the high watermark
    EXPECT_EQ(headers_of(r->data).size(), 4u);
    r = log->read(offset(5), 1 << 20, offset(5));
    EXPECT_TRUE(r->data.empty());
    EXPECT_EQ(r->log_end, offset(10));
}

TEST(partition_log, kip74_first_batch_larger_than_max_bytes) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    auto big = make_batch(1, 1000, 5000);
    must_append(*log, big);
    must_append(*log, make_batch(1));
    auto r = log->read(offset(0), 100, log->log_end());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->data.size(), big.bytes.size());
    EXPECT_EQ(headers_of(r->data).size(), 1u);
}

TEST(partition_log, offset_out_of_range) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    must_append(*log, make_batch(5));
    EXPECT_EQ(log->read(offset(6), 100, log->log_end()).error(), error_code::offset_out_of_range);
    EXPECT_EQ(log->read(offset(-1), 100, log->log_end()).error(), error_code::offset_out_of_range);
    auto at_end = log->read(offset(5), 100, log->log_end());
    ASSERT_TRUE(at_end);
    EXPECT_TRUE(at_end->data.empty());
}

TEST(partition_log, rejects_oversized_and_mismatched_batches) {
    test::temp_dir dir;
    log_config cfg;
    cfg.max_message_bytes = 200;
    auto log = open_log(dir.path, cfg);
    auto big = make_batch(1, 1000, 500);
    EXPECT_EQ(log->append(big.bytes, big.header).error(), error_code::message_too_large);
    auto b = make_batch(1);
    EXPECT_EQ(log->append(std::span<const uint8_t>(b.bytes).first(b.bytes.size() - 1), b.header).error(),
              error_code::corrupt_message);
    EXPECT_EQ(log->log_end(), offset(0));
}

TEST(partition_log, roll_by_age_with_injected_clock) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_ms = 1000;
    auto log = open_log(dir.path, cfg);
    must_append(*log, make_batch(1), 10'000);
    must_append(*log, make_batch(1), 10'900);
    EXPECT_EQ(log->segment_count(), 1u);
    must_append(*log, make_batch(1), 11'001);
    EXPECT_EQ(log->segment_count(), 2u);
    EXPECT_EQ(log->segment_bases().back(), offset(2));
    // Idle roll through housekeeping.
    EXPECT_FALSE(log->maybe_roll(timestamp_ms(11'500)));
    EXPECT_TRUE(log->maybe_roll(timestamp_ms(12'002)));
    EXPECT_EQ(log->segment_count(), 3u);
    EXPECT_FALSE(log->maybe_roll(timestamp_ms(99'999))); // the new active segment is empty
}

TEST(partition_log, time_lookup_across_segments) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 600;
    auto log = open_log(dir.path, cfg);
    for (int i = 0; i < 30; ++i) must_append(*log, make_batch(1, 1000 + 10 * i, 50)); // offset i: ts 1000+10i
    EXPECT_GT(log->segment_count(), 3u);
    EXPECT_EQ(*log->offset_for_timestamp(timestamp_ms(0)), offset(0));
    EXPECT_EQ(*log->offset_for_timestamp(timestamp_ms(1055)), offset(6));
    EXPECT_EQ(*log->offset_for_timestamp(timestamp_ms(1290)), offset(29));
    EXPECT_EQ(*log->offset_for_timestamp(timestamp_ms(1291)), log->log_end());
    EXPECT_EQ(log->max_timestamp(), timestamp_ms(1290));
}

TEST(partition_log, log_append_time) {
    test::temp_dir dir;
    log_config cfg;
    cfg.log_append_time = true;
    auto log = open_log(dir.path, cfg);
    auto a = must_append(*log, make_batch(2, 5), 777'000);
    EXPECT_EQ(a.log_append_time, timestamp_ms(777'000));
    auto r = log->read(offset(0), 1 << 20, log->log_end());
    auto d = records::decode_batch(r->data); // checks the recomputed CRC
    ASSERT_TRUE(d) << error_name(d.error());
    EXPECT_EQ(d->header.max_timestamp, timestamp_ms(777'000));
    EXPECT_EQ(d->header.ts_type(), records::timestamp_type::log_append_time);
    EXPECT_EQ(*log->offset_for_timestamp(timestamp_ms(777'000)), offset(0));
}

TEST(partition_log, retention_by_bytes) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 500;
    cfg.retention_bytes = 1200;
    auto log = open_log(dir.path, cfg);
    for (int i = 0; i < 40; ++i) must_append(*log, make_batch(1, 1000, 60));
    auto before = log->segment_count();
    size_t deleted = log->apply_retention(timestamp_ms(2000));
    EXPECT_GT(deleted, 0u);
    EXPECT_EQ(log->segment_count(), before - deleted);
    EXPECT_LE(log->size_bytes(), 1200u + 500u);
    EXPECT_GE(log->size_bytes(), 1200u);
    EXPECT_EQ(log->log_start(), log->segment_bases().front());
    EXPECT_EQ(log->read(offset(0), 100, log->log_end()).error(), error_code::offset_out_of_range);
    auto r = log->read(log->log_start(), 100, log->log_end());
    ASSERT_TRUE(r);
    EXPECT_EQ(headers_of(r->data).at(0).base_offset, log->log_start());
    EXPECT_FALSE(std::filesystem::exists(dir.path / "00000000000000000000.log"));
    // log start survives a restart (partition.meta).
    offset start = log->log_start();
    log->close();
    log.reset();
    log = open_log(dir.path, cfg);
    EXPECT_EQ(log->log_start(), start);
}

TEST(partition_log, retention_by_time_keeps_active_segment) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 400;
    cfg.retention_ms = 10'000;
    auto log = open_log(dir.path, cfg);
    for (int i = 0; i < 10; ++i) must_append(*log, make_batch(1, 1000, 60), 1000); // old
    for (int i = 0; i < 10; ++i) must_append(*log, make_batch(1, 50'000, 60), 50'000); // new
    EXPECT_EQ(log->apply_retention(timestamp_ms(5000)), 0u); // nothing old enough yet
    size_t deleted = log->apply_retention(timestamp_ms(55'000));
    EXPECT_GT(deleted, 0u);
    // Everything with ts 1000 is gone, nothing with ts 50000 is.
    auto r = log->read(log->log_start(), 1 << 20, log->log_end());
    ASSERT_TRUE(r);
    auto hs = headers_of(r->data);
    ASSERT_FALSE(hs.empty());
    EXPECT_LE(log->log_start(), offset(10));
    // Far in the future all but the active segment go.
    log->apply_retention(timestamp_ms(1'000'000));
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_EQ(log->log_end(), offset(20));
}

TEST(partition_log, durability_bookkeeping) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    EXPECT_EQ(log->flushed_offset(), offset(0));
    EXPECT_FALSE(log->flush_pending());
    must_append(*log, make_batch(3));
    EXPECT_EQ(log->flushed_offset(), offset(0));
    EXPECT_TRUE(log->flush_pending());
    auto w = log->begin_flush();
    ASSERT_EQ(w.logs.size(), 1u);
    EXPECT_GE(w.logs[0]->fd(), 0);
    EXPECT_EQ(w.end, offset(3));
    log->end_flush(w); // as if synced
    EXPECT_EQ(log->flushed_offset(), offset(3));
    EXPECT_FALSE(log->flush_pending());
    must_append(*log, make_batch(2));
    log->sync();
    EXPECT_EQ(log->flushed_offset(), offset(5));
}

// How __consumer_offsets drops history after writing the live state: roll, append, then
// delete everything below the new history; the log start survives a restart.
TEST(partition_log, roll_now_and_delete_before) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    for (int i = 0; i < 3; ++i) must_append(*log, make_batch(2));
    EXPECT_EQ(log->roll_now(timestamp_ms(2000)), error_code::none);
    EXPECT_EQ(log->roll_now(timestamp_ms(2001)), error_code::none); // empty active: no new segment
    ASSERT_EQ(log->segment_count(), 2u);
    const offset fresh = log->log_end();
    EXPECT_EQ(fresh, offset(6));
    must_append(*log, make_batch(2));
    EXPECT_EQ(log->delete_before(fresh), 1u);
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_EQ(log->log_start(), fresh);
    auto gone = log->read(offset(0), 1024, log->log_end());
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error(), error_code::offset_out_of_range);
    EXPECT_EQ(log->delete_before(offset(100)), 0u); // never past the end, never the active segment
    EXPECT_EQ(log->log_start(), log->log_end());
    log->close();
    log.reset();
    auto reopened = open_log(dir.path);
    EXPECT_EQ(reopened->log_start(), offset(8));
    EXPECT_EQ(reopened->log_end(), offset(8));
}

// Index files are rebuildable: a failed index write (here ENOSPC: `.index` and `.timeindex` lead
// to /dev/full) after the batch is in the log must neither fail the append nor let the next
// append reuse its offsets; the next open rebuilds the indexes from the log.
TEST(partition_log, failed_index_write_keeps_the_batch_and_rebuilds_the_index) {
    test::temp_dir dir;
    log_config cfg;
    cfg.index_interval_bytes = 1; // an index entry for every batch after the first
    {
        auto log = open_log(dir.path, cfg);
        ASSERT_TRUE(log);
        must_append(*log, make_batch(2, 1000));
        log->close();
    }
    const std::vector<std::filesystem::path> indexes = {dir.path / "00000000000000000000.index",
                                                        dir.path / "00000000000000000000.timeindex"};
    for (const auto& p : indexes) {
        std::filesystem::remove(p);
        std::filesystem::create_symlink("/dev/full", p);
    }
    auto check = [&](partition_log& log) {
        EXPECT_EQ(log.log_end(), offset(6));
        auto r = log.read(offset(0), 1 << 20, log.log_end());
        ASSERT_TRUE(r);
        auto hs = headers_of(r->data);
        ASSERT_EQ(hs.size(), 3u);
        for (size_t i = 0; i < hs.size(); ++i) EXPECT_EQ(hs[i].base_offset, offset(int64_t(2 * i)));
        auto at = log.offset_for_timestamp(timestamp_ms(2500));
        ASSERT_TRUE(at);
        EXPECT_EQ(*at, offset(4));
    };
    {
        auto log = open_log(dir.path, cfg);
        ASSERT_TRUE(log);
        EXPECT_EQ(must_append(*log, make_batch(2, 2000)).base, offset(2));
        EXPECT_EQ(must_append(*log, make_batch(2, 3000)).base, offset(4));
        check(*log);
        log->close();
    }
    // The abandoned index files are gone, so the next open rebuilds them from the log.
    for (const auto& p : indexes) EXPECT_FALSE(std::filesystem::is_symlink(p)) << p;
    auto log = open_log(dir.path, cfg);
    ASSERT_TRUE(log);
    check(*log);
    EXPECT_EQ(std::filesystem::file_size(indexes[0]), 2 * offset_index_entry::size);
}

} // namespace
} // namespace brook::storage
