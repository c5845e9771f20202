// A roll leaves its syncs to the flusher (flush_work.h): nothing past the outgoing segment is
// durable until the flush work ran, and then everything is, with the snapshot and checkpoint.
#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "test_util.h"

namespace brook::storage {
namespace {

using test::make_batch;

void append_until_roll(partition_log& log) {
    while (log.segment_count() < 2) {
        auto b = make_batch(2, 1000, 40);
        ASSERT_TRUE(log.append(b.bytes, b.header, append_options{timestamp_ms(1000)}));
    }
}

TEST(flush_work, roll_does_no_sync_and_the_flush_work_does_it_all) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 1500;
    auto log = std::move(partition_log::open(dir.path, cfg)).value();
    append_until_roll(*log);
    const offset sealed_end = log->segment_bases()[1];
    auto b = make_batch(2, 1000, 40);
    ASSERT_TRUE(log->append(b.bytes, b.header, append_options{timestamp_ms(1000)}));

    // The roll synced nothing: the outgoing segment is not durable yet.
    EXPECT_EQ(log->flushed_offset(), offset(0));
    EXPECT_TRUE(log->roll_pending());
    EXPECT_TRUE(log->flush_pending());
    EXPECT_FALSE(std::filesystem::exists(producer_state::snapshot_path(dir.path, sealed_end)));

    auto w = log->begin_flush();
    EXPECT_EQ(w.end, log->log_end());
    ASSERT_EQ(w.logs.size(), 2u); // the sealed segment, then the active one
    EXPECT_EQ(w.logs[0]->path(), dir.path / (offset_file_stem(offset(0)) + ".log"));
    EXPECT_EQ(w.indexes.size(), 2u); // .index and .timeindex (no aborted transactions)
    ASSERT_TRUE(w.snapshot);
    EXPECT_EQ(w.snapshot->first, sealed_end);
    EXPECT_TRUE(w.sync_dir);
    EXPECT_TRUE(w.checkpoint);
    EXPECT_FALSE(log->roll_pending()); // taken: a second flush does not redo it
    ASSERT_EQ(run_flush(w), error_code::none);
    EXPECT_TRUE(w.snapshot_written && w.checkpointed);
    log->end_flush(w);

    EXPECT_EQ(log->flushed_offset(), log->log_end());
    EXPECT_FALSE(log->flush_pending());
    EXPECT_TRUE(std::filesystem::exists(producer_state::snapshot_path(dir.path, sealed_end)));
    auto cp = read_recovery_checkpoint(dir.path);
    ASSERT_TRUE(cp);
    EXPECT_EQ(cp->cp, (recovery_checkpoint{log->log_end(), false}));
}

TEST(flush_work, a_power_cut_before_the_rolls_sync_is_caught_by_the_recovery_scan) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 1500;
    offset sealed_end;
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        append_until_roll(*log);
        sealed_end = log->segment_bases()[1];
        for (int i = 0; i < 3; ++i) {
            auto b = make_batch(2, 1000, 40);
            ASSERT_TRUE(log->append(b.bytes, b.header, append_options{timestamp_ms(1000)}));
        }
        // The active segment reached the disk; the sealed one lost its tail (never synced).
    }
    auto sealed = dir.path / (offset_file_stem(offset(0)) + ".log");
    std::filesystem::resize_file(sealed, std::filesystem::file_size(sealed) - 10);
    auto log = partition_log::open(dir.path, cfg);
    ASSERT_TRUE(log);
    EXPECT_LT((*log)->log_end(), sealed_end);
    EXPECT_EQ((*log)->segment_count(), 1u);
}

TEST(flush_work, a_failed_log_sync_names_the_file) {
    test::temp_dir dir;
    flush_work w;
    w.dir = dir.path;
    w.end = offset(5);
    auto f = file_handle::open("/dev/full", false);
    ASSERT_TRUE(f);
    w.logs.push_back(*f);
    w.checkpoint = true;
    EXPECT_NE(run_flush(w), error_code::none);
    EXPECT_EQ(w.failed, std::filesystem::path("/dev/full"));
    EXPECT_FALSE(w.checkpointed); // never ahead of the data
}

} // namespace
} // namespace brook::storage
