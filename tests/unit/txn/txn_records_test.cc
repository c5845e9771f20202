// __transaction_state record formats: bytes hand-built from Kafka's TransactionLogKey/Value
// layout (version 0), round trips of every schema version, and rejection of bad input.
#include <gtest/gtest.h>

#include "protocol/messages_testing.h"
#include "txn/txn_records.h"

namespace brook::txn {
namespace {

using bytes = std::vector<uint8_t>;

protocol::TransactionLogValue ongoing_value() {
    protocol::TransactionLogValue v;
    v.ProducerId = 5;
    v.ProducerEpoch = 2;
    v.TransactionTimeoutMs = 60000;
    v.TransactionStatus = static_cast<int8_t>(txn_status::ongoing);
    v.TransactionPartitions = std::vector<protocol::TransactionLogValue::PartitionsSchema>{{"t", {0, 1}, {}}};
    v.TransactionLastUpdateTimestampMs = 1000;
    v.TransactionStartTimestampMs = 900;
    return v;
}

TEST(TxnRecords, KeyAndValueAreKafkasVersionZeroBytes) {
    auto r = txn_log_record("tx", ongoing_value());
    EXPECT_EQ(r.key, (bytes{0, 0, 0, 2, 't', 'x'}));
    const bytes value = {
        0, 0,                                           // value version 0
        0, 0, 0, 0, 0, 0, 0, 5,                         // ProducerId
        0, 2,                                           // ProducerEpoch
        0, 0, 0xea, 0x60,                               // TransactionTimeoutMs 60000
        1,                                              // TransactionStatus Ongoing
        0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, // [{t, [0, 1]}]
        0, 0, 0, 0, 0, 0, 0x03, 0xe8,                   // TransactionLastUpdateTimestampMs 1000
        0, 0, 0, 0, 0, 0, 0x03, 0x84,                   // TransactionStartTimestampMs 900
    };
    EXPECT_EQ(r.value, value);
}

TEST(TxnRecords, EmptyStateWritesNullPartitions) {
    auto v = ongoing_value();
    v.TransactionStatus = static_cast<int8_t>(txn_status::empty);
    v.TransactionPartitions.reset();
    auto r = txn_log_record("tx", v);
    // version, pid, epoch, timeout, status, then the null array (-1).
    ASSERT_GE(r.value->size(), 21u);
    EXPECT_EQ(bytes(r.value->begin() + 17, r.value->begin() + 21), (bytes{0xff, 0xff, 0xff, 0xff}));
}

TEST(TxnRecords, DecodeRoundTripAndTombstone) {
    auto r = txn_log_record("tx", ongoing_value());
    auto d = decode_txn_record(r.key, std::span<const uint8_t>(*r.value));
    ASSERT_TRUE(d.has_value());
    const auto& e = std::get<txn_log_entry>(*d);
    EXPECT_EQ(e.transactional_id, "tx");
    ASSERT_TRUE(e.value.has_value());
    EXPECT_EQ(*e.value, ongoing_value());

    auto tomb = txn_log_tombstone("tx");
    EXPECT_FALSE(tomb.value.has_value());
    auto dt = decode_txn_record(tomb.key, std::nullopt);
    ASSERT_TRUE(dt.has_value());
    EXPECT_FALSE(std::get<txn_log_entry>(*dt).value.has_value());
}

TEST(TxnRecords, EverySchemaVersionRoundTrips) {
    for (int16_t version = 0; version <= 1; ++version) {
        for (uint64_t seed = 1; seed <= 20; ++seed) {
            protocol::TransactionLogValue v;
            protocol::testing::sample_rng g{seed};
            protocol::testing::fill_sample(v, g, version);
            v.TransactionStatus = static_cast<int8_t>(seed % 8);
            bytes buf;
            protocol::writer w(buf);
            w.i16(version);
            v.encode(w, version);
            auto d = decode_txn_record(txn_log_tombstone("x").key, std::span<const uint8_t>(buf));
            ASSERT_TRUE(d.has_value()) << "v" << version << " seed " << seed;
            EXPECT_EQ(*std::get<txn_log_entry>(*d).value, v) << "v" << version << " seed " << seed;
        }
    }
}

TEST(TxnRecords, VersionOneCarriesTaggedFields) {
    auto v = ongoing_value();
    v.PreviousProducerId = 4;
    v.NextProducerId = 6;
    v.ClientTransactionVersion = 1;
    bytes buf;
    protocol::writer w(buf);
    w.i16(1);
    v.encode(w, 1);
    auto d = decode_txn_record(txn_log_tombstone("tx").key, std::span<const uint8_t>(buf));
    ASSERT_TRUE(d.has_value());
    const auto& back = *std::get<txn_log_entry>(*d).value;
    EXPECT_EQ(back.PreviousProducerId, 4);
    EXPECT_EQ(back.NextProducerId, 6);
    EXPECT_EQ(back.ClientTransactionVersion, 1);
}

TEST(TxnRecords, BadInputIsCorruptNotACrash) {
    auto r = txn_log_record("tx", ongoing_value());
    const bytes& value = *r.value;
    for (size_t n = 0; n < value.size(); ++n) {
        bytes prefix(value.begin(), value.begin() + static_cast<ptrdiff_t>(n));
        EXPECT_EQ(decode_txn_record(r.key, std::span<const uint8_t>(prefix)).error(), error_code::corrupt_message)
            << n;
    }
    bytes trailing = value;
    trailing.push_back(0);
    EXPECT_EQ(decode_txn_record(r.key, std::span<const uint8_t>(trailing)).error(), error_code::corrupt_message);
    bytes v2 = value;
    v2[1] = 2; // value version 2 does not exist
    EXPECT_EQ(decode_txn_record(r.key, std::span<const uint8_t>(v2)).error(), error_code::corrupt_message);
    bytes bad_status = value;
    bad_status[16] = 8;
    EXPECT_EQ(decode_txn_record(r.key, std::span<const uint8_t>(bad_status)).error(), error_code::corrupt_message);
    EXPECT_EQ(decode_txn_record(bytes{0}, std::nullopt).error(), error_code::corrupt_message);
    EXPECT_EQ(decode_txn_record(bytes{0, 0, 0, 9, 'x'}, std::nullopt).error(), error_code::corrupt_message);
}

TEST(TxnRecords, OtherKeyVersionsAreSkippable) {
    auto d = decode_txn_record(bytes{0, 1, 0, 0}, std::nullopt);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(std::get<other_txn_record>(*d).key_version, 1);
}

TEST(TxnRecords, StatusNamesAreKafkas) {
    EXPECT_EQ(status_name(txn_status::prepare_epoch_fence), "PrepareEpochFence");
    EXPECT_EQ(status_name(txn_status::complete_commit), "CompleteCommit");
    EXPECT_EQ(status_from_name("Ongoing"), txn_status::ongoing);
    EXPECT_EQ(status_from_name("ongoing"), std::nullopt);
}

} // namespace
} // namespace brook::txn
