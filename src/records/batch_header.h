#pragma once
// Record batch v2 header (magic 2), the unit Brook stores and serves.
//
// On-wire / on-disk layout (big-endian), 61 bytes:
//   0  baseOffset            int64    <- written by the broker
//   8  batchLength           int32    (bytes after this field)
//  12  partitionLeaderEpoch  int32    <- written by the broker
//  16  magic                 int8     (= 2)
//  17  crc                   uint32   CRC-32C of bytes [21, 12 + 4 + batchLength)
//  21  attributes            int16    bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
//  23  lastOffsetDelta       int32
//  27  baseTimestamp         int64
//  35  maxTimestamp          int64
//  43  producerId            int64
//  51  producerEpoch         int16
//  53  baseSequence          int32
//  57  recordsCount          int32
//  61  records...
// Because the CRC starts at `attributes`, patching baseOffset and partitionLeaderEpoch
// never requires recomputing it; patching maxTimestamp (LogAppendTime) does.
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/endian.h"
#include "base/named_type.h"

namespace brook::records {

inline constexpr size_t batch_header_size = 61;
inline constexpr size_t batch_length_offset = 8;
inline constexpr size_t batch_leader_epoch_offset = 12;
inline constexpr size_t batch_magic_offset = 16;
inline constexpr size_t batch_crc_offset = 17;
inline constexpr size_t batch_attributes_offset = 21;
inline constexpr size_t batch_max_timestamp_offset = 35;
// Bytes before batchLength's payload: baseOffset + batchLength.
inline constexpr size_t batch_log_overhead = 12;

enum class compression : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };
enum class timestamp_type : uint8_t { create_time = 0, log_append_time = 1 };

struct batch_header {
    offset base_offset;
    int32_t batch_length = 0;
    leader_epoch partition_leader_epoch;
    int8_t magic = 0;
    uint32_t crc = 0;
    int16_t attributes = 0;
    int32_t last_offset_delta = 0;
    timestamp_ms base_timestamp;
    timestamp_ms max_timestamp;
    producer_id pid = no_producer_id;
    producer_epoch epoch = no_producer_epoch;
    sequence base_sequence = no_sequence;
    int32_t records_count = 0;

    compression codec() const { return static_cast<compression>(attributes & 0x7); }
    timestamp_type ts_type() const { return (attributes & 0x8) ? timestamp_type::log_append_time : timestamp_type::create_time; }
    bool is_transactional() const { return attributes & 0x10; }
    bool is_control() const { return attributes & 0x20; }
    bool has_producer_id() const { return pid() >= 0; }
    offset last_offset() const { return base_offset + last_offset_delta; }
    // Total size of the batch in bytes, header included.
    size_t size_bytes() const { return batch_log_overhead + static_cast<size_t>(batch_length); }
    // Sequence of the last record (wraps at INT32_MAX as Kafka does).
    sequence last_sequence() const {
        int64_t s = int64_t(base_sequence()) + last_offset_delta;
        return sequence(static_cast<int32_t>(s > INT32_MAX ? s - INT32_MAX - 1 : s));
    }
};

// Reads the 61-byte header. Precondition: bytes.size() >= batch_header_size.
// Does not validate anything; see validate.h for that.
inline batch_header read_batch_header(std::span<const uint8_t> b) {
    const uint8_t* p = b.data();
    batch_header h;
    h.base_offset = offset(load_be<int64_t>(p + 0));
    h.batch_length = load_be<int32_t>(p + 8);
    h.partition_leader_epoch = leader_epoch(load_be<int32_t>(p + 12));
    h.magic = static_cast<int8_t>(p[16]);
    h.crc = load_be<uint32_t>(p + 17);
    h.attributes = load_be<int16_t>(p + 21);
    h.last_offset_delta = load_be<int32_t>(p + 23);
    h.base_timestamp = timestamp_ms(load_be<int64_t>(p + 27));
    h.max_timestamp = timestamp_ms(load_be<int64_t>(p + 35));
    h.pid = producer_id(load_be<int64_t>(p + 43));
    h.epoch = producer_epoch(load_be<int16_t>(p + 51));
    h.base_sequence = sequence(load_be<int32_t>(p + 53));
    h.records_count = load_be<int32_t>(p + 57);
    return h;
}

// Broker-side patches of a stored batch (no CRC change needed).
inline void write_base_offset(std::span<uint8_t> b, offset o) { store_be<int64_t>(b.data(), o()); }
inline void write_leader_epoch(std::span<uint8_t> b, leader_epoch e) {
    store_be<int32_t>(b.data() + batch_leader_epoch_offset, e());
}

} // namespace brook::records
