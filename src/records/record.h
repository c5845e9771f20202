#pragma once
// Records inside a v2 batch: parsing (zero-copy views and owning decode) and building.
//
// Record layout (after the 61-byte batch header, possibly compressed as a whole):
//   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value |
//   headerCount varint | [headerKeyLength varint (>= 0) | key | headerValueLength varint (-1 = null) | value]...
// `length` counts the bytes after itself; a record must consume exactly that many.
//
// Guarantees: parsers never read outside their input and report CORRUPT_MESSAGE on any
// framing error; decode_batch() checks the CRC and decompresses under a bound.
// batch_builder always produces a batch that validate_batches() accepts (correct CRC,
// lastOffsetDelta = count - 1, consecutive offset deltas). Pure code, any thread.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/named_type.h"
#include "base/result.h"
#include "records/batch_header.h"
#include "records/compression.h"

namespace brook::records {

struct record_header {
    std::string key;
    std::optional<std::vector<uint8_t>> value;
    bool operator==(const record_header&) const = default;
};

struct record {
    int8_t attributes = 0; // unused by Kafka today; kept for fidelity
    int64_t timestamp_delta = 0;
    int32_t offset_delta = 0;
    std::optional<std::vector<uint8_t>> key;
    std::optional<std::vector<uint8_t>> value;
    std::vector<record_header> headers;
    bool operator==(const record&) const = default;
};

// Zero-copy view of one record; spans point into the parsed buffer.
struct record_view {
    int8_t attributes = 0;
    int64_t timestamp_delta = 0;
    int32_t offset_delta = 0;
    std::optional<std::span<const uint8_t>> key;
    std::optional<std::span<const uint8_t>> value;
    int32_t header_count = 0;
    std::span<const uint8_t> headers_bytes; // header_count encoded headers, already checked
    size_t size_bytes = 0;                  // whole record, length varint included
};

// Parses the record at the front of `in`. CORRUPT_MESSAGE on any framing error.
result<record_view> parse_record(std::span<const uint8_t> in);

// Walks `count` records that must consume `records_bytes` exactly. With
// `require_sequential_deltas`, record i must have offsetDelta i (what producers send).
// Returns none, CORRUPT_MESSAGE (framing) or INVALID_RECORD (offset deltas). With
// `timestamps`, also reports what the walk saw of the records' timestamps.
struct record_timestamps {
    int64_t max_delta = INT64_MIN; // the largest timestampDelta (INT64_MIN when count is 0)
    // Set by the caller to have the records whose timestamp (base + delta, wrapping as Java's
    // long does) lies outside [lower, upper] listed, in order. A record without a timestamp
    // (-1, old clients) is never listed.
    struct window {
        int64_t base, lower, upper;
    };
    struct stray {
        int32_t index; // in the batch
        int64_t timestamp;
        bool operator==(const stray&) const = default;
    };
    std::optional<window> bounds;
    std::vector<stray> out_of_range;

    void see(int32_t index, int64_t delta) {
        max_delta = std::max(max_delta, delta);
        if (!bounds) return;
        const auto ts = static_cast<int64_t>(static_cast<uint64_t>(bounds->base) + static_cast<uint64_t>(delta));
        if (ts != -1 && (ts < bounds->lower || ts > bounds->upper)) out_of_range.push_back({index, ts});
    }
};
error_code check_records(std::span<const uint8_t> records_bytes, int32_t count, bool require_sequential_deltas,
                         record_timestamps* timestamps = nullptr);

// Owning copy of a view (headers decoded).
record to_record(const record_view& v);

struct decoded_batch {
    batch_header header;
    std::vector<record> records;

    offset offset_of(const record& r) const { return header.base_offset + r.offset_delta; }
    // LogAppendTime batches carry the broker's time in maxTimestamp, for every record.
    timestamp_ms timestamp_of(const record& r) const {
        return header.ts_type() == timestamp_type::log_append_time ? header.max_timestamp
                                                                   : header.base_timestamp + r.timestamp_delta;
    }
};

// Decodes one whole batch (`batch` = exactly its bytes): checks header framing, magic 2,
// CRC, codec, decompresses under `max_decompressed` and parses every record.
result<decoded_batch> decode_batch(std::span<const uint8_t> batch,
                                   size_t max_decompressed = default_max_decompressed_bytes);

// Appends one encoded record to `out`.
void encode_record(std::vector<uint8_t>& out, const record& r);

// Builds one v2 batch. Defaults match what a non-idempotent producer sends: base offset 0,
// no producer id, create-time timestamps, no compression.
//   auto bytes = batch_builder(compression::zstd).producer(pid, epoch, seq).add("k", "v", ts).build();
class batch_builder {
public:
    explicit batch_builder(compression codec = compression::none) : codec_(codec) {}

    batch_builder& base_offset(offset o) { base_offset_ = o; return *this; }
    batch_builder& leader_epoch(brook::leader_epoch e) { leader_epoch_ = e; return *this; }
    batch_builder& producer(producer_id pid, producer_epoch epoch, sequence base_seq = no_sequence) {
        pid_ = pid; epoch_ = epoch; base_sequence_ = base_seq; return *this;
    }
    batch_builder& transactional(bool on = true) { transactional_ = on; return *this; }
    batch_builder& control(bool on = true) { control_ = on; return *this; }
    batch_builder& ts_type(timestamp_type t) { ts_type_ = t; return *this; }
    // Timestamp used for records added without one (default: 0 — deterministic for tests).
    batch_builder& default_timestamp(timestamp_ms t) { default_ts_ = t; return *this; }

    batch_builder& add(std::optional<std::string_view> key, std::optional<std::string_view> value,
                       std::optional<timestamp_ms> ts = std::nullopt, std::vector<record_header> headers = {});
    batch_builder& add_bytes(std::optional<std::span<const uint8_t>> key, std::optional<std::span<const uint8_t>> value,
                             std::optional<timestamp_ms> ts = std::nullopt, std::vector<record_header> headers = {});

    size_t record_count() const { return entries_.size(); }

    // Encodes the batch. Fails only if compression fails (never for valid codecs).
    result<std::vector<uint8_t>> try_build() const;
    // Same, for callers (tests, internal topics) with a known-good codec; aborts on failure.
    std::vector<uint8_t> build() const;

private:
    struct entry {
        std::optional<std::vector<uint8_t>> key, value;
        timestamp_ms ts;
        std::vector<record_header> headers;
    };
    compression codec_;
    offset base_offset_{0};
    brook::leader_epoch leader_epoch_{-1};
    producer_id pid_ = no_producer_id;
    producer_epoch epoch_ = no_producer_epoch;
    sequence base_sequence_ = no_sequence;
    bool transactional_ = false;
    bool control_ = false;
    timestamp_type ts_type_ = timestamp_type::create_time;
    timestamp_ms default_ts_{0};
    std::vector<entry> entries_;
};

// Convenience for tests and text payloads.
inline std::vector<uint8_t> to_bytes(std::string_view s) { return {s.begin(), s.end()}; }

} // namespace brook::records
