#include "records/record.h"

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "base/crc32c.h"
#include "base/endian.h"
#include "base/varint.h"

namespace brook::records {
namespace {

// Bounds-checked reader over one record's body; any failure latches `ok = false`.
struct cursor {
    std::span<const uint8_t> in;
    size_t pos = 0;
    bool ok = true;

    size_t left() const { return in.size() - pos; }
    int8_t i8() {
        if (!ok || left() < 1) { ok = false; return 0; }
        return static_cast<int8_t>(in[pos++]);
    }
    int32_t varint() {
        if (!ok) return 0;
        auto v = read_varint(in.subspan(pos));
        if (!v) { ok = false; return 0; }
        pos += v->length;
        return static_cast<int32_t>(v->value);
    }
    int64_t varlong() {
        if (!ok) return 0;
        auto v = read_varlong(in.subspan(pos));
        if (!v) { ok = false; return 0; }
        pos += v->length;
        return v->value;
    }
    // Length-prefixed bytes; length -1 means null (when allowed).
    std::optional<std::span<const uint8_t>> nullable_bytes(bool allow_null = true) {
        int32_t n = varint();
        if (!ok) return std::nullopt;
        if (n == -1 && allow_null) return std::nullopt;
        if (n < 0 || size_t(n) > left()) { ok = false; return std::nullopt; }
        auto s = in.subspan(pos, size_t(n));
        pos += size_t(n);
        return s;
    }
};

// Smallest record body: attributes, ts delta, offset delta, key len, value len, header count.
constexpr int32_t min_record_body = 6;

std::optional<std::vector<uint8_t>> copy(const std::optional<std::span<const uint8_t>>& s) {
    if (!s) return std::nullopt;
    return std::vector<uint8_t>(s->begin(), s->end());
}

void write_nullable(std::vector<uint8_t>& out, const std::optional<std::vector<uint8_t>>& b) {
    if (!b) { write_varint(out, -1); return; }
    write_varint(out, static_cast<int32_t>(b->size()));
    out.insert(out.end(), b->begin(), b->end());
}

} // namespace

result<record_view> parse_record(std::span<const uint8_t> in) {
    auto len = read_varint(in);
    if (!len || len->value < min_record_body || size_t(len->value) > in.size() - len->length)
        return error_code::corrupt_message;
    cursor c{in.subspan(len->length, size_t(len->value))};
    record_view v;
    v.attributes = c.i8();
    v.timestamp_delta = c.varlong();
    v.offset_delta = c.varint();
    v.key = c.nullable_bytes();
    v.value = c.nullable_bytes();
    v.header_count = c.varint();
    if (!c.ok || v.header_count < 0) return error_code::corrupt_message;
    size_t headers_start = c.pos;
    for (int32_t i = 0; i < v.header_count && c.ok; ++i) {
        auto k = c.nullable_bytes(/*allow_null=*/false);
        if (!k) c.ok = false;
        c.nullable_bytes();
    }
    // The record must end exactly where its length says.
    if (!c.ok || c.left() != 0) return error_code::corrupt_message;
    v.headers_bytes = c.in.subspan(headers_start);
    v.size_bytes = len->length + size_t(len->value);
    return v;
}

namespace {

// The record walk of check_records, on raw pointers: this runs for every produced record, and
// parse_record's optional/span bookkeeping cost ~3x as much. Accepts exactly what parse_record
// accepts (the fuzz target and record_test compare the two).
struct walker {
    const uint8_t* p;
    const uint8_t* end;

    // Zig-zag varint of at most 5 bytes; one-byte values (almost every length and delta in a
    // small record) take the fast path.
    bool varint(int32_t& out) {
        if (p < end && *p < 0x80) {
            uint32_t z = *p++;
            out = static_cast<int32_t>((z >> 1) ^ -(z & 1));
            return true;
        }
        auto v = read_varint({p, end});
        if (!v) return false;
        p += v->length;
        out = static_cast<int32_t>(v->value);
        return true;
    }
    bool varlong(int64_t& out) {
        if (p < end && *p < 0x80) {
            uint64_t z = *p++;
            out = static_cast<int64_t>((z >> 1) ^ -(z & 1));
            return true;
        }
        auto v = read_varlong({p, end});
        if (!v) return false;
        p += v->length;
        out = v->value;
        return true;
    }
    // Length-prefixed bytes; -1 (null) only where allowed.
    bool skip_bytes(bool allow_null) {
        int32_t n;
        if (!varint(n)) return false;
        if (n == -1 && allow_null) return true;
        if (n < 0 || n > end - p) return false;
        p += n;
        return true;
    }
};

} // namespace

error_code check_records(std::span<const uint8_t> records_bytes, int32_t count, bool require_sequential_deltas,
                         record_timestamps* timestamps) {
    if (count < 0) return error_code::corrupt_message;
    walker all{records_bytes.data(), records_bytes.data() + records_bytes.size()};
    for (int32_t i = 0; i < count; ++i) {
        if (all.p >= all.end) return error_code::corrupt_message; // fewer records than claimed
        int32_t len;
        if (!all.varint(len) || len < min_record_body || len > all.end - all.p) return error_code::corrupt_message;
        walker r{all.p, all.p + len};
        all.p = r.end;
        int32_t offset_delta, header_count;
        int64_t timestamp_delta;
        ++r.p; // attributes: len >= min_record_body, so the byte is there
        if (!r.varlong(timestamp_delta) || !r.varint(offset_delta) || !r.skip_bytes(true) || !r.skip_bytes(true) ||
            !r.varint(header_count) || header_count < 0)
            return error_code::corrupt_message;
        for (int32_t h = 0; h < header_count; ++h)
            if (!r.skip_bytes(false) || !r.skip_bytes(true)) return error_code::corrupt_message;
        if (r.p != r.end) return error_code::corrupt_message; // the record must end where its length says
        if (require_sequential_deltas && offset_delta != i) return error_code::invalid_record;
        if (timestamps) timestamps->see(i, timestamp_delta);
    }
    if (all.p != all.end) return error_code::corrupt_message; // trailing bytes
    return error_code::none;
}

record to_record(const record_view& v) {
    record r;
    r.attributes = v.attributes;
    r.timestamp_delta = v.timestamp_delta;
    r.offset_delta = v.offset_delta;
    r.key = copy(v.key);
    r.value = copy(v.value);
    cursor c{v.headers_bytes};
    r.headers.reserve(size_t(v.header_count));
    for (int32_t i = 0; i < v.header_count; ++i) {
        auto k = c.nullable_bytes(false);
        auto val = c.nullable_bytes();
        if (!c.ok || !k) break; // cannot happen: parse_record checked these bytes
        r.headers.push_back({std::string(k->begin(), k->end()), copy(val)});
    }
    return r;
}

result<decoded_batch> decode_batch(std::span<const uint8_t> batch, size_t max_decompressed) {
    if (batch.size() < batch_header_size) return error_code::corrupt_message;
    decoded_batch out;
    out.header = read_batch_header(batch);
    const auto& h = out.header;
    if (h.magic < 2) return error_code::unsupported_for_message_format;
    if (h.magic > 2) return error_code::corrupt_message;
    if (h.batch_length < int32_t(batch_header_size - batch_log_overhead) || h.size_bytes() != batch.size())
        return error_code::corrupt_message;
    if (crc32c(batch.subspan(batch_attributes_offset)) != h.crc) return error_code::corrupt_message;
    if (h.records_count < 0) return error_code::corrupt_message;
    if (!is_known_codec(h.attributes & 0x7)) return error_code::unsupported_compression_type;

    auto body = batch.subspan(batch_header_size);
    std::vector<uint8_t> plain;
    if (h.codec() != compression::none) {
        auto d = decompress(h.codec(), body, max_decompressed);
        if (!d) return d.error();
        plain = std::move(d).value();
        body = plain;
    }
    // Each record is at least 7 bytes: refuse absurd counts before reserving.
    if (size_t(h.records_count) > body.size()) return error_code::corrupt_message;
    out.records.reserve(size_t(h.records_count));
    size_t pos = 0;
    for (int32_t i = 0; i < h.records_count; ++i) {
        auto r = parse_record(body.subspan(pos));
        if (!r) return r.error();
        out.records.push_back(to_record(*r));
        pos += r->size_bytes;
    }
    if (pos != body.size()) return error_code::corrupt_message;
    return out;
}

void encode_record(std::vector<uint8_t>& out, const record& r) {
    std::vector<uint8_t> body;
    body.push_back(static_cast<uint8_t>(r.attributes));
    write_varlong(body, r.timestamp_delta);
    write_varint(body, r.offset_delta);
    write_nullable(body, r.key);
    write_nullable(body, r.value);
    write_varint(body, static_cast<int32_t>(r.headers.size()));
    for (const auto& h : r.headers) {
        write_varint(body, static_cast<int32_t>(h.key.size()));
        body.insert(body.end(), h.key.begin(), h.key.end());
        write_nullable(body, h.value);
    }
    write_varint(out, static_cast<int32_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
}

batch_builder& batch_builder::add(std::optional<std::string_view> key, std::optional<std::string_view> value,
                                  std::optional<timestamp_ms> ts, std::vector<record_header> headers) {
    entry e;
    if (key) e.key = to_bytes(*key);
    if (value) e.value = to_bytes(*value);
    e.ts = ts.value_or(default_ts_);
    e.headers = std::move(headers);
    entries_.push_back(std::move(e));
    return *this;
}

batch_builder& batch_builder::add_bytes(std::optional<std::span<const uint8_t>> key,
                                        std::optional<std::span<const uint8_t>> value,
                                        std::optional<timestamp_ms> ts, std::vector<record_header> headers) {
    entry e;
    if (key) e.key.emplace(key->begin(), key->end());
    if (value) e.value.emplace(value->begin(), value->end());
    e.ts = ts.value_or(default_ts_);
    e.headers = std::move(headers);
    entries_.push_back(std::move(e));
    return *this;
}

result<std::vector<uint8_t>> batch_builder::try_build() const {
    // Kafka: baseTimestamp is the first record's, deltas may be negative, max is the max.
    timestamp_ms base_ts = entries_.empty() ? default_ts_ : entries_.front().ts;
    timestamp_ms max_ts = base_ts;
    std::vector<uint8_t> plain;
    for (size_t i = 0; i < entries_.size(); ++i) {
        const auto& e = entries_[i];
        if (e.ts > max_ts) max_ts = e.ts;
        record r;
        r.timestamp_delta = e.ts - base_ts;
        r.offset_delta = static_cast<int32_t>(i);
        r.key = e.key;
        r.value = e.value;
        r.headers = e.headers;
        encode_record(plain, r);
    }
    std::vector<uint8_t> body;
    if (codec_ == compression::none) {
        body = std::move(plain);
    } else {
        auto c = compress(codec_, plain);
        if (!c) return c.error();
        body = std::move(c).value();
    }

    std::vector<uint8_t> out(batch_header_size + body.size());
    uint8_t* p = out.data();
    int16_t attrs = static_cast<int16_t>(static_cast<int>(codec_) |
                                         (ts_type_ == timestamp_type::log_append_time ? 0x8 : 0) |
                                         (transactional_ ? 0x10 : 0) | (control_ ? 0x20 : 0));
    int32_t count = static_cast<int32_t>(entries_.size());
    store_be<int64_t>(p + 0, base_offset_());
    store_be<int32_t>(p + 8, static_cast<int32_t>(out.size() - batch_log_overhead));
    store_be<int32_t>(p + 12, leader_epoch_());
    p[16] = 2;
    store_be<int16_t>(p + 21, attrs);
    store_be<int32_t>(p + 23, count > 0 ? count - 1 : 0);
    store_be<int64_t>(p + 27, base_ts());
    store_be<int64_t>(p + 35, max_ts());
    store_be<int64_t>(p + 43, pid_());
    store_be<int16_t>(p + 51, epoch_());
    store_be<int32_t>(p + 53, base_sequence_());
    store_be<int32_t>(p + 57, count);
    std::copy(body.begin(), body.end(), out.begin() + batch_header_size);
    store_be<uint32_t>(p + batch_crc_offset, crc32c(std::span<const uint8_t>(out).subspan(batch_attributes_offset)));
    return out;
}

std::vector<uint8_t> batch_builder::build() const {
    auto r = try_build();
    if (!r) std::abort(); // only reachable with an out-of-range codec value: a programming error
    return std::move(r).value();
}

} // namespace brook::records
