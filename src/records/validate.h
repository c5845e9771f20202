#pragma once
// Checking record batches before they are stored (produce) and splitting stored bytes
// back into batches (recovery, fetch).
//
// validate_batches() applies Kafka's broker-side checks, first failure wins, per batch:
//   fewer than 17 bytes left, batchLength < 14 or past the payload  CORRUPT_MESSAGE
//   magic 0 or 1 .................................................. UNSUPPORTED_FOR_MESSAGE_FORMAT
//   magic > 2, batchLength < 49 ................................... CORRUPT_MESSAGE
//   batch bigger than max_batch_bytes ............................. MESSAGE_TOO_LARGE
//   CRC-32C over [attributes, end) mismatch ....................... CORRUPT_MESSAGE
//   compression codec 5-7 ......................................... UNSUPPORTED_COMPRESSION_TYPE
//   recordsCount < 0 .............................................. CORRUPT_MESSAGE
//   records framing (compressed: walked as they decompress) ....... CORRUPT_MESSAGE
//   produce mode: recordsCount == 0, lastOffsetDelta != count - 1,
//                 record offsetDelta != its index ................. INVALID_RECORD
// On success the views cover the payload exactly, in order, and point into it.
//
// scan_batches() is the cheap reader for bytes Brook wrote itself: framing + magic + CRC
// only, stopping at the first bad batch and saying where (a torn tail after a crash).
// Pure functions over caller-owned bytes; any thread.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/result.h"
#include "records/batch_header.h"
#include "records/compression.h"
#include "records/record.h"

namespace brook::records {

struct batch_view {
    batch_header header;
    std::span<const uint8_t> bytes; // the whole batch, header included
    // The largest record timestamp (baseTimestamp + largest timestampDelta), which Kafka's
    // LogValidator stores as maxTimestamp whatever the header says (CreateTime). Set by
    // validate_batch when it walks the records of a non-empty batch; nullopt otherwise.
    std::optional<timestamp_ms> records_max_timestamp;
    // The records whose CreateTime timestamp lies outside validate_limits::create_time_window
    // (in order; empty without a window).
    std::vector<record_timestamps::stray> timestamps_out_of_range;
};

// The CreateTime timestamps a topic accepts, [lower, upper] in ms since the epoch: the
// broker's clock minus message.timestamp.before.max.ms and plus .after.max.ms.
struct timestamp_window {
    int64_t lower, upper;
};

struct validate_limits {
    size_t max_batch_bytes = 1048588;  // max.message.bytes (Kafka's default)
    bool walk_records = true;           // parse every record (and decompress) — Kafka does
    bool produce = false;               // strict producer rules (see above)
    // Lists the CreateTime records outside it in batch_view::timestamps_out_of_range (the
    // caller decides what that means: Kafka refuses the batch with INVALID_TIMESTAMP).
    std::optional<timestamp_window> create_time_window;
};

result<std::vector<batch_view>> validate_batches(std::span<const uint8_t> payload, const validate_limits& limits);

// Produce v3+: the partition's data must be exactly one batch (INVALID_RECORD otherwise),
// validated with `produce` rules on regardless of limits.produce.
result<batch_view> validate_for_produce(std::span<const uint8_t> payload, validate_limits limits);

// Checks one whole batch (bytes = exactly its size). Used by both functions above.
result<batch_view> validate_batch(std::span<const uint8_t> batch, const validate_limits& limits);

struct scan_result {
    std::vector<batch_view> batches; // the good prefix
    size_t valid_bytes = 0;          // bytes covered by `batches`
    error_code stop = error_code::none; // why scanning stopped before the end (none = clean end)
};

// Splits `bytes` into batches checking framing, magic == 2 and CRC only.
scan_result scan_batches(std::span<const uint8_t> bytes);

} // namespace brook::records
