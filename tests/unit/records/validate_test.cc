#include "records/validate.h"

#include <gtest/gtest.h>

#include <random>

#include "records/patch.h"
#include "records/record.h"
#include "records/record_stream.h"
#include "test_util.h"

namespace brook::records {
namespace {

using namespace testing;
const validate_limits defaults{};
const validate_limits produce{.produce = true};

class round_trip : public ::testing::TestWithParam<compression> {};

TEST_P(round_trip, build_validate_decode) {
    auto bytes = make_batch(GetParam(), 5);
    auto views = validate_batches(bytes, produce);
    ASSERT_TRUE(views) << error_name(views.error());
    ASSERT_EQ(views->size(), 1u);
    const auto& h = (*views)[0].header;
    EXPECT_EQ(h.codec(), GetParam());
    EXPECT_EQ(h.records_count, 5);
    EXPECT_EQ(h.last_offset_delta, 4);
    EXPECT_EQ(h.pid, producer_id(42));
    EXPECT_EQ(h.epoch, producer_epoch(3));
    EXPECT_EQ(h.base_sequence, sequence(7));
    EXPECT_EQ(h.last_sequence(), sequence(11));
    EXPECT_EQ(h.base_timestamp, timestamp_ms(1000));
    EXPECT_EQ(h.max_timestamp, timestamp_ms(1004));
    EXPECT_EQ((*views)[0].bytes.size(), bytes.size());
    EXPECT_EQ((*views)[0].bytes.data(), bytes.data());

    auto single = validate_for_produce(bytes, defaults);
    ASSERT_TRUE(single) << error_name(single.error());

    auto d = decode_batch(bytes);
    ASSERT_TRUE(d) << error_name(d.error());
    ASSERT_EQ(d->records.size(), 5u);
    for (int i = 0; i < 5; ++i) {
        const auto& r = d->records[size_t(i)];
        EXPECT_EQ(r.offset_delta, i);
        EXPECT_EQ(d->timestamp_of(r), timestamp_ms(1000 + i));
        if (i == 1) EXPECT_FALSE(r.key);
        else EXPECT_EQ(r.key, to_bytes("k" + std::to_string(i)));
        EXPECT_EQ(r.value, to_bytes("v" + std::to_string(i)));
    }
    ASSERT_EQ(d->records[0].headers.size(), 2u);
    EXPECT_EQ(d->records[0].headers[0], (record_header{"h", to_bytes("x")}));
    EXPECT_EQ(d->records[0].headers[1], (record_header{"n", std::nullopt}));
}

TEST_P(round_trip, corrupt_compressed_body_with_valid_crc_is_corrupt) {
    if (GetParam() == compression::none) GTEST_SKIP();
    auto bytes = make_batch(GetParam(), 50);
    for (size_t i = batch_header_size; i < bytes.size(); ++i) bytes[i] ^= 0x5a;
    fix_crc(bytes);
    EXPECT_EQ(validate_batches(bytes, defaults).error(), error_code::corrupt_message);
    EXPECT_FALSE(decode_batch(bytes));
}

INSTANTIATE_TEST_SUITE_P(all, round_trip,
                         ::testing::Values(compression::none, compression::gzip, compression::snappy, compression::lz4,
                                           compression::zstd),
                         [](const auto& info) { return std::to_string(int(info.param)); });

TEST(validate, empty_payload_has_no_batches) {
    auto v = validate_batches({}, defaults);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->empty());
    EXPECT_EQ(validate_for_produce({}, defaults).error(), error_code::invalid_record);
}

TEST(validate, bad_crc) {
    auto bytes = make_batch(compression::none);
    auto body = bytes;
    body.back() ^= 1;
    EXPECT_EQ(validate_batches(body, defaults).error(), error_code::corrupt_message);
    auto crc = bytes;
    crc[batch_crc_offset] ^= 0x80;
    EXPECT_EQ(validate_batches(crc, defaults).error(), error_code::corrupt_message);
    auto attrs = bytes; // attributes are covered by the CRC too
    attrs[batch_attributes_offset + 1] ^= 0x10;
    EXPECT_EQ(validate_batches(attrs, defaults).error(), error_code::corrupt_message);
    // baseOffset and leader epoch are not: the broker rewrites them.
    auto off = bytes;
    off[3] = 9;
    off[batch_leader_epoch_offset + 3] = 9;
    EXPECT_TRUE(validate_batches(off, defaults));
}

TEST(validate, truncated_at_every_length_is_corrupt) {
    for (auto c : {compression::none, compression::zstd}) {
        auto bytes = make_batch(c);
        for (size_t cut = 1; cut < bytes.size(); ++cut) {
            auto v = validate_batches(std::span(bytes).first(cut), defaults);
            EXPECT_EQ(v.error(), error_code::corrupt_message) << "cut " << cut;
        }
    }
}

TEST(validate, legacy_and_future_magic) {
    auto bytes = make_batch(compression::none);
    for (uint8_t m : {0, 1}) {
        auto b = bytes;
        b[batch_magic_offset] = m;
        EXPECT_EQ(validate_batches(b, defaults).error(), error_code::unsupported_for_message_format);
        EXPECT_EQ(decode_batch(b).error(), error_code::unsupported_for_message_format);
    }
    // A v0 message set is only 26+ bytes: still reported as a format problem, not corruption.
    std::vector<uint8_t> v0(12 + 14, 0);
    put_i32(v0, 8, 14);
    v0[batch_magic_offset] = 0;
    EXPECT_EQ(validate_batches(v0, defaults).error(), error_code::unsupported_for_message_format);
    for (uint8_t m : {3, 0x80}) {
        auto b = bytes;
        b[batch_magic_offset] = m;
        EXPECT_EQ(validate_batches(b, defaults).error(), error_code::corrupt_message);
    }
}

TEST(validate, oversize_batch) {
    auto bytes = make_batch(compression::none);
    validate_limits l;
    l.max_batch_bytes = bytes.size();
    EXPECT_TRUE(validate_batches(bytes, l));
    l.max_batch_bytes = bytes.size() - 1;
    EXPECT_EQ(validate_batches(bytes, l).error(), error_code::message_too_large);
    EXPECT_EQ(validate_for_produce(bytes, l).error(), error_code::message_too_large);
}

TEST(validate, batch_length_too_small_or_too_big) {
    auto bytes = make_batch(compression::none);
    auto small = bytes;
    put_i32(small, batch_length_offset, 48);
    EXPECT_EQ(validate_batches(small, defaults).error(), error_code::corrupt_message);
    auto neg = bytes;
    put_i32(neg, batch_length_offset, -1);
    EXPECT_EQ(validate_batches(neg, defaults).error(), error_code::corrupt_message);
    auto big = bytes;
    put_i32(big, batch_length_offset, int32_t(bytes.size()));
    EXPECT_EQ(validate_batches(big, defaults).error(), error_code::corrupt_message);
}

TEST(validate, wrong_records_count) {
    auto bytes = make_batch(compression::none, 3);
    for (int32_t count : {2, 4, 100000}) {
        auto b = bytes;
        put_i32(b, 57, count);
        fix_crc(b);
        EXPECT_EQ(validate_batches(b, defaults).error(), error_code::corrupt_message) << count;
        EXPECT_EQ(decode_batch(b).error(), error_code::corrupt_message) << count;
        // Produce rules notice lastOffsetDelta != count - 1 first.
        EXPECT_EQ(validate_for_produce(b, defaults).error(), error_code::invalid_record) << count;
    }
    auto neg = bytes;
    put_i32(neg, 57, -1);
    fix_crc(neg);
    EXPECT_EQ(validate_batches(neg, defaults).error(), error_code::corrupt_message);

    auto delta = bytes; // count right, lastOffsetDelta wrong
    put_i32(delta, 23, 5);
    fix_crc(delta);
    EXPECT_TRUE(validate_batches(delta, defaults)); // stored data (e.g. compacted) may differ
    EXPECT_EQ(validate_batches(delta, produce).error(), error_code::invalid_record);
}

TEST(validate, empty_batch_rejected_for_produce_only) {
    auto empty = batch_builder().build();
    EXPECT_TRUE(validate_batches(empty, defaults));
    EXPECT_EQ(validate_for_produce(empty, defaults).error(), error_code::invalid_record);
}

TEST(validate, non_sequential_offset_delta) {
    auto bytes = make_batch(compression::none, 3);
    // Record 0 starts right after the header: length varint (1 byte), attributes,
    // timestampDelta 0 (1 byte), then offsetDelta. Make it 2 (zig-zag 4).
    ASSERT_EQ(bytes[batch_header_size + 3], 0);
    bytes[batch_header_size + 3] = 4;
    fix_crc(bytes);
    EXPECT_TRUE(validate_batches(bytes, defaults));
    EXPECT_EQ(validate_for_produce(bytes, defaults).error(), error_code::invalid_record);
}

TEST(validate, record_framing_errors) {
    auto bytes = make_batch(compression::none, 3);
    auto longer = bytes; // first record claims one more byte than it has
    longer[batch_header_size] += 2;
    fix_crc(longer);
    EXPECT_EQ(validate_batches(longer, defaults).error(), error_code::corrupt_message);
    validate_limits no_walk{.walk_records = false};
    EXPECT_TRUE(validate_batches(longer, no_walk)); // framing of records not inspected

    auto garbage_inside = bytes; // extra bytes after the last record, inside the batch
    garbage_inside.push_back(0);
    put_i32(garbage_inside, batch_length_offset, int32_t(garbage_inside.size() - batch_log_overhead));
    fix_crc(garbage_inside);
    EXPECT_EQ(validate_batches(garbage_inside, defaults).error(), error_code::corrupt_message);
}

TEST(validate, unknown_codec) {
    for (uint8_t codec : {5, 6, 7}) {
        auto b = make_batch(compression::none);
        b[batch_attributes_offset + 1] = (b[batch_attributes_offset + 1] & ~0x7) | codec;
        fix_crc(b);
        EXPECT_EQ(validate_batches(b, defaults).error(), error_code::unsupported_compression_type);
        EXPECT_EQ(decode_batch(b).error(), error_code::unsupported_compression_type);
    }
}

TEST(validate, trailing_garbage_and_multiple_batches) {
    auto a = make_batch(compression::none), b = make_batch(compression::lz4);
    for (size_t extra : {1, 16, 17, 61, 70}) {
        auto p = a;
        p.insert(p.end(), extra, 0x00);
        EXPECT_EQ(validate_batches(p, defaults).error(), error_code::corrupt_message) << extra;
        EXPECT_EQ(validate_for_produce(p, defaults).error(), error_code::corrupt_message) << extra;
    }
    auto two = concat({a, b});
    auto v = validate_batches(two, defaults);
    ASSERT_TRUE(v);
    ASSERT_EQ(v->size(), 2u);
    EXPECT_EQ((*v)[1].bytes.data(), two.data() + a.size());
    EXPECT_EQ((*v)[1].header.codec(), compression::lz4);
    EXPECT_EQ(validate_for_produce(two, defaults).error(), error_code::invalid_record);
}

// Kafka bounds no batch's decompressed size, and neither does validation: compressed records
// are walked as they stream out, so a legal batch far over the old 64 MiB bound is accepted
// (the bound is left to decode_batch, which holds every record).
TEST(validate, a_legal_batch_decompressing_past_64_mib_is_accepted) {
    std::string big(70 << 20, '\0');
    for (auto codec : {compression::zstd, compression::lz4}) { // gzip: tests/integration/test_limits.py
        auto bytes = batch_builder(codec).add("k", big).add("k2", "v2").build();
        ASSERT_LT(bytes.size(), size_t(1) << 20) << int(codec);
        auto v = validate_batches(bytes, defaults);
        ASSERT_TRUE(v) << int(codec) << ": " << error_name(v.error());
        EXPECT_EQ(validate_for_produce(bytes, defaults).error(), error_code::none);
        EXPECT_EQ(decode_batch(bytes, 1 << 20).error(), error_code::corrupt_message);
    }
}

// The streaming walk accepts and refuses exactly what decompress + check_records does.
TEST(validate, streaming_walk_agrees_with_the_whole_payload_walk) {
    std::mt19937 g(7);
    for (auto codec : {compression::gzip, compression::snappy, compression::lz4, compression::zstd}) {
        for (int round = 0; round < 120; ++round) {
            batch_builder b(codec);
            const int n = 1 + int(g() % 20);
            for (int i = 0; i < n; ++i)
                b.add(std::string(g() % 40, 'k'), std::string(g() % 9000, char('a' + i % 3)), std::nullopt,
                      {record_header{"h", std::vector<uint8_t>(g() % 5, 'x')}});
            auto batch = b.build();
            auto body = std::span<const uint8_t>(batch).subspan(batch_header_size);
            std::vector<uint8_t> payload(body.begin(), body.end());
            // Damage: none, a flipped byte, a cut, or bytes appended.
            switch (round % 4) {
            case 1: payload[g() % payload.size()] ^= uint8_t(1 + g() % 255); break;
            case 2: payload.resize(g() % payload.size()); break;
            case 3: payload.push_back(uint8_t(g())); break;
            default: break;
            }
            const int32_t count = round % 8 == 5 ? n + 1 : n;
            record_timestamps d1, d2;
            auto whole = decompress(codec, payload, size_t(1) << 30);
            error_code expect = whole ? check_records(*whole, count, true, &d1) : whole.error();
            EXPECT_EQ(check_compressed_records(codec, payload, count, true, &d2), expect)
                << "codec " << int(codec) << " round " << round;
            if (expect == error_code::none) { EXPECT_EQ(d1.max_delta, d2.max_delta); }
        }
    }
}

// message.timestamp.before/after.max.ms: every CreateTime record outside the window is listed,
// compressed or not; a record without a timestamp (-1) and a LogAppendTime batch never are.
TEST(validate, create_time_window_lists_the_records_outside_it) {
    for (auto codec : {compression::none, compression::zstd}) {
        batch_builder b(codec);
        for (int64_t ts : {1000, 899, 900, 1100, 1101, -1, 5000})
            b.add("k", "v", timestamp_ms(ts));
        auto bytes = b.build();
        validate_limits limits{.produce = true, .create_time_window = timestamp_window{900, 1100}};
        auto v = validate_for_produce(bytes, limits);
        ASSERT_TRUE(v) << error_name(v.error());
        using stray = record_timestamps::stray;
        EXPECT_EQ(v->timestamps_out_of_range, (std::vector<stray>{{1, 899}, {4, 1101}, {6, 5000}})) << int(codec);
        EXPECT_EQ(v->records_max_timestamp, timestamp_ms(5000));

        EXPECT_TRUE(validate_for_produce(bytes, produce)->timestamps_out_of_range.empty());
        limits.create_time_window = timestamp_window{0, INT64_MAX};
        EXPECT_TRUE(validate_for_produce(bytes, limits)->timestamps_out_of_range.empty());
    }
    batch_builder append_time;
    append_time.ts_type(timestamp_type::log_append_time).add("k", "v", timestamp_ms(1));
    auto bytes = append_time.build();
    const validate_limits limits{.produce = true, .create_time_window = timestamp_window{900, 1100}};
    EXPECT_TRUE(validate_for_produce(bytes, limits)->timestamps_out_of_range.empty());
}

TEST(scan, splits_and_stops_at_torn_tail) {
    auto a = make_batch(compression::none), b = make_batch(compression::gzip), c = make_batch(compression::snappy);
    auto log = concat({a, b, c});
    auto r = scan_batches(log);
    EXPECT_EQ(r.batches.size(), 3u);
    EXPECT_EQ(r.valid_bytes, log.size());
    EXPECT_EQ(r.stop, error_code::none);

    auto torn = concat({a, b, std::vector<uint8_t>(c.begin(), c.begin() + 30)});
    r = scan_batches(torn);
    EXPECT_EQ(r.batches.size(), 2u);
    EXPECT_EQ(r.valid_bytes, a.size() + b.size());
    EXPECT_EQ(r.stop, error_code::corrupt_message);

    auto bad = log;
    bad[a.size() + b.size() - 1] ^= 1; // last byte of b
    r = scan_batches(bad);
    EXPECT_EQ(r.batches.size(), 1u);
    EXPECT_EQ(r.valid_bytes, a.size());

    auto zeros = concat({a, std::vector<uint8_t>(4096, 0)}); // preallocated, never written
    r = scan_batches(zeros);
    EXPECT_EQ(r.batches.size(), 1u);
    EXPECT_EQ(r.valid_bytes, a.size());
}

TEST(patch, offsets_epoch_and_log_append_time) {
    auto bytes = make_batch(compression::zstd, 4);
    set_base_offset(bytes, offset(1000));
    set_leader_epoch(bytes, leader_epoch(7));
    auto v = validate_batches(bytes, defaults);
    ASSERT_TRUE(v);
    EXPECT_EQ((*v)[0].header.base_offset, offset(1000));
    EXPECT_EQ((*v)[0].header.last_offset(), offset(1003));
    EXPECT_EQ((*v)[0].header.partition_leader_epoch, leader_epoch(7));

    set_log_append_time(bytes, timestamp_ms(555555));
    auto d = decode_batch(bytes);
    ASSERT_TRUE(d) << error_name(d.error());
    EXPECT_EQ(d->header.ts_type(), timestamp_type::log_append_time);
    EXPECT_EQ(d->header.max_timestamp, timestamp_ms(555555));
    EXPECT_EQ(d->header.base_timestamp, timestamp_ms(555555));
    EXPECT_EQ(d->header.codec(), compression::zstd); // other attribute bits kept
    EXPECT_EQ(d->header.pid, producer_id(42));
    for (const auto& r : d->records) EXPECT_EQ(d->timestamp_of(r), timestamp_ms(555555));
    EXPECT_EQ(d->offset_of(d->records[3]), offset(1003));
}

// The append path writes patched_header() + the untouched body; that must be byte for byte
// what patching a whole copy gives, CRC included.
TEST(patch, patched_header_equals_patching_the_whole_batch) {
    for (bool append_time : {false, true}) {
        const auto original = make_batch(compression::none, 5);
        auto whole = original;
        set_base_offset(whole, offset(77));
        set_leader_epoch(whole, leader_epoch(3));
        if (append_time) set_log_append_time(whole, timestamp_ms(424242));
        auto head = patched_header(original, offset(77), leader_epoch(3),
                                   append_time ? std::optional(timestamp_ms(424242)) : std::nullopt);
        std::vector<uint8_t> joined(head.begin(), head.end());
        joined.insert(joined.end(), original.begin() + batch_header_size, original.end());
        EXPECT_EQ(joined, whole) << "append_time " << append_time;
        EXPECT_TRUE(validate_batches(joined, defaults)) << "append_time " << append_time;
    }
}

// Kafka's LogValidator stores the records' largest timestamp as maxTimestamp (CreateTime),
// whatever the header claims: validate_batch reports it and patched_header writes it.
TEST(patch, max_timestamp_comes_from_the_records) {
    for (auto codec : {compression::none, compression::gzip}) {
        auto original = make_batch(codec, 4, 5000); // timestamps 5000..5003
        auto v = validate_for_produce(original, defaults);
        ASSERT_TRUE(v);
        ASSERT_TRUE(v->records_max_timestamp);
        EXPECT_EQ(*v->records_max_timestamp, timestamp_ms(5003));
        // A header that says 5000: the stored batch says 5003 and stays valid.
        store_be<int64_t>(original.data() + batch_max_timestamp_offset, 5000);
        fix_crc(original);
        auto lying = validate_for_produce(original, defaults);
        ASSERT_TRUE(lying);
        EXPECT_EQ(lying->header.max_timestamp, timestamp_ms(5000));
        EXPECT_EQ(*lying->records_max_timestamp, timestamp_ms(5003));
        auto head = patched_header(original, offset(9), leader_epoch(1), std::nullopt, lying->records_max_timestamp);
        std::vector<uint8_t> joined(head.begin(), head.end());
        joined.insert(joined.end(), original.begin() + batch_header_size, original.end());
        auto stored = validate_batches(joined, defaults);
        ASSERT_TRUE(stored);
        EXPECT_EQ(stored->at(0).header.max_timestamp, timestamp_ms(5003));
        // LogAppendTime wins over it.
        auto lat = patched_header(original, offset(9), leader_epoch(1), timestamp_ms(7), timestamp_ms(5003));
        EXPECT_EQ(read_batch_header(lat).max_timestamp, timestamp_ms(7));
    }
}

} // namespace
} // namespace brook::records
