#pragma once
// group_config: the knobs of the consumer-group coordinator, with Kafka's defaults except where
// noted. A plain value; the runtime builds it from the config registry and passes it in.
#include <cstddef>
#include <cstdint>

namespace brook::group {

struct group_config {
    // group.min.session.timeout.ms / group.max.session.timeout.ms: JoinGroup outside the range
    // gets INVALID_SESSION_TIMEOUT.
    int32_t min_session_timeout_ms{6000};
    int32_t max_session_timeout_ms{1800000};
    // group.initial.rebalance.delay.ms: how long a group that was Empty waits for more members
    // before completing its first rebalance; each new join extends it by the same amount, up to
    // the rebalance timeout. Kafka uses 3000; ours is 250 so that a lone consumer has its
    // partitions within its first 1 s poll, while consumers started together still tend to land
    // in one generation instead of one rebalance each.
    int32_t initial_rebalance_delay_ms{250};
    // offsets.retention.minutes (7 days): offsets of an Empty group expire this long after the
    // group became empty (or after the commit, for groups that never had members).
    int64_t offsets_retention_ms{7LL * 24 * 60 * 60 * 1000};
    // offsets.retention.check.interval.ms: how often tick() scans for expired offsets.
    int64_t offsets_retention_check_interval_ms{600000};
    // offset.metadata.max.bytes: longer commit metadata gets OFFSET_METADATA_TOO_LARGE.
    size_t offset_metadata_max_bytes{4096};
    // group.max.size: JoinGroup beyond it gets GROUP_MAX_SIZE_REACHED.
    int32_t max_group_size{INT32_MAX};
    // Longest accepted group id (Kafka has no limit; we refuse ids that cannot be sane keys).
    size_t max_group_id_length{255};
    // Storm signals: rebalances counted over this sliding window.
    int64_t rebalance_window_ms{5 * 60 * 1000};
    // group.rebalance.storm.threshold: a group whose rebalances within the window reach this
    // many gets one storm_alert (effects::storms); 0 never alerts.
    uint64_t rebalance_storm_threshold{0};
};

} // namespace brook::group
