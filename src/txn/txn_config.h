#pragma once
// txn_config: the knobs of the transaction coordinator, with Kafka's defaults. A plain value;
// the runtime builds it from the config registry and passes it in.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace brook::txn {

struct txn_config {
    // transaction.max.timeout.ms: InitProducerId asking for more (or for <= 0) gets
    // INVALID_TRANSACTION_TIMEOUT.
    int32_t max_timeout_ms{900000};
    // transactional.id.expiration.ms: a transactional id with no transaction open (Empty,
    // CompleteCommit, CompleteAbort) and no update for this long is deleted (tombstone).
    int64_t transactional_id_expiration_ms{604800000};
    // The leader epoch of the __transaction_state partition; written into every marker so a
    // partition can reject markers from a deposed coordinator. 0 while we are one node.
    int32_t coordinator_epoch{0};
    // AddOffsetsToTxn adds the __consumer_offsets partition that holds the group's offsets.
    std::string offsets_topic{"__consumer_offsets"};
    // group id -> its __consumer_offsets partition. Empty function: partition 0 (one partition
    // today).
    std::function<int32_t(std::string_view group_id)> offsets_partition_for;
};

} // namespace brook::txn
