// Recovery from the recovery point (recovery_point.h): what a power cut may leave below the
// last index entry or in a sealed segment whose sync had not completed is found and cut.
#include <fstream>
#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "test_util.h"

namespace brook::storage {
namespace {

using test::make_batch;

constexpr int64_t pid = 7;

// Idempotent batches of 2 records, sequences from `seq`, so that producer state must replay.
void append_idempotent(partition_log& log, int n, int32_t seq = 0) {
    for (int i = 0; i < n; ++i) {
        auto b = make_batch(test::batch_spec{2, 1000 + i, 40, pid, 0, seq + 2 * i});
        ASSERT_TRUE(log.append(b.bytes, b.header, append_options{timestamp_ms(1000)}));
    }
}

// Position of the batch holding offset `o` in the segment file that holds it.
uint64_t position_of(const partition_log& log, offset o) {
    auto bases = log.segment_bases();
    offset base = bases.front();
    for (auto b : bases)
        if (b <= o) base = b;
    auto bytes = test::read_file(log.dir() / (offset_file_stem(base) + ".log"));
    size_t pos = 0;
    while (pos < bytes.size()) {
        auto h = records::read_batch_header(std::span<const uint8_t>(bytes).subspan(pos));
        if (h.last_offset() >= o) return pos;
        pos += h.size_bytes();
    }
    ADD_FAILURE() << "offset " << o() << " not found";
    return 0;
}

// A power cut that kept later blocks but not the one at `pos`: garbage where a batch was.
void garble(const std::filesystem::path& file, uint64_t pos) {
    std::fstream f(file, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(pos + 20));
    std::string junk(32, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
}

recovery_checkpoint checkpoint_on_disk(const std::filesystem::path& dir) {
    auto found = read_recovery_checkpoint(dir);
    EXPECT_TRUE(found);
    EXPECT_EQ(found->k, checkpoint_found::kind::ok);
    return found->cp;
}

std::filesystem::path seg_file(const std::filesystem::path& dir, int64_t base) {
    return dir / (offset_file_stem(offset(base)) + ".log");
}

// Every offset from 0 to the log end reads back, in order, with no hole (a reader, such as a
// coordinator's replay, must get from each batch to the next).
void expect_contiguous_to_end(const partition_log& log) {
    offset pos(0);
    while (pos < log.log_end()) {
        auto r = log.read(pos, 1 << 20, log.log_end());
        ASSERT_TRUE(r);
        auto hs = test::headers_of(r->data);
        ASSERT_FALSE(hs.empty()) << "no batch at offset " << pos();
        EXPECT_EQ(hs.front().base_offset, pos);
        pos = hs.back().last_offset() + 1;
    }
}

TEST(recovery_point, garbage_below_the_last_index_entry_of_the_active_segment_is_cut) {
    test::temp_dir dir;
    log_config cfg;
    cfg.index_interval_bytes = 100; // an index entry every batch or two
    uint64_t cut_at = 0;
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_idempotent(*log, 30); // offsets 0..59
        ASSERT_GT(log->active().offsets().entries().size(), 10u);
        cut_at = position_of(*log, offset(20));
        ASSERT_LT(cut_at, log->active().offsets().back().position);
        // No close: a crash.
    }
    garble(seg_file(dir.path, 0), cut_at);
    auto log = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(log) << error_name(log.error());
    EXPECT_EQ((*log)->log_end(), offset(20));
    EXPECT_EQ(std::filesystem::file_size(seg_file(dir.path, 0)), cut_at);
    auto r = (*log)->read(offset(0), 1 << 20, (*log)->log_end());
    ASSERT_TRUE(r);
    EXPECT_EQ(test::headers_of(r->data).size(), 10u);
    // Producer state replayed up to the cut: the producer's next sequence is 20.
    auto next = make_batch(test::batch_spec{2, 2000, 40, pid, 0, 20});
    auto a = (*log)->append(next.bytes, next.header, append_options{timestamp_ms(2000)});
    ASSERT_TRUE(a) << error_name(a.error());
    EXPECT_EQ(a->base, offset(20));
    EXPECT_FALSE(a->duplicate);
}

TEST(recovery_point, sealed_segment_after_the_recovery_point_is_checked_and_later_ones_dropped) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 1500;
    cfg.index_interval_bytes = 100;
    std::vector<offset> bases;
    uint64_t cut_at = 0;
    offset cut_offset;
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_idempotent(*log, 60);
        bases = log->segment_bases();
        ASSERT_GE(bases.size(), 4u);
        // The recovery point stayed at 0 (nothing synced it since open): every segment is
        // after it. Garble the middle of the second one.
        EXPECT_EQ(checkpoint_on_disk(dir.path).point, offset(0));
        cut_offset = bases[1] + 4;
        cut_at = position_of(*log, cut_offset);
        ASSERT_GT(cut_at, 0u);
    }
    garble(seg_file(dir.path, bases[1]()), cut_at);
    auto log = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(log) << error_name(log.error());
    EXPECT_EQ((*log)->log_end(), cut_offset);
    EXPECT_EQ((*log)->segment_bases(), (std::vector<offset>{bases[0], bases[1]}));
    for (size_t i = 2; i < bases.size(); ++i) EXPECT_FALSE(std::filesystem::exists(seg_file(dir.path, bases[i]())));
    expect_contiguous_to_end(**log);
    auto next = make_batch(test::batch_spec{2, 2000, 40, pid, 0, int32_t(cut_offset())});
    auto a = (*log)->append(next.bytes, next.header, append_options{timestamp_ms(2000)});
    ASSERT_TRUE(a) << error_name(a.error());
    EXPECT_EQ(a->base, cut_offset);
    // Recovery made what it kept durable: the recovery point moved to the log end.
    EXPECT_EQ(checkpoint_on_disk(dir.path), (recovery_checkpoint{cut_offset, false}));
}

TEST(recovery_point, an_emptied_sealed_segment_drops_the_segments_after_it) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 1500;
    std::vector<offset> bases;
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_idempotent(*log, 40);
        bases = log->segment_bases();
        ASSERT_GE(bases.size(), 3u);
    }
    // The power cut kept the file but none of its data (its size never reached the disk).
    std::filesystem::resize_file(seg_file(dir.path, bases[1]()), 0);
    auto log = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(log) << error_name(log.error());
    EXPECT_EQ((*log)->log_end(), bases[1]);
    EXPECT_EQ((*log)->segment_bases(), (std::vector<offset>{bases[0], bases[1]}));
}

// The power-loss test's start-up failure ("cannot read __consumer_offsets for replay"): a roll
// created the next segment's file, then the cut dropped the sealed segment's unsynced tail. The
// offsets between its new end and the next base must not stay inside [log start, log end).
TEST(recovery_point, a_sealed_segment_that_lost_its_tail_drops_the_segments_after_it) {
    for (bool later_data : {false, true}) {
        SCOPED_TRACE(later_data ? "later segments hold data" : "the next segment is the empty active one");
        test::temp_dir dir;
        log_config cfg;
        cfg.segment_bytes = 4000; // the first 10 batches fit one segment; roll_now seals it
        std::vector<offset> bases;
        uint64_t keep = 0;
        offset kept_end;
        {
            auto log = std::move(partition_log::open(dir.path, cfg)).value();
            append_idempotent(*log, 10);
            log->roll_now(timestamp_ms(2000));
            if (later_data) append_idempotent(*log, 30, 20);
            bases = log->segment_bases();
            ASSERT_GE(bases.size(), later_data ? 3u : 2u);
            // Keep the sealed first segment's first 6 batches: a clean batch boundary, so no
            // batch is torn and only the offsets tell that data is missing.
            kept_end = offset(12);
            keep = position_of(*log, kept_end);
            ASSERT_GT(keep, 0u);
        }
        std::filesystem::resize_file(seg_file(dir.path, 0), keep);
        auto log = partition_log::open(dir.path, cfg);
        ASSERT_TRUE(log) << error_name(log.error());
        EXPECT_EQ((*log)->log_end(), kept_end);
        EXPECT_EQ((*log)->segment_bases(), (std::vector<offset>{offset(0)}));
        for (size_t i = 1; i < bases.size(); ++i) EXPECT_FALSE(std::filesystem::exists(seg_file(dir.path, bases[i]())));
        expect_contiguous_to_end(**log);
        auto next = make_batch(test::batch_spec{2, 3000, 40, pid, 0, 12});
        auto a = (*log)->append(next.bytes, next.header, append_options{timestamp_ms(3000)});
        ASSERT_TRUE(a) << error_name(a.error());
        EXPECT_EQ(a->base, kept_end);
    }
}

TEST(recovery_point, segments_below_the_recovery_point_are_not_rescanned) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 1500;
    std::vector<offset> bases;
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_idempotent(*log, 40);
        bases = log->segment_bases();
        ASSERT_GE(bases.size(), 3u);
        // A sync moves the recovery point into the active segment (written because it crossed
        // segments); a second one in the same segment does not rewrite it.
        log->sync();
        EXPECT_EQ(log->checkpointed_offset(), log->log_end());
        EXPECT_EQ(checkpoint_on_disk(dir.path), (recovery_checkpoint{log->log_end(), false}));
        const offset written = log->log_end();
        append_idempotent(*log, 1, 80);
        log->sync();
        EXPECT_EQ(checkpoint_on_disk(dir.path).point, written);
    }
    // Damage below the recovery point is outside recovery's model (it was synced): open does
    // not read those segments, which is what makes restarts cheap.
    garble(seg_file(dir.path, bases[0]()), 200);
    auto log = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(log);
    EXPECT_EQ((*log)->log_end(), offset(82));
    EXPECT_EQ((*log)->segment_bases().size(), bases.size());
}

TEST(recovery_point, clean_shutdown_is_cleared_at_open_and_a_missing_checkpoint_checks_the_last_segment) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 1500;
    cfg.index_interval_bytes = 100;
    std::vector<offset> bases;
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_idempotent(*log, 40);
        bases = log->segment_bases();
        log->close();
        EXPECT_EQ(checkpoint_on_disk(dir.path), (recovery_checkpoint{offset(80), true}));
    }
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        // Before anything is appended, a crash from here on is not a clean shutdown.
        EXPECT_EQ(checkpoint_on_disk(dir.path), (recovery_checkpoint{offset(80), false}));
    }
    // A directory from a Brook before recovery points: no checkpoint. That release synced
    // every segment at roll, so the last segment alone is checked, whole.
    std::filesystem::remove(dir.path / recovery_checkpoint_file);
    const offset last_base = bases.back();
    auto tmp = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(tmp);
    uint64_t cut_at = position_of(**tmp, last_base + 2);
    tmp->reset();
    std::filesystem::remove(dir.path / recovery_checkpoint_file);
    garble(seg_file(dir.path, last_base()), cut_at);
    auto log = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(log);
    EXPECT_EQ((*log)->log_end(), last_base + 2);
}

TEST(recovery_point, unreadable_checkpoint_checks_every_segment) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 1500;
    std::vector<offset> bases;
    uint64_t cut_at = 0;
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_idempotent(*log, 40);
        log->close();
        bases = log->segment_bases();
        cut_at = position_of(*log, offset(4));
    }
    {
        std::ofstream f(dir.path / recovery_checkpoint_file, std::ios::trunc);
        f << "{\"version\":1,\"recovery_point\":\"x\"}";
    }
    garble(seg_file(dir.path, 0), cut_at);
    auto log = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(log);
    EXPECT_EQ((*log)->log_end(), offset(4));
    EXPECT_EQ((*log)->segment_count(), 1u);
}

TEST(recovery_point, checkpoint_file_round_trips_and_rejects_bad_documents) {
    test::temp_dir dir;
    auto missing = read_recovery_checkpoint(dir.path);
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->k, checkpoint_found::kind::missing);
    ASSERT_EQ(write_recovery_checkpoint(dir.path, {offset(42), true}), error_code::none);
    EXPECT_EQ(checkpoint_on_disk(dir.path), (recovery_checkpoint{offset(42), true}));
    for (const char* bad : {"", "[]", "{\"version\":2,\"recovery_point\":1,\"clean_shutdown\":false}",
                            "{\"version\":1,\"recovery_point\":-1,\"clean_shutdown\":false}",
                            "{\"version\":1,\"recovery_point\":1}"}) {
        std::ofstream(dir.path / recovery_checkpoint_file, std::ios::trunc) << bad;
        auto f = read_recovery_checkpoint(dir.path);
        ASSERT_TRUE(f);
        EXPECT_EQ(f->k, checkpoint_found::kind::unreadable) << bad;
    }
}

} // namespace
} // namespace brook::storage
