// The pure parts of the admin API's state reads: the timestamp lag-in-seconds is measured
// from, and the consumer protocol assignment decoder.
#include <gtest/gtest.h>

#include "broker/admin_state.h"
#include "protocol/wire.h"
#include "records/control.h"
#include "records/record.h"

namespace brook::broker {
namespace {

using records::batch_builder;

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

TEST(FirstRecordTimestamp, TheRecordAtTheCommittedOffsetInsideABatch) {
    auto b = batch_builder().base_offset(offset(10)).add("k", "a", timestamp_ms(1000)).add("k", "b", timestamp_ms(2000))
                 .add("k", "c", timestamp_ms(3000)).build();
    EXPECT_EQ(first_record_timestamp(b, offset(10)), timestamp_ms(1000));
    EXPECT_EQ(first_record_timestamp(b, offset(11)), timestamp_ms(2000));
    EXPECT_EQ(first_record_timestamp(b, offset(12)), timestamp_ms(3000));
    EXPECT_EQ(first_record_timestamp(b, offset(13)), std::nullopt);
}

TEST(FirstRecordTimestamp, SkipsEarlierAndControlBatchesAndHandlesCompression) {
    auto early = batch_builder().base_offset(offset(0)).add("k", "a", timestamp_ms(500)).build();
    auto marker = records::build_control_batch(producer_id(7), producer_epoch(0), true, 0, timestamp_ms(100));
    records::write_base_offset(marker, offset(1));
    auto later = batch_builder(records::compression::zstd).base_offset(offset(2)).add("k", "b", timestamp_ms(4000)).build();
    const auto all = concat({early, marker, later});
    EXPECT_EQ(first_record_timestamp(all, offset(0)), timestamp_ms(500));
    EXPECT_EQ(first_record_timestamp(all, offset(1)), timestamp_ms(4000));
}

TEST(FirstRecordTimestamp, LogAppendTimeBatchesUseTheBrokerTime) {
    auto b = batch_builder().ts_type(records::timestamp_type::log_append_time).add("k", "a", timestamp_ms(1)).build();
    // The broker stamps maxTimestamp on append; the builder writes the records' maximum there.
    EXPECT_EQ(first_record_timestamp(b, offset(0)), records::read_batch_header(b).max_timestamp);
}

TEST(FirstRecordTimestamp, GarbageIsUnknown) {
    std::vector<uint8_t> junk(100, 0xff);
    EXPECT_EQ(first_record_timestamp(junk, offset(0)), std::nullopt);
    EXPECT_EQ(first_record_timestamp({}, offset(0)), std::nullopt);
}

TEST(LagSeconds, AgeOfTheOldestUnconsumedRecord) {
    EXPECT_DOUBLE_EQ(lag_seconds(5, timestamp_ms(1000), timestamp_ms(61'500)), 60.5);
    EXPECT_DOUBLE_EQ(lag_seconds(0, timestamp_ms(1000), timestamp_ms(61'500)), 0);
    EXPECT_DOUBLE_EQ(lag_seconds(5, std::nullopt, timestamp_ms(61'500)), 0);
    EXPECT_DOUBLE_EQ(lag_seconds(5, timestamp_ms(90'000), timestamp_ms(61'500)), 0); // clock skew: not negative
}

TEST(ConsumerAssignment, Decodes) {
    std::vector<uint8_t> bytes;
    protocol::writer w(bytes);
    w.i16(1);
    w.i32(2);
    w.string("a", false);
    w.i32(2);
    w.i32(0);
    w.i32(3);
    w.string("b", false);
    w.i32(1);
    w.i32(1);
    w.i32(-1); // null user data
    const auto got = decode_consumer_assignment(bytes);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got.at("a"), (std::vector<int32_t>{0, 3}));
    EXPECT_EQ(got.at("b"), (std::vector<int32_t>{1}));
    bytes.resize(9); // cut inside the first topic
    EXPECT_TRUE(decode_consumer_assignment(bytes).empty());
    EXPECT_TRUE(decode_consumer_assignment({}).empty());
}

} // namespace
} // namespace brook::broker
