// Batches written by an independent implementation (kafka-python's DefaultRecordBatchBuilder,
// see tests/golden/records/gen_kafka_python.py): our CRC, record framing and every codec's
// framing (xerial snappy, LZ4 frame, zstd without content size) must agree with it.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "records/record.h"
#include "records/validate.h"

namespace brook::records {
namespace {

std::vector<uint8_t> read_golden(const std::string& name) {
    std::ifstream f(std::string(BROOK_GOLDEN_DIR) + "/" + name, std::ios::binary);
    EXPECT_TRUE(f.good()) << name;
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

constexpr int64_t base_ts = 1700000000000;

// Mirrors records() in gen_kafka_python.py.
std::vector<record> expected_records() {
    std::vector<record> out;
    for (int i = 0; i < 5; ++i) {
        record r;
        r.offset_delta = i;
        r.timestamp_delta = 10 * i;
        if (i != 2) r.key = to_bytes("key-" + std::to_string(i));
        if (i != 4) {
            std::string one = "value-" + std::to_string(i) + ";", v;
            for (int k = 0; k < 40; ++k) v += one;
            r.value = to_bytes(v);
        }
        if (i == 1) r.headers = {{"h1", to_bytes("hv1")}, {"null", std::nullopt}};
        out.push_back(std::move(r));
    }
    return out;
}

class golden : public ::testing::TestWithParam<std::pair<const char*, compression>> {};

TEST_P(golden, kafka_python_batch_validates_and_decodes) {
    auto [name, codec] = GetParam();
    auto bytes = read_golden(std::string("kafka_python_") + name + ".bin");
    ASSERT_GT(bytes.size(), batch_header_size);
    auto v = validate_for_produce(bytes, validate_limits{});
    ASSERT_TRUE(v) << error_name(v.error());
    EXPECT_EQ(v->header.codec(), codec);
    EXPECT_EQ(v->header.pid, producer_id(1234));
    EXPECT_EQ(v->header.epoch, producer_epoch(5));
    EXPECT_EQ(v->header.base_sequence, sequence(10));
    EXPECT_EQ(v->header.records_count, 5);
    EXPECT_EQ(v->header.base_timestamp, timestamp_ms(base_ts));
    EXPECT_EQ(v->header.max_timestamp, timestamp_ms(base_ts + 40));

    auto d = decode_batch(bytes);
    ASSERT_TRUE(d) << error_name(d.error());
    EXPECT_EQ(d->records, expected_records());
}

INSTANTIATE_TEST_SUITE_P(all, golden,
                         ::testing::Values(std::pair{"none", compression::none}, std::pair{"gzip", compression::gzip},
                                           std::pair{"snappy", compression::snappy}, std::pair{"lz4", compression::lz4},
                                           std::pair{"zstd", compression::zstd}),
                         [](const auto& info) { return std::string(info.param.first); });

TEST(golden, uncompressed_batch_is_byte_identical_to_ours) {
    // Same records, same header values: our builder must produce exactly kafka-python's bytes
    // (which checks CRC-32C, varint and header encoding end to end).
    batch_builder b;
    b.leader_epoch(leader_epoch(0)).producer(producer_id(1234), producer_epoch(5), sequence(10));
    for (const auto& r : expected_records()) {
        std::optional<std::span<const uint8_t>> k, v;
        if (r.key) k = std::span<const uint8_t>(*r.key);
        if (r.value) v = std::span<const uint8_t>(*r.value);
        b.add_bytes(k, v, timestamp_ms(base_ts + r.timestamp_delta), r.headers);
    }
    EXPECT_EQ(b.build(), read_golden("kafka_python_none.bin"));
}

} // namespace
} // namespace brook::records
