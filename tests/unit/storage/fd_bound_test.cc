// Descriptors per partition are bounded: indexes hold none, sealed segments borrow theirs from
// a bounded fd_cache, and an index file left behind its log (no close) is caught up at open.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "storage/fd_cache.h"
#include "storage/partition_log.h"
#include "test_util.h"

namespace brook::storage {
namespace {

using test::headers_of;
using test::make_batch;

size_t open_fds() {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
}

void append_n(partition_log& log, int n) {
    for (int i = 0; i < n; ++i) {
        auto b = make_batch(2, 1000 + i, 200);
        ASSERT_TRUE(log.append(b.bytes, b.header, append_options{timestamp_ms(1000), std::nullopt}));
    }
}

TEST(fd_cache, bounded_lru_and_forget) {
    test::temp_dir dir;
    fd_cache cache(2);
    for (const char* n : {"a", "b", "c"}) std::ofstream(dir.path / n) << n;
    auto a = cache.get(dir.path / "a");
    ASSERT_TRUE(a);
    ASSERT_TRUE(cache.get(dir.path / "b"));
    ASSERT_TRUE(cache.get(dir.path / "a")); // hit: a is now the most recent
    EXPECT_EQ(cache.opens(), 2u);
    ASSERT_TRUE(cache.get(dir.path / "c")); // evicts b
    EXPECT_EQ(cache.size(), 2u);
    ASSERT_TRUE(cache.get(dir.path / "a"));
    EXPECT_EQ(cache.opens(), 3u);
    ASSERT_TRUE(cache.get(dir.path / "b")); // b was evicted: opened again
    EXPECT_EQ(cache.opens(), 4u);
    // A path that is replaced must not be served from the old descriptor.
    cache.forget(dir.path / "a");
    std::filesystem::remove(dir.path / "a");
    std::ofstream(dir.path / "a") << "new";
    auto again = cache.get(dir.path / "a");
    ASSERT_TRUE(again);
    EXPECT_EQ(*(*again)->size(), 3u);
    EXPECT_FALSE(cache.get(dir.path / "missing")); // KAFKA_STORAGE_ERROR, nothing cached
    EXPECT_LE(cache.size(), 2u);
}

// 40 segments used to hold 3 descriptors each (.log, .index, .timeindex): 120. Now the
// partition holds its active .log and the cache at most its capacity.
TEST(fd_bound, partition_holds_one_descriptor_plus_bounded_cache) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 4096;
    cfg.index_interval_bytes = 300;
    auto cache = std::make_shared<fd_cache>(3);
    const size_t before = open_fds();
    std::vector<uint8_t> all;
    {
        auto log = std::move(partition_log::open(dir.path, cfg, {.files = cache, .topic_id = std::nullopt})).value();
        append_n(*log, 400);
        ASSERT_GT(log->segment_count(), 40u);
        EXPECT_LE(open_fds(), before + 1);
        // Read everything: every sealed segment is opened through the cache, which stays bounded.
        for (offset pos = log->log_start(); pos < log->log_end();) {
            auto r = log->read(pos, 1 << 20, log->log_end());
            ASSERT_TRUE(r);
            auto hs = headers_of(r->data);
            ASSERT_FALSE(hs.empty());
            pos = hs.back().last_offset() + 1;
            all.insert(all.end(), r->data.begin(), r->data.end());
        }
        EXPECT_LE(cache->size(), 3u);
        EXPECT_LE(open_fds(), before + 1 + 3);
        // A range a fetch is still sending from keeps its file open after the cache lets go.
        auto rr = log->read_range(offset(0), 1 << 20, log->log_end());
        ASSERT_TRUE(rr);
        for (offset o(200); o < offset(400); o += 20) ASSERT_TRUE(log->read(o, 1, log->log_end()));
        std::vector<uint8_t> first(rr->range.length);
        ASSERT_EQ(::pread(rr->range.fd, first.data(), first.size(), off_t(rr->range.position)), ssize_t(first.size()));
        EXPECT_TRUE(std::equal(first.begin(), first.end(), all.begin()));
        log->close();
    }
    EXPECT_EQ(cache->size(), 0u); // closed segments forget their descriptors
    EXPECT_LE(open_fds(), before);
    auto log = std::move(partition_log::open(dir.path, cfg, {.files = cache, .topic_id = std::nullopt})).value();
    EXPECT_LE(open_fds(), before + 1 + 3);
    EXPECT_EQ(log->log_end(), offset(800));
}

// Quiet partitions let their active segment's descriptor go at housekeeping once nothing in
// it waits for a sync; an append takes it back (and holds it until synced).
TEST(fd_bound, idle_active_segments_let_go_at_housekeeping) {
    test::temp_dir dir;
    auto cache = std::make_shared<fd_cache>(4);
    const size_t before = open_fds();
    std::vector<std::unique_ptr<partition_log>> logs;
    for (int p = 0; p < 40; ++p) {
        logs.push_back(std::move(partition_log::open(dir.path / std::to_string(p), {}, {.files = cache, .topic_id = std::nullopt})).value());
        append_n(*logs.back(), 2);
    }
    EXPECT_GE(open_fds(), before + 40);
    const timestamp_ms now(2000); // far below segment.ms: no roll
    // Unsynced data pins the descriptor: nothing is let go.
    for (auto& l : logs) EXPECT_FALSE(l->maybe_roll(now));
    EXPECT_GE(open_fds(), before + 40);
    for (auto& l : logs) {
        l->sync();
        EXPECT_FALSE(l->maybe_roll(now));
    }
    EXPECT_LE(open_fds(), before + 4);
    // Appends take the descriptor back; the data is where it belongs.
    for (auto& l : logs) append_n(*l, 1);
    EXPECT_GE(open_fds(), before + 40);
    for (auto& l : logs) {
        EXPECT_EQ(l->log_end(), offset(6));
        auto r = l->read(offset(0), 1 << 20, l->log_end());
        ASSERT_TRUE(r);
        EXPECT_EQ(headers_of(r->data).size(), 3u);
        auto w = l->begin_flush();
        EXPECT_EQ(w.logs.size(), 1u); // the active segment's, held since the append
        EXPECT_EQ(run_flush(w), error_code::none);
        l->end_flush(w);
        l->close();
    }
    logs.clear();
    auto again = std::move(partition_log::open(dir.path / "7", {}, {.files = cache, .topic_id = std::nullopt})).value();
    EXPECT_EQ(again->log_end(), offset(6));
}

// A broker killed between index flushes leaves the active segment's index behind its log:
// the next open scans from the last entry on disk and writes the missing ones.
TEST(fd_bound, index_behind_the_log_is_caught_up_at_open) {
    test::temp_dir dir;
    log_config cfg;
    cfg.index_interval_bytes = 1; // an entry per batch: some written by append, the rest not
    std::vector<offset_index_entry> entries;
    const int batches = int(offset_index::flush_every) + 40;
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_n(*log, batches);
        entries = log->active().offsets().entries();
        ASSERT_EQ(entries.size(), size_t(batches - 1));
        // No close(): as after kill -9.
    }
    const auto index = dir.path / "00000000000000000000.index";
    EXPECT_EQ(std::filesystem::file_size(index), offset_index::flush_every * offset_index_entry::size);
    auto log = std::move(partition_log::open(dir.path, cfg)).value();
    EXPECT_EQ(log->log_end(), offset(2 * batches));
    EXPECT_EQ(log->active().offsets().entries(), entries);
    EXPECT_EQ(std::filesystem::file_size(index), entries.size() * offset_index_entry::size);
    for (offset o(0); o < log->log_end(); o += 37)
        EXPECT_EQ(headers_of(log->read(o, 1, log->log_end())->data).at(0).base_offset, offset(o.value() / 2 * 2));
}

} // namespace
} // namespace brook::storage
