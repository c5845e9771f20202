// partition_log::read_range: the file ranges a fetch sends with sendfile must hold exactly the
// batches the in-memory read returns, cut by the same rules. The expected answer comes from
// a model built from the appended batches (not from the code under test).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "storage/partition_log.h"
#include "test_util.h"

namespace brook::storage {
namespace {

using test::make_batch;

struct stored {
    offset base;
    offset last;
    size_t size;
};

std::unique_ptr<partition_log> open_log(const std::filesystem::path& dir, log_config cfg) {
    auto log = partition_log::open(dir, cfg);
    EXPECT_TRUE(log) << error_name(log.error());
    return log ? std::move(log).value() : nullptr;
}

std::vector<uint8_t> pread_range(const file_range& r) {
    std::vector<uint8_t> out(r.length);
    ssize_t n = ::pread(r.fd, out.data(), out.size(), static_cast<off_t>(r.position));
    EXPECT_EQ(n, static_cast<ssize_t>(out.size()));
    return out;
}

// The read rules, stated on the batches of each segment: start at the batch holding `from`
// (the first segment that has one), stay in that segment, stop before a batch at or past
// max_offset or one that would overflow max_bytes; the first batch is always whole (KIP-74).
std::vector<stored> model_read(const std::vector<std::vector<stored>>& segments, offset from, size_t max_bytes,
                               offset max_offset) {
    for (const auto& seg : segments) {
        auto it = std::find_if(seg.begin(), seg.end(), [&](const stored& s) { return s.last >= from; });
        if (it == seg.end()) continue;
        std::vector<stored> out;
        size_t total = 0;
        for (; it != seg.end(); ++it) {
            if (it->base >= max_offset) break;
            if (!out.empty() && total + it->size > max_bytes) break;
            out.push_back(*it);
            total += it->size;
        }
        return out;
    }
    return {};
}

// Appends batches of varied sizes (small ones read a window at a time, big ones header by
// header) and returns them grouped by segment.
std::vector<std::vector<stored>> fill(partition_log& log, int n) {
    std::vector<std::vector<stored>> segs;
    const size_t sizes[] = {40, 300, 6000, 20, 9000, 150, 70'000, 10};
    for (int i = 0; i < n; ++i) {
        auto b = make_batch(1 + i % 3, 1000 + i, sizes[i % std::size(sizes)]);
        size_t before = log.segment_count();
        auto a = log.append(b.bytes, b.header, append_options{timestamp_ms(1000)});
        EXPECT_TRUE(a);
        if (segs.empty() || log.segment_count() != before) segs.emplace_back();
        segs.back().push_back({a->base, a->last, b.bytes.size()});
    }
    return segs;
}

TEST(read_range, matches_model_and_copying_read) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 150'000;
    cfg.index_interval_bytes = 5000;
    auto log = open_log(dir.path, cfg);
    auto segs = fill(*log, 60);
    ASSERT_GT(log->segment_count(), 3u);
    const offset end = log->log_end();
    size_t checked = 0;
    for (int64_t from = 0; from <= end(); ++from) {
        for (size_t max_bytes : {size_t(0), size_t(1), size_t(100), size_t(7000), size_t(20'000), size_t(1) << 20}) {
            for (offset max_offset : {end, offset(from + 3), offset(from)}) {
                auto r = log->read_range(offset(from), max_bytes, max_offset);
                ASSERT_TRUE(r) << error_name(r.error());
                EXPECT_EQ(r->log_start, offset(0));
                EXPECT_EQ(r->log_end, end);
                auto want = model_read(segs, offset(from), max_bytes, max_offset);
                size_t want_size = 0;
                for (const auto& s : want) want_size += s.size;
                ASSERT_EQ(r->range.length, want_size) << from << " " << max_bytes << " " << max_offset;
                auto copied = log->read(offset(from), max_bytes, max_offset);
                ASSERT_TRUE(copied);
                if (want.empty()) {
                    EXPECT_TRUE(r->range.empty());
                    EXPECT_TRUE(copied->data.empty());
                    EXPECT_EQ(r->next, offset(-1));
                    continue;
                }
                // read_committed bounds its aborted-transaction list with it
                EXPECT_EQ(r->next, want.back().last + 1);
                EXPECT_GE(r->range.fd, 0);
                EXPECT_NE(r->range.keep_alive, nullptr);
                auto bytes = pread_range(r->range);
                EXPECT_EQ(bytes, copied->data);
                auto hs = test::headers_of(bytes);
                ASSERT_EQ(hs.size(), want.size());
                for (size_t i = 0; i < hs.size(); ++i) {
                    EXPECT_EQ(hs[i].base_offset, want[i].base);
                    EXPECT_EQ(hs[i].size_bytes(), want[i].size);
                }
                ++checked;
            }
        }
    }
    EXPECT_GT(checked, 300u);
}

TEST(read_range, kip74_first_batch_whole_and_segment_boundary) {
    test::temp_dir dir;
    auto big = make_batch(1, 1000, 10'000);
    auto small = make_batch(1, 1000, 10);
    log_config cfg;
    cfg.segment_bytes = int64_t(small.bytes.size() + big.bytes.size());
    auto log = open_log(dir.path, cfg);
    ASSERT_TRUE(log->append(small.bytes, small.header));
    ASSERT_TRUE(log->append(big.bytes, big.header)); // fits the first segment
    ASSERT_TRUE(log->append(small.bytes, small.header)); // rolls: next segment
    ASSERT_EQ(log->segment_count(), 2u);
    // max_bytes below one batch: still the first batch, whole.
    auto r = log->read_range(offset(1), 10, log->log_end());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->range.length, big.bytes.size());
    // A big budget stops at the segment's end: the next read starts in the next segment.
    r = log->read_range(offset(0), 1 << 20, log->log_end());
    EXPECT_EQ(r->range.length, small.bytes.size() + big.bytes.size());
    r = log->read_range(offset(2), 1 << 20, log->log_end());
    EXPECT_EQ(r->range.length, small.bytes.size());
    EXPECT_EQ(r->range.position, 0u);
    // At the end: nothing; past it: out of range.
    r = log->read_range(offset(3), 1 << 20, log->log_end());
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->range.empty());
    EXPECT_EQ(log->read_range(offset(4), 1, log->log_end()).error(), error_code::offset_out_of_range);
}

// A pending response keeps its range readable after retention deleted the segment.
TEST(read_range, range_outlives_segment_deletion) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 500;
    auto log = open_log(dir.path, cfg);
    for (int i = 0; i < 20; ++i) {
        auto b = make_batch(1, 1000, 100);
        ASSERT_TRUE(log->append(b.bytes, b.header));
    }
    auto r = log->read_range(offset(0), 1 << 20, log->log_end());
    ASSERT_TRUE(r);
    auto expected = log->read(offset(0), 1 << 20, log->log_end());
    ASSERT_FALSE(r->range.empty());
    EXPECT_GT(log->delete_before(offset(10)), 0u);
    EXPECT_FALSE(std::filesystem::exists(dir.path / "00000000000000000000.log"));
    EXPECT_EQ(pread_range(r->range), expected->data);
    log.reset(); // even the log itself may go
    EXPECT_EQ(pread_range(r->range), expected->data);
}

// uncached_range: a read of batches that are not in the page cache is reported (so the broker
// can read them off its shard thread first); once read, it is not.
TEST(uncached_range, reports_a_cold_range_until_it_is_read) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 3 << 20;
    auto log = open_log(dir.path, cfg);
    auto b = make_batch(10, 1000, 1000);
    for (int i = 0; i < 400; ++i) ASSERT_TRUE(log->append(b.bytes, b.header)); // ~4 MB: two segments
    ASSERT_EQ(log->segment_count(), 2u);
    log->sync(); // clean pages: DONTNEED can drop them (rolling synced the first segment)
    auto whole = log->read_range(offset(0), 1 << 30, log->log_end()); // the first segment
    ASSERT_TRUE(whole);
    const int fd = whole->range.fd;
    uint8_t probe;
    iovec v{&probe, 1};
    if (::preadv2(fd, &v, 1, 0, RWF_NOWAIT) < 0 && errno != EAGAIN) GTEST_SKIP() << "no RWF_NOWAIT here";
    ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
    if (::preadv2(fd, &v, 1, 0, RWF_NOWAIT) >= 0) GTEST_SKIP() << "the page cache cannot be dropped here (tmpfs?)";

    const offset mid(1000); // inside: the span starts at its index entry, not at 0
    auto cold = log->uncached_range(mid, 1 << 20);
    ASSERT_TRUE(cold) << "dropped pages should read as not cached";
    auto run = log->read_range(mid, 1 << 20, log->log_end()); // blocks here, which is fine in a test
    ASSERT_TRUE(run);
    EXPECT_LE(cold->position, run->range.position);
    EXPECT_GE(cold->position + cold->length, run->range.position + run->range.length);
    EXPECT_EQ(cold->fd, fd);

    // Read it (what the broker's helper thread does), and it is cached.
    std::vector<uint8_t> buf(cold->length);
    ASSERT_EQ(::pread(fd, buf.data(), buf.size(), static_cast<off_t>(cold->position)),
              static_cast<ssize_t>(buf.size()));
    EXPECT_FALSE(log->uncached_range(mid, 1 << 20));
    // The active segment's last MiBs are taken as cached without a probe (a consumer at the
    // tail fetches every few ms), even when dropped.
    auto tail = log->read_range(log->log_end() - 1, 1, log->log_end());
    ASSERT_TRUE(tail);
    ASSERT_EQ(::posix_fadvise(tail->range.fd, 0, 0, POSIX_FADV_DONTNEED), 0);
    EXPECT_FALSE(log->uncached_range(log->log_end() - 1, 1 << 20));
    // Nothing to read: at or past the end, or before the start.
    EXPECT_FALSE(log->uncached_range(log->log_end(), 1 << 20));
    EXPECT_FALSE(log->uncached_range(offset(-1), 1 << 20));
}

} // namespace
} // namespace brook::storage
