#include "records/validate.h"

#include "base/crc32c.h"
#include "base/endian.h"
#include "records/record.h"
#include "records/record_stream.h"

namespace brook::records {
namespace {

// Enough to read batchLength and magic, which sit at the same place in v0/v1 messages.
constexpr size_t magic_prefix = batch_magic_offset + 1;
constexpr int32_t min_batch_length = int32_t(batch_header_size - batch_log_overhead); // 49
constexpr int32_t min_legacy_length = 14; // v0 message: crc, magic, attributes, key len, value len

// Size of the next batch at the front of `rest`, or the framing error.
result<size_t> next_batch_size(std::span<const uint8_t> rest) {
    if (rest.size() < magic_prefix) return error_code::corrupt_message;
    int32_t len = load_be<int32_t>(rest.data() + batch_length_offset);
    int8_t magic = static_cast<int8_t>(rest[batch_magic_offset]);
    // Length sanity first, so zero fill or a torn tail reads as corruption, while a real
    // (complete) v0/v1 message set is reported as an unsupported format.
    if (len < min_legacy_length || size_t(len) > rest.size() - batch_log_overhead) return error_code::corrupt_message;
    if (magic >= 0 && magic < 2) return error_code::unsupported_for_message_format;
    if (magic != 2 || len < min_batch_length) return error_code::corrupt_message;
    return batch_log_overhead + size_t(len);
}

bool crc_ok(std::span<const uint8_t> batch, const batch_header& h) {
    return crc32c(batch.subspan(batch_attributes_offset)) == h.crc;
}

} // namespace

result<batch_view> validate_batch(std::span<const uint8_t> batch, const validate_limits& limits) {
    auto size = next_batch_size(batch);
    if (!size) return size.error();
    if (*size != batch.size()) return error_code::corrupt_message;
    if (batch.size() > limits.max_batch_bytes) return error_code::message_too_large;
    batch_view v{read_batch_header(batch), batch};
    const auto& h = v.header;
    if (!crc_ok(batch, h)) return error_code::corrupt_message;
    if (!is_known_codec(h.attributes & 0x7)) return error_code::unsupported_compression_type;
    if (h.records_count < 0) return error_code::corrupt_message;
    if (limits.produce && (h.records_count == 0 || h.last_offset_delta != h.records_count - 1))
        return error_code::invalid_record;
    if (!limits.walk_records) return v;

    auto body = batch.subspan(batch_header_size);
    record_timestamps ts;
    if (limits.create_time_window && h.ts_type() == timestamp_type::create_time)
        ts.bounds = record_timestamps::window{h.base_timestamp(), limits.create_time_window->lower,
                                              limits.create_time_window->upper};
    // Compressed records are checked as they stream out of the codec, never held whole: a
    // legal batch may decompress to any size (Kafka sets no bound either).
    const error_code e = h.codec() == compression::none
                             ? check_records(body, h.records_count, limits.produce, &ts)
                             : check_compressed_records(h.codec(), body, h.records_count, limits.produce, &ts);
    if (e != error_code::none) return e;
    if (h.records_count > 0) v.records_max_timestamp = timestamp_ms(h.base_timestamp() + ts.max_delta);
    v.timestamps_out_of_range = std::move(ts.out_of_range);
    return v;
}

result<std::vector<batch_view>> validate_batches(std::span<const uint8_t> payload, const validate_limits& limits) {
    std::vector<batch_view> out;
    size_t pos = 0;
    while (pos < payload.size()) {
        auto rest = payload.subspan(pos);
        auto size = next_batch_size(rest);
        if (!size) return size.error();
        auto v = validate_batch(rest.first(*size), limits);
        if (!v) return v.error();
        out.push_back(*v);
        pos += *size;
    }
    return out;
}

result<batch_view> validate_for_produce(std::span<const uint8_t> payload, validate_limits limits) {
    limits.produce = true;
    if (payload.empty()) return error_code::invalid_record;
    // Frame first: a payload holding two batches is INVALID_RECORD even if both are fine,
    // but garbage after one batch is still reported as corruption by validate_batches.
    auto size = next_batch_size(payload);
    if (!size) return size.error();
    if (*size != payload.size()) {
        auto all = validate_batches(payload, limits);
        if (!all) return all.error();
        return error_code::invalid_record;
    }
    return validate_batch(payload, limits);
}

scan_result scan_batches(std::span<const uint8_t> bytes) {
    scan_result r;
    while (r.valid_bytes < bytes.size()) {
        auto rest = bytes.subspan(r.valid_bytes);
        auto size = next_batch_size(rest);
        if (!size) { r.stop = size.error(); break; }
        auto batch = rest.first(*size);
        batch_view v{read_batch_header(batch), batch};
        if (!crc_ok(batch, v.header)) { r.stop = error_code::corrupt_message; break; }
        r.batches.push_back(v);
        r.valid_bytes += *size;
    }
    return r;
}

} // namespace brook::records
