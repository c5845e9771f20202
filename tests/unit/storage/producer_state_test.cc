#include <gtest/gtest.h>

#include "base/crc32c.h"
#include "base/endian.h"
#include "records/record.h"
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
    EXPECT_EQ(st.check(idem(9, 0, 3).header).k, kind::new_batch); // unknown: any sequence (KIP-360)
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

// A version-1 snapshot as the previous release wrote it: one producer, one batch.
std::vector<uint8_t> v1_snapshot() {
    std::vector<uint8_t> out{'B', 'P', 'S', '1', 0, 1, 0, 0, 0, 0};
    auto put = [&](auto v) {
        size_t at = out.size();
        out.resize(at + sizeof(v));
        store_be(out.data() + at, v);
    };
    put(int32_t(1));
    put(int64_t(42));   // producer id
    put(int16_t(3));    // epoch
    put(int32_t(1));    // batches
    put(int32_t(0));    // first seq
    put(int32_t(4));    // last seq
    put(int64_t(100));  // first offset
    put(int64_t(104));  // last offset
    put(int64_t(7777)); // max timestamp
    store_be<uint32_t>(out.data() + 6, crc32c(std::span<const uint8_t>(out).subspan(10)));
    return out;
}

TEST(producer_state, snapshot_v1_still_decodes) {
    auto st = producer_state::decode_snapshot(v1_snapshot());
    ASSERT_TRUE(st) << error_name(st.error());
    const auto& e = st->producers().at(producer_id(42));
    EXPECT_EQ(e.epoch, producer_epoch(3));
    ASSERT_EQ(e.batches.size(), 1u);
    EXPECT_EQ(e.batches[0], (producer_batch{sequence(0), sequence(4), offset(100), offset(104), timestamp_ms(7777)}));
    EXPECT_EQ(e.last_append, timestamp_ms(7777));
    EXPECT_EQ(e.coordinator_epoch, -1);
    EXPECT_FALSE(e.txn_first_offset);
    EXPECT_FALSE(st->first_open_txn_offset());
    // Re-encoded, it is a version-2 file.
    auto v2 = st->encode_snapshot();
    EXPECT_EQ(load_be<int16_t>(v2.data() + 4), 2);
}

records::batch_header txn_batch(int64_t pid, int16_t epoch, int32_t seq, int64_t base) {
    records::batch_builder b;
    b.producer(producer_id(pid), producer_epoch(epoch), sequence(seq)).transactional().add("k", "v");
    auto bytes = b.build();
    return at(records::read_batch_header(bytes), base);
}

TEST(producer_state, snapshot_v2_round_trips_transactions) {
    producer_state st;
    st.update(txn_batch(1, 0, 0, 10), timestamp_ms(500));
    st.update(txn_batch(2, 4, 0, 11), timestamp_ms(600));
    st.update(txn_batch(1, 0, 1, 12), timestamp_ms(700));
    EXPECT_FALSE(st.apply_marker(producer_id(3), producer_epoch(1), true, 9, offset(13), timestamp_ms(800)));
    auto done = st.apply_marker(producer_id(2), producer_epoch(4), false, 6, offset(14), timestamp_ms(900));
    ASSERT_TRUE(done);
    EXPECT_EQ(*done, (completed_txn{producer_id(2), offset(11), offset(14), true}));
    st.update(txn_batch(2, 4, 1, 15), timestamp_ms(1000)); // opens a new one
    EXPECT_EQ(st.first_open_txn_offset(), offset(10));
    auto bytes = st.encode_snapshot();
    auto back = producer_state::decode_snapshot(bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->producers(), st.producers());
    EXPECT_EQ(back->first_open_txn_offset(), offset(10));
    EXPECT_EQ(back->open_txn_count(), 2u);
    const auto& p2 = back->producers().at(producer_id(2));
    EXPECT_EQ(p2.last_append, timestamp_ms(1000));
    EXPECT_EQ(p2.coordinator_epoch, 6);
    EXPECT_EQ(p2.txn_first_offset, offset(15));
    EXPECT_EQ(back->producers().at(producer_id(3)).coordinator_epoch, 9);
    // Ending the oldest moves the first open offset to the next.
    auto back2 = std::move(*back);
    back2.apply_marker(producer_id(1), producer_epoch(0), true, 0, offset(16), timestamp_ms(1));
    EXPECT_EQ(back2.first_open_txn_offset(), offset(15));
}

TEST(producer_state, marker_checks) {
    producer_state st;
    EXPECT_EQ(st.check_marker(producer_id(1), producer_epoch(0), 0), error_code::none); // unknown: fine
    st.update(txn_batch(1, 5, 0, 0), timestamp_ms(1));
    EXPECT_EQ(st.check_marker(producer_id(1), producer_epoch(4), 0), error_code::invalid_producer_epoch);
    EXPECT_EQ(st.check_marker(producer_id(1), producer_epoch(5), 0), error_code::none);
    EXPECT_EQ(st.check_marker(producer_id(1), producer_epoch(6), 0), error_code::none); // bumped: allowed
    st.apply_marker(producer_id(1), producer_epoch(6), false, 2, offset(1), timestamp_ms(2));
    EXPECT_EQ(st.producers().at(producer_id(1)).epoch, producer_epoch(6));
    EXPECT_EQ(st.check_marker(producer_id(1), producer_epoch(6), 1), error_code::transaction_coordinator_fenced);
    EXPECT_EQ(st.check_marker(producer_id(1), producer_epoch(6), 2), error_code::none);
}

} // namespace
} // namespace brook::storage
