#pragma once
// The records a coordinator keeps in its internal topic, and what a replay sees of the batch
// each came in. Shared by every coordinator (groups, transactions) and their runtime.
// Plain values; any thread.
#include <cstdint>
#include <optional>
#include <vector>

#include "base/named_type.h"

namespace brook::coord {

// One record to append to (or read from) an internal-topic partition.
struct log_record {
    std::vector<uint8_t> key;
    std::optional<std::vector<uint8_t>> value; // nullopt = tombstone
    bool operator==(const log_record&) const = default;
};

// The batch a replayed record came in. Transactional offset commits are data batches owned by
// a producer; their fate is decided by that producer's later control batch (marker).
struct batch_context {
    offset base{0};
    producer_id pid = no_producer_id;
    producer_epoch epoch = no_producer_epoch;
    bool transactional = false;
    bool control = false;
};

// The producer that owns a transactional batch appended by a coordinator.
struct txn_owner {
    producer_id pid;
    producer_epoch epoch;
};

} // namespace brook::coord
