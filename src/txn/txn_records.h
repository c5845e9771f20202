#pragma once
// __transaction_state records in Kafka's own formats, so Kafka's tools (kafka-dump-log
// --transaction-log-decoder, a copy read by a Kafka broker) understand ours.
//
// Format: key = int16 key version (0) + TransactionLogKey; value = int16 value version +
// TransactionLogValue (schemas: src/protocol/messages/internal/transaction_state.def); a null
// value is a tombstone (the transactional id expired). We write value version 0, as Kafka does
// while transaction.version < 1 (the pre-KIP-890 protocol we serve): its tagged fields
// (PreviousProducerId, NextProducerId, ClientTransactionVersion) exist only from version 1. We
// read versions 0 and 1. Keys of another version are some other coordinator's record (Kafka
// skips them on load): they decode as `other_txn_record`.
// Pure functions; any thread.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "base/result.h"
#include "coord/record.h"
#include "protocol/internal_messages.h"

namespace brook::txn {

// Kafka's TransactionState ids (the TransactionStatus byte) and names (what DescribeTransactions
// and ListTransactions show and filter on).
enum class txn_status : int8_t {
    empty = 0,
    ongoing = 1,
    prepare_commit = 2,
    prepare_abort = 3,
    complete_commit = 4,
    complete_abort = 5,
    dead = 6,
    prepare_epoch_fence = 7,
};
std::string_view status_name(txn_status s);
std::optional<txn_status> status_from_name(std::string_view name);

inline constexpr int16_t txn_log_key_version = 0;
inline constexpr int16_t txn_log_value_version = 0;

coord::log_record txn_log_record(std::string_view transactional_id, const protocol::TransactionLogValue& value);
coord::log_record txn_log_tombstone(std::string_view transactional_id);

struct txn_log_entry {
    std::string transactional_id;
    std::optional<protocol::TransactionLogValue> value; // nullopt = tombstone
};
struct other_txn_record {
    int16_t key_version;
};
using txn_record = std::variant<txn_log_entry, other_txn_record>;

// CORRUPT_MESSAGE when the key or value is truncated, has trailing bytes, an unknown value
// version or a TransactionStatus outside 0-7.
result<txn_record> decode_txn_record(std::span<const uint8_t> key, std::optional<std::span<const uint8_t>> value);

} // namespace brook::txn
