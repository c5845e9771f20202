#include "txn/txn_records.h"

#include <array>

#include "protocol/versioned.h"

namespace brook::txn {

namespace {

constexpr std::array<std::string_view, 8> status_names = {
    "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence",
};

using protocol::decode_versioned;
using protocol::encode_versioned;

} // namespace

std::string_view status_name(txn_status s) {
    const auto i = static_cast<size_t>(s);
    return i < status_names.size() ? status_names[i] : std::string_view("Unknown");
}

std::optional<txn_status> status_from_name(std::string_view name) {
    for (size_t i = 0; i < status_names.size(); ++i)
        if (status_names[i] == name) return static_cast<txn_status>(i);
    return std::nullopt;
}

coord::log_record txn_log_record(std::string_view transactional_id, const protocol::TransactionLogValue& value) {
    protocol::TransactionLogKey key;
    key.TransactionalId = std::string(transactional_id);
    return {encode_versioned(key, txn_log_key_version), encode_versioned(value, txn_log_value_version)};
}

coord::log_record txn_log_tombstone(std::string_view transactional_id) {
    protocol::TransactionLogKey key;
    key.TransactionalId = std::string(transactional_id);
    return {encode_versioned(key, txn_log_key_version), std::nullopt};
}

result<txn_record> decode_txn_record(std::span<const uint8_t> key, std::optional<std::span<const uint8_t>> value) {
    protocol::reader kr(key);
    const int16_t key_version = kr.i16();
    if (!kr.ok() || key_version < 0) return error_code::corrupt_message;
    if (key_version != txn_log_key_version) return txn_record{other_txn_record{key_version}};
    protocol::TransactionLogKey k;
    if (!k.decode(kr, key_version) || kr.remaining() != 0) return error_code::corrupt_message;

    txn_log_entry e{std::move(k.TransactionalId), std::nullopt};
    if (value) {
        auto v = decode_versioned<protocol::TransactionLogValue>(*value);
        if (!v || v->TransactionStatus < 0 || v->TransactionStatus > static_cast<int8_t>(txn_status::prepare_epoch_fence))
            return error_code::corrupt_message;
        e.value = std::move(*v);
    }
    return txn_record{std::move(e)};
}

} // namespace brook::txn
