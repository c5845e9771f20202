#pragma once
// Transaction markers (control batches): the COMMIT/ABORT record a transaction coordinator
// writes to every partition of a transaction. Layout, as in Kafka:
//   batch attributes: transactional | control, one record,
//   key   = int16 version (0) | int16 type (0 abort, 1 commit)
//   value = int16 version (0) | int32 coordinatorEpoch
// Pure functions; any thread.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/named_type.h"

namespace brook::records {

enum class control_type : int16_t { abort = 0, commit = 1 };

std::vector<uint8_t> build_control_batch(control_type type, producer_id pid, producer_epoch epoch,
                                         int32_t coordinator_epoch, timestamp_ms ts);

// Reads a control record key; nullopt if it is not one we understand.
std::optional<control_type> parse_control_key(std::span<const uint8_t> key);

} // namespace brook::records
