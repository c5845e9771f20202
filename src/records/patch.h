#pragma once
// In-place edits the broker makes to a validated batch on append (Kafka's LogValidator
// "in-place assignment"). Preconditions: `batch` is exactly one batch that passed
// validate_batch(). Called by the partition's owning shard before the write.
//
// baseOffset and partitionLeaderEpoch lie outside the CRC, so set_base_offset /
// set_leader_epoch keep the CRC valid for free; anything at or after `attributes`
// needs recompute_crc(), which set_log_append_time does itself.
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "base/crc32c.h"
#include "base/endian.h"
#include "base/named_type.h"
#include "records/batch_header.h"

namespace brook::records {

inline void set_base_offset(std::span<uint8_t> batch, offset o) { write_base_offset(batch, o); }
inline void set_leader_epoch(std::span<uint8_t> batch, leader_epoch e) { write_leader_epoch(batch, e); }

inline void recompute_crc(std::span<uint8_t> batch) {
    std::span<const uint8_t> covered(batch.data() + batch_attributes_offset, batch.size() - batch_attributes_offset);
    store_be<uint32_t>(batch.data() + batch_crc_offset, crc32c(covered));
}

// message.timestamp.type=LogAppendTime: marks the batch as log-append-time and stamps
// `now` as maxTimestamp — which consumers report for every record of such a batch — and
// as baseTimestamp (Kafka's in-place path leaves baseTimestamp alone, its re-compression
// path writes `now` there; we always write it, so time-index and retention code that reads
// either field sees the append time). Recomputes the CRC.
inline void set_log_append_time(std::span<uint8_t> batch, timestamp_ms now) {
    uint8_t* p = batch.data();
    auto attrs = static_cast<int16_t>(load_be<int16_t>(p + batch_attributes_offset) | 0x8);
    store_be<int16_t>(p + batch_attributes_offset, attrs);
    store_be<int64_t>(p + 27, now());                         // baseTimestamp
    store_be<int64_t>(p + batch_max_timestamp_offset, now()); // maxTimestamp
    recompute_crc(batch);
}

// The same edits applied to a copy of the 61-byte header only, so the append path can write
// the header copy and then the rest of the batch straight from the request frame: the batch
// body is never copied in user space. With `log_append_time` the CRC (which covers the
// body too) is recomputed over the patched header and the untouched body.
using header_bytes = std::array<uint8_t, batch_header_size>;
// `max_timestamp` (CreateTime): the records' largest timestamp, written as maxTimestamp when
// the header says otherwise (Kafka's LogValidator does the same), CRC recomputed.
inline header_bytes patched_header(std::span<const uint8_t> batch, offset base, leader_epoch epoch,
                                   std::optional<timestamp_ms> log_append_time,
                                   std::optional<timestamp_ms> max_timestamp = std::nullopt) {
    header_bytes h;
    std::copy_n(batch.begin(), h.size(), h.begin());
    set_base_offset(h, base);
    set_leader_epoch(h, epoch);
    bool crc_stale = false;
    if (log_append_time) {
        set_log_append_time(h, *log_append_time); // CRC of the header alone: redone below
        crc_stale = true;
    } else if (max_timestamp && load_be<int64_t>(h.data() + batch_max_timestamp_offset) != (*max_timestamp)()) {
        store_be<int64_t>(h.data() + batch_max_timestamp_offset, (*max_timestamp)());
        crc_stale = true;
    }
    if (crc_stale) {
        std::span<const uint8_t> covered(h.data() + batch_attributes_offset, h.size() - batch_attributes_offset);
        store_be<uint32_t>(h.data() + batch_crc_offset, crc32c_extend(crc32c(covered), batch.subspan(h.size())));
    }
    return h;
}

} // namespace brook::records
