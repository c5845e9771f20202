#include "records/recompress.h"

#include <gtest/gtest.h>

#include "records/record.h"
#include "records/validate.h"

namespace brook::records {
namespace {

constexpr compression codecs[] = {compression::none, compression::gzip, compression::snappy, compression::lz4,
                                  compression::zstd};

std::vector<uint8_t> sample_batch(compression c) {
    batch_builder b(c);
    b.producer(producer_id(42), producer_epoch(3), sequence(7)).transactional();
    for (int i = 0; i < 50; ++i)
        b.add(i == 3 ? std::nullopt : std::optional<std::string>("key-" + std::to_string(i % 5)),
              i == 4 ? std::nullopt : std::optional<std::string>(std::string(200, char('a' + i % 7))),
              timestamp_ms(1'000 + (i * 37) % 101), // out of order, as producers may stamp
              i % 2 ? std::vector<record_header>{{"h", to_bytes("x")}, {"null", std::nullopt}} : std::vector<record_header>{});
    return b.build();
}

// Every codec to every other: the same records, header fields and validity; only the
// codec bits, the length and the CRC change.
TEST(recompress, every_codec_to_every_other_keeps_the_records) {
    for (auto from : codecs) {
        const auto original = sample_batch(from);
        const auto before = decode_batch(original);
        ASSERT_TRUE(before);
        for (auto to : codecs) {
            if (to == from) continue;
            auto re = recompress_batch(original, to);
            ASSERT_TRUE(re) << int(from) << "->" << int(to) << ": " << error_name(re.error());
            auto v = validate_for_produce(*re, {});
            ASSERT_TRUE(v) << int(from) << "->" << int(to) << ": " << error_name(v.error());
            auto after = decode_batch(*re);
            ASSERT_TRUE(after);
            const auto &a = before->header, &b = after->header;
            EXPECT_EQ(b.codec(), to);
            EXPECT_EQ(b.attributes & ~0x7, a.attributes & ~0x7); // transactional, timestamp type
            EXPECT_TRUE(b.is_transactional());
            EXPECT_EQ(std::tie(b.pid, b.epoch, b.base_sequence, b.records_count, b.last_offset_delta),
                      std::tie(a.pid, a.epoch, a.base_sequence, a.records_count, a.last_offset_delta));
            EXPECT_EQ(std::tie(b.base_timestamp, b.max_timestamp), std::tie(a.base_timestamp, a.max_timestamp));
            EXPECT_EQ(after->records, before->records);
            EXPECT_EQ(size_t(b.size_bytes()), re->size());
        }
    }
}

TEST(recompress, compression_shrinks_a_repetitive_batch) {
    const auto plain = sample_batch(compression::none);
    auto z = recompress_batch(plain, compression::zstd);
    ASSERT_TRUE(z);
    EXPECT_LT(z->size() * 5, plain.size());
}

// Records that would decompress past the bound are refused as too large, not as corrupt.
TEST(recompress, over_the_decompression_bound_is_message_too_large) {
    const auto gz = sample_batch(compression::gzip);
    EXPECT_EQ(recompress_batch(gz, compression::lz4, 1000).error(), error_code::message_too_large);
    EXPECT_TRUE(recompress_batch(gz, compression::lz4));
}

TEST(recompress, topic_compression_values) {
    EXPECT_EQ(topic_compression("producer"), std::nullopt);
    EXPECT_EQ(topic_compression("uncompressed"), compression::none);
    EXPECT_EQ(topic_compression("gzip"), compression::gzip);
    EXPECT_EQ(topic_compression("snappy"), compression::snappy);
    EXPECT_EQ(topic_compression("lz4"), compression::lz4);
    EXPECT_EQ(topic_compression("zstd"), compression::zstd);
    EXPECT_EQ(topic_compression("brotli"), std::nullopt);
}

} // namespace
} // namespace brook::records
