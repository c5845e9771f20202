#pragma once
// Per-partition log settings, resolved by the broker (topic config over broker defaults)
// before a partition_log is opened. Plain value; any thread.
#include <cstdint>
#include <limits>
#include <optional>

#include "records/batch_header.h"

namespace brook::storage {

struct log_config {
    int64_t segment_bytes = int64_t(1) << 30;            // segment.bytes: roll before exceeding
    int64_t segment_ms = int64_t(7) * 24 * 3600 * 1000;  // segment.ms: roll once this old
    int64_t retention_ms = int64_t(7) * 24 * 3600 * 1000; // retention.ms: -1 = keep forever
    int64_t retention_bytes = -1;                         // retention.bytes: -1 = unlimited
    int32_t index_interval_bytes = 4096;                  // index.interval.bytes: sparse index spacing
    int32_t max_message_bytes = 1048588;                  // max.message.bytes: largest batch accepted
    bool log_append_time = false;                         // message.timestamp.type=LogAppendTime
    // compression.type naming a codec: batches the producer compressed otherwise are
    // re-encoded with it on produce. nullopt: "producer", stored as sent.
    std::optional<records::compression> compression;
    // message.timestamp.before.max.ms / .after.max.ms, each falling back to the deprecated
    // message.timestamp.difference.max.ms while unset (Kafka 3.6+, KIP-937): how far a
    // CreateTime record's timestamp may lie behind / ahead of the broker's clock.
    int64_t timestamp_before_max_ms = std::numeric_limits<int64_t>::max();
    int64_t timestamp_after_max_ms = std::numeric_limits<int64_t>::max();
    // cleanup.policy: "delete" (retention), "compact" (the log cleaner) or both.
    bool cleanup_delete = true;
    bool cleanup_compact = false;
    int64_t delete_retention_ms = int64_t(24) * 3600 * 1000; // delete.retention.ms: tombstones/markers kept this long once cleaned
    int64_t min_compaction_lag_ms = 0;                       // min.compaction.lag.ms: never clean records younger than this
    int64_t max_compaction_lag_ms = std::numeric_limits<int64_t>::max(); // max.compaction.lag.ms: clean once dirty data is this old
    double min_cleanable_dirty_ratio = 0.5;                  // min.cleanable.dirty.ratio: dirty bytes / cleanable bytes
};

} // namespace brook::storage
