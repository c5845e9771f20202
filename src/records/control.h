#pragma once
// Transaction markers (control batches): the COMMIT/ABORT record a transaction coordinator
// writes to every partition of a transaction. Layout, as in Kafka (ControlRecordType,
// EndTransactionMarker):
//   batch attributes: transactional | control, base sequence -1, one record,
//   key   = int16 version (0) | int16 type (0 abort, 1 commit)
//   value = int16 version (0) | int32 coordinatorEpoch
// Readers accept a higher version than 0 and parse it as version 0 (Kafka's forward
// compatibility); a negative version or a short key/value is CORRUPT_MESSAGE.
// Callers: storage (partition_log::append_marker, recovery replay), coord (replay).
// Pure functions; any thread.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/named_type.h"
#include "base/result.h"

namespace brook::records {

enum class control_type : int16_t { abort = 0, commit = 1 };

std::vector<uint8_t> build_control_batch(control_type type, producer_id pid, producer_epoch epoch,
                                         int32_t coordinator_epoch, timestamp_ms ts);
// The same, in the shape the transaction code speaks (commit or abort).
std::vector<uint8_t> build_control_batch(producer_id pid, producer_epoch epoch, bool commit,
                                         int32_t coordinator_epoch, timestamp_ms ts);

// Reads a control record key; nullopt if it is not one we understand.
std::optional<control_type> parse_control_key(std::span<const uint8_t> key);

// One end-transaction marker record.
struct control_record {
    bool commit = false;
    int32_t coordinator_epoch = 0;
    bool operator==(const control_record&) const = default;
};

// Parses the key and value of the record of a control batch. Errors:
//   CORRUPT_MESSAGE ........ key < 4 bytes, negative key version, or (for a marker) value
//                            < 6 bytes or negative value version
//   UNSUPPORTED_VERSION .... a control type other than abort/commit (Kafka's later control
//                            records, e.g. KRaft's): not a transaction marker, skip it
result<control_record> parse_control_record(std::span<const uint8_t> key, std::span<const uint8_t> value);

} // namespace brook::records
