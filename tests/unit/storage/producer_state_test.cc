#include <gtest/gtest.h>

#include "storage/partition_log.h"
#include "storage/producer_state.h"
#include "test_util.h"

namespace brook::storage {
namespace {

using test::make_batch;
using kind = producer_check::kind;

test::batch idem(int64_t pid, int16_t epoch, int32_t seq, int records = 1) {
    return make_batch(test::batch_spec{records, 1000, 10, pid, epoch, seq});
}

records::batch_header at(records::batch_header h, int64_t base) {
    h.base_offset = offset(base);
    return h;
}

TEST(producer_state, sequence_rules) {
    producer_state st;
    EXPECT_EQ(st.check(idem(7, 0, 3).header).error, error_code::out_of_order_sequence_number); // unknown, seq != 0
    auto b0 = idem(7, 0, 0, 2);
    EXPECT_EQ(st.check(b0.header).k, kind::new_batch);
    st.update(at(b0.header, 10));
    // Retry: duplicate with the original offsets.
    auto c = st.check(b0.header);
    EXPECT_EQ(c.k, kind::duplicate);
    EXPECT_EQ(c.original.first_offset, offset(10));
    EXPECT_EQ(c.original.last_offset, offset(11));
    // Next in order, and a gap.
    EXPECT_EQ(st.check(idem(7, 0, 2).header).k, kind::new_batch);
    EXPECT_EQ(st.check(idem(7, 0, 3).header).error, error_code::out_of_order_sequence_number);
    // Fenced epoch, and an epoch bump that must restart at 0.
    st.update(at(idem(7, 2, 0).header, 12));
    EXPECT_EQ(st.check(idem(7, 1, 1).header).error, error_code::invalid_producer_epoch);
    EXPECT_EQ(st.check(idem(7, 3, 5).header).error, error_code::out_of_order_sequence_number);
    EXPECT_EQ(st.check(idem(7, 3, 0).header).k, kind::new_batch);
    // Non-idempotent batches are never tracked.
    EXPECT_EQ(st.check(make_batch(1).header).k, kind::new_batch);
}

TEST(producer_state, only_last_five_batches_deduplicate) {
    producer_state st;
    for (int i = 0; i < 7; ++i) st.update(at(idem(1, 0, i).header, i));
    EXPECT_EQ(st.check(idem(1, 0, 6).header).k, kind::duplicate);
    EXPECT_EQ(st.check(idem(1, 0, 2).header).k, kind::duplicate);
    EXPECT_EQ(st.check(idem(1, 0, 1).header).k, kind::error); // out of the window
    EXPECT_EQ(st.check(idem(1, 0, 7).header).k, kind::new_batch);
}

TEST(producer_state, sequence_wraps_at_int32_max) {
    producer_state st;
    st.update(at(idem(1, 0, INT32_MAX - 1, 2).header, 5)); // sequences INT32_MAX-1, INT32_MAX
    EXPECT_EQ(st.check(idem(1, 0, 0).header).k, kind::new_batch);
    EXPECT_EQ(st.check(idem(1, 0, 1).header).error, error_code::out_of_order_sequence_number);
    // A batch whose own sequences wrap (INT32_MAX, 0, 1) is followed by 2.
    producer_state st2;
    st2.update(at(idem(1, 0, INT32_MAX - 1, 1).header, 0));
    auto wrapping = idem(1, 0, INT32_MAX, 3);
    EXPECT_EQ(wrapping.header.last_sequence(), sequence(1));
    EXPECT_EQ(st2.check(wrapping.header).k, kind::new_batch);
    st2.update(at(wrapping.header, 1));
    EXPECT_EQ(st2.check(idem(1, 0, 2).header).k, kind::new_batch);
    EXPECT_EQ(st2.check(wrapping.header).k, kind::duplicate);
}

TEST(producer_state, snapshot_round_trip_and_corruption) {
    producer_state st;
    for (int p = 0; p < 3; ++p)
        for (int i = 0; i < 6; ++i) st.update(at(idem(100 + p, int16_t(p), i).header, p * 100 + i));
    auto bytes = st.encode_snapshot();
    auto back = producer_state::decode_snapshot(bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->producers(), st.producers());
    bytes[bytes.size() - 3] ^= 1;
    EXPECT_FALSE(producer_state::decode_snapshot(bytes));
    EXPECT_FALSE(producer_state::decode_snapshot(std::span<const uint8_t>(bytes).first(9)));
}

TEST(producer_state, log_deduplicates_and_survives_restart) {
    test::temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 400;
    auto b0 = idem(9, 0, 0, 2);
    auto b1 = idem(9, 0, 2, 1);
    {
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        for (int i = 0; i < 8; ++i) {
            auto f = make_batch(1, 1000, 60);
            ASSERT_TRUE(log->append(f.bytes, f.header)); // rolls a few segments: snapshots
        }
        auto a = log->append(b0.bytes, b0.header);
        ASSERT_TRUE(a);
        EXPECT_EQ(a->base, offset(8));
        auto dup = log->append(b0.bytes, b0.header);
        ASSERT_TRUE(dup);
        EXPECT_TRUE(dup->duplicate);
        EXPECT_EQ(dup->base, offset(8));
        EXPECT_EQ(dup->last, offset(9));
        EXPECT_EQ(log->log_end(), offset(10)); // nothing written
        auto gap = idem(9, 0, 5);
        EXPECT_EQ(log->append(gap.bytes, gap.header).error(), error_code::out_of_order_sequence_number);
        ASSERT_TRUE(log->append(b1.bytes, b1.header));
        log->close();
    }
    EXPECT_FALSE(producer_state::list_snapshots(dir.path).empty());
    for (bool drop_snapshots : {false, true}) {
        if (drop_snapshots)
            for (auto o : producer_state::list_snapshots(dir.path))
                std::filesystem::remove(producer_state::snapshot_path(dir.path, o));
        auto log = std::move(partition_log::open(dir.path, cfg)).value();
        auto dup = log->append(b0.bytes, b0.header);
        ASSERT_TRUE(dup);
        EXPECT_TRUE(dup->duplicate) << "snapshots dropped: " << drop_snapshots;
        EXPECT_EQ(dup->base, offset(8));
        auto old_epoch_log = log->producers().producers().at(producer_id(9)).epoch;
        EXPECT_EQ(old_epoch_log, producer_epoch(0));
        auto next = idem(9, 0, 3);
        EXPECT_EQ(log->producers().check(next.header).k, kind::new_batch);
        // Do not write: the next iteration reopens the same state.
    }
}

TEST(producer_state, crash_without_snapshot_replays_log) {
    test::temp_dir dir;
    auto b0 = idem(5, 1, 0, 3);
    {
        auto log = std::move(partition_log::open(dir.path, {})).value();
        ASSERT_TRUE(log->append(b0.bytes, b0.header));
        // no close(): no snapshot at the end
    }
    auto log = std::move(partition_log::open(dir.path, {})).value();
    auto dup = log->append(b0.bytes, b0.header);
    ASSERT_TRUE(dup);
    EXPECT_TRUE(dup->duplicate);
    auto fenced = idem(5, 0, 3);
    EXPECT_EQ(log->append(fenced.bytes, fenced.header).error(), error_code::invalid_producer_epoch);
}

} // namespace
} // namespace brook::storage
