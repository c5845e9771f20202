#include "records/record.h"

#include <gtest/gtest.h>

#include "base/varint.h"
#include "records/control.h"
#include "records/validate.h"
#include "test_util.h"

namespace brook::records {
namespace {

std::vector<uint8_t> encoded(const record& r) {
    std::vector<uint8_t> out;
    encode_record(out, r);
    return out;
}

TEST(record, encode_parse_round_trip) {
    record r;
    r.timestamp_delta = -12345678901;
    r.offset_delta = 300;
    r.key = std::vector<uint8_t>{};  // empty, not null
    r.value = std::nullopt;          // tombstone
    r.headers = {{"a", to_bytes("1")}, {"", std::nullopt}};
    auto bytes = encoded(r);
    auto v = parse_record(bytes);
    ASSERT_TRUE(v) << error_name(v.error());
    EXPECT_EQ(v->size_bytes, bytes.size());
    ASSERT_TRUE(v->key);
    EXPECT_TRUE(v->key->empty());
    EXPECT_FALSE(v->value);
    EXPECT_EQ(v->header_count, 2);
    EXPECT_EQ(to_record(*v), r);
}

TEST(record, every_truncation_is_corrupt) {
    record r;
    r.key = to_bytes("key");
    r.value = to_bytes("value");
    r.headers = {{"hk", to_bytes("hv")}};
    auto bytes = encoded(r);
    for (size_t cut = 0; cut < bytes.size(); ++cut)
        EXPECT_EQ(parse_record(std::span(bytes).first(cut)).error(), error_code::corrupt_message) << cut;
}

TEST(record, null_header_key_and_bad_lengths) {
    // Hand-encode: header with key length -1.
    std::vector<uint8_t> body{0 /*attrs*/, 0 /*ts*/, 0 /*off*/, 1 /*key len -1*/, 0 /*value len 0*/, 2 /*1 header*/,
                              1 /*hkey len -1*/, 1 /*hval -1*/};
    std::vector<uint8_t> rec;
    write_varint(rec, int32_t(body.size()));
    rec.insert(rec.end(), body.begin(), body.end());
    EXPECT_EQ(parse_record(rec).error(), error_code::corrupt_message);

    std::vector<uint8_t> neg_len;
    write_varint(neg_len, -3);
    neg_len.insert(neg_len.end(), 10, 0);
    EXPECT_EQ(parse_record(neg_len).error(), error_code::corrupt_message);

    // Key length beyond the record (but within the buffer that follows).
    std::vector<uint8_t> body2{0, 0, 0, 20 /*key len 10*/, 0, 0};
    std::vector<uint8_t> rec2;
    write_varint(rec2, int32_t(body2.size()));
    rec2.insert(rec2.end(), body2.begin(), body2.end());
    rec2.insert(rec2.end(), 20, 'x');
    EXPECT_EQ(parse_record(rec2).error(), error_code::corrupt_message);

    // Negative header count.
    std::vector<uint8_t> body3{0, 0, 0, 1, 1, 1 /*count -1*/};
    std::vector<uint8_t> rec3;
    write_varint(rec3, int32_t(body3.size()));
    rec3.insert(rec3.end(), body3.begin(), body3.end());
    EXPECT_EQ(parse_record(rec3).error(), error_code::corrupt_message);
}

TEST(record, check_records_counts) {
    std::vector<uint8_t> two;
    record r;
    encode_record(two, r);
    r.offset_delta = 1;
    encode_record(two, r);
    EXPECT_EQ(check_records(two, 2, true), error_code::none);
    EXPECT_EQ(check_records(two, 1, false), error_code::corrupt_message); // trailing record
    EXPECT_EQ(check_records(two, 3, false), error_code::corrupt_message); // missing record
    EXPECT_EQ(check_records(two, -1, false), error_code::corrupt_message);
    EXPECT_EQ(check_records({}, 0, true), error_code::none);
}

// check_records has its own pointer walk for speed; it must accept and reject exactly what a
// parse_record loop does, with the same error, on any bytes.
error_code reference_check(std::span<const uint8_t> bytes, int32_t count, bool sequential) {
    if (count < 0) return error_code::corrupt_message;
    size_t pos = 0;
    for (int32_t i = 0; i < count; ++i) {
        if (pos >= bytes.size()) return error_code::corrupt_message;
        auto r = parse_record(bytes.subspan(pos));
        if (!r) return r.error();
        if (sequential && r->offset_delta != i) return error_code::invalid_record;
        pos += r->size_bytes;
    }
    return pos == bytes.size() ? error_code::none : error_code::corrupt_message;
}

TEST(record, check_records_agrees_with_parse_record_on_mutated_bytes) {
    std::vector<uint8_t> good;
    std::vector<record> rs(6);
    for (int32_t i = 0; i < 6; ++i) {
        rs[i].offset_delta = i;
        rs[i].timestamp_delta = int64_t(i) * 1000003 - 5000;
        if (i % 2) rs[i].key = to_bytes(std::string(size_t(i) * 50, 'k')); // 2-byte length varints
        if (i != 3) rs[i].value = to_bytes(std::string(size_t(i) * 7, 'v'));
        if (i >= 4) rs[i].headers = {{"h", to_bytes("x")}, {"n", std::nullopt}};
        encode_record(good, rs[i]);
    }
    ASSERT_EQ(check_records(good, 6, true), error_code::none);
    uint64_t seed = 12345;
    auto rnd = [&seed] { seed = seed * 6364136223846793005ULL + 1442695040888963407ULL; return uint32_t(seed >> 33); };
    int rejected = 0;
    for (int iter = 0; iter < 50000; ++iter) {
        auto bytes = good;
        int edits = 1 + int(rnd() % 3);
        for (int e = 0; e < edits; ++e) {
            switch (rnd() % 4) {
            case 0: bytes[rnd() % bytes.size()] = uint8_t(rnd()); break;
            case 1: bytes[rnd() % bytes.size()] ^= uint8_t(1u << (rnd() % 8)); break;
            case 2: bytes.resize(rnd() % bytes.size() + 1); break;
            default: bytes[rnd() % bytes.size()] = uint8_t(0x80 | rnd()); break; // long varints
            }
        }
        int32_t count = int32_t(rnd() % 8);
        bool sequential = rnd() % 2;
        auto want = reference_check(bytes, count, sequential);
        ASSERT_EQ(check_records(bytes, count, sequential), want) << "iteration " << iter;
        rejected += want != error_code::none;
    }
    EXPECT_GT(rejected, 10000); // the mutations do reach the error paths
}

TEST(batch_builder, timestamps_and_flags) {
    auto bytes = batch_builder(compression::gzip)
                     .base_offset(offset(10))
                     .leader_epoch(leader_epoch(2))
                     .producer(producer_id(9), producer_epoch(1), sequence(100))
                     .transactional()
                     .add("a", "1", timestamp_ms(5000))
                     .add("b", "2", timestamp_ms(4000)) // earlier than base: negative delta
                     .add("c", "3", timestamp_ms(7000))
                     .build();
    auto d = decode_batch(bytes);
    ASSERT_TRUE(d) << error_name(d.error());
    const auto& h = d->header;
    EXPECT_EQ(h.base_offset, offset(10));
    EXPECT_EQ(h.partition_leader_epoch, leader_epoch(2));
    EXPECT_TRUE(h.is_transactional());
    EXPECT_FALSE(h.is_control());
    EXPECT_EQ(h.ts_type(), timestamp_type::create_time);
    EXPECT_EQ(h.base_timestamp, timestamp_ms(5000));
    EXPECT_EQ(h.max_timestamp, timestamp_ms(7000));
    EXPECT_EQ(d->records[1].timestamp_delta, -1000);
    EXPECT_EQ(d->timestamp_of(d->records[1]), timestamp_ms(4000));
    EXPECT_EQ(d->offset_of(d->records[2]), offset(12));
}

TEST(batch_builder, large_batch_all_codecs_validates) {
    for (auto c : {compression::none, compression::gzip, compression::snappy, compression::lz4, compression::zstd}) {
        batch_builder b(c);
        std::string v(1000, 'z');
        for (int i = 0; i < 500; ++i) b.add(std::to_string(i), v, timestamp_ms(i));
        auto bytes = b.build();
        validate_limits l{.max_batch_bytes = size_t(1) << 30, .produce = true};
        auto ok = validate_batches(bytes, l);
        ASSERT_TRUE(ok) << int(c) << " " << error_name(ok.error());
        auto d = decode_batch(bytes);
        ASSERT_TRUE(d);
        EXPECT_EQ(d->records.size(), 500u);
        EXPECT_EQ(d->records[499].key, to_bytes("499"));
    }
}

TEST(control, commit_and_abort_markers) {
    for (auto t : {control_type::commit, control_type::abort}) {
        auto bytes = build_control_batch(t, producer_id(77), producer_epoch(4), 12, timestamp_ms(99));
        auto d = decode_batch(bytes);
        ASSERT_TRUE(d);
        EXPECT_TRUE(d->header.is_control());
        EXPECT_TRUE(d->header.is_transactional());
        EXPECT_EQ(d->header.pid, producer_id(77));
        EXPECT_EQ(d->header.epoch, producer_epoch(4));
        ASSERT_EQ(d->records.size(), 1u);
        ASSERT_TRUE(d->records[0].key);
        EXPECT_EQ(parse_control_key(*d->records[0].key), t);
        EXPECT_EQ(d->records[0].value, (std::vector<uint8_t>{0, 0, 0, 0, 0, 12}));
    }
    EXPECT_FALSE(parse_control_key(std::vector<uint8_t>{0, 0, 0, 5}));
    EXPECT_FALSE(parse_control_key(std::vector<uint8_t>{0, 1, 0, 0}));
    EXPECT_FALSE(parse_control_key(std::vector<uint8_t>{0}));
}

TEST(control, build_and_parse_marker_record) {
    for (bool commit : {true, false}) {
        auto bytes = build_control_batch(producer_id(5), producer_epoch(3), commit, 42, timestamp_ms(1234));
        auto d = decode_batch(bytes);
        ASSERT_TRUE(d);
        EXPECT_TRUE(d->header.is_control());
        EXPECT_TRUE(d->header.is_transactional());
        EXPECT_EQ(d->header.pid, producer_id(5));
        EXPECT_EQ(d->header.epoch, producer_epoch(3));
        EXPECT_EQ(d->header.base_sequence, no_sequence);
        EXPECT_EQ(d->header.max_timestamp, timestamp_ms(1234));
        ASSERT_EQ(d->records.size(), 1u);
        // Kafka's bytes: key = version 0, type (0 abort, 1 commit); value = version 0, epoch 42.
        EXPECT_EQ(d->records[0].key, (std::vector<uint8_t>{0, 0, 0, uint8_t(commit ? 1 : 0)}));
        EXPECT_EQ(d->records[0].value, (std::vector<uint8_t>{0, 0, 0, 0, 0, 42}));
        auto r = parse_control_record(*d->records[0].key, *d->records[0].value);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->commit, commit);
        EXPECT_EQ(r->coordinator_epoch, 42);
    }
}

TEST(control, parse_control_record_errors) {
    using v = std::vector<uint8_t>;
    const v value{0, 0, 0, 0, 0, 7};
    EXPECT_EQ(parse_control_record(v{0, 0, 0}, value).error(), error_code::corrupt_message);         // short key
    EXPECT_EQ(parse_control_record(v{0xff, 0xff, 0, 1}, value).error(), error_code::corrupt_message); // version -1
    EXPECT_EQ(parse_control_record(v{0, 0, 0, 1}, v{0, 0, 0, 0, 7}).error(), error_code::corrupt_message);
    EXPECT_EQ(parse_control_record(v{0, 0, 0, 1}, v{0x80, 0, 0, 0, 0, 7}).error(), error_code::corrupt_message);
    // Another control type (KRaft's leader change is 2): skippable, not corrupt.
    EXPECT_EQ(parse_control_record(v{0, 0, 0, 2}, value).error(), error_code::unsupported_version);
    // A newer version is read as version 0, with trailing bytes ignored (Kafka does the same).
    auto newer = parse_control_record(v{0, 1, 0, 0, 9}, v{0, 3, 0, 0, 1, 0, 0xaa});
    ASSERT_TRUE(newer);
    EXPECT_FALSE(newer->commit);
    EXPECT_EQ(newer->coordinator_epoch, 256);
}

} // namespace
} // namespace brook::records
