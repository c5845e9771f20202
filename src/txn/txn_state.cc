// The transaction coordinator's state as records (store, replay, load) and as the
// admin APIs see it (DescribeTransactions, ListTransactions).
#include <algorithm>

#include "txn/txn_coordinator.h"

namespace brook::txn {

namespace {


protocol::TransactionLogValue value_of(const txn_metadata& m) {
    protocol::TransactionLogValue v;
    v.ProducerId = m.pid.value();
    v.ProducerEpoch = m.epoch.value();
    v.TransactionTimeoutMs = m.timeout_ms;
    v.TransactionStatus = static_cast<int8_t>(m.status);
    // As Kafka writes them: null for Empty, otherwise one entry per topic (empty once complete).
    if (m.status != txn_status::empty) {
        std::vector<protocol::TransactionLogValue::PartitionsSchema> topics;
        for (const auto& tp : m.partitions) {
            if (topics.empty() || topics.back().Topic != tp.topic) topics.push_back({tp.topic, {}, {}});
            topics.back().PartitionIds.push_back(tp.partition);
        }
        v.TransactionPartitions = std::move(topics);
    }
    v.TransactionLastUpdateTimestampMs = m.last_update_ms;
    v.TransactionStartTimestampMs = m.start_ms;
    return v;
}

} // namespace

void txn_coordinator::store(const std::string& transactional_id, const txn_metadata& m, effects& fx) const {
    fx.records.push_back(txn_log_record(transactional_id, value_of(m)));
}

error_code txn_coordinator::replay(std::span<const uint8_t> key, std::optional<std::span<const uint8_t>> value) {
    auto decoded = decode_txn_record(key, value);
    if (!decoded) return decoded.error();
    auto* entry = std::get_if<txn_log_entry>(&*decoded);
    if (!entry) return error_code::none; // another coordinator's record type

    auto it = txns_.find(entry->transactional_id);
    // Kafka never writes Dead (expiry writes a tombstone); read it as one.
    if (!entry->value || entry->value->TransactionStatus == static_cast<int8_t>(txn_status::dead)) {
        if (it != txns_.end()) {
            auto owner = by_pid_.find(it->second.pid);
            if (owner != by_pid_.end() && owner->second == it->first) by_pid_.erase(owner);
            txns_.erase(it);
        }
        return error_code::none;
    }
    const auto& v = *entry->value;
    if (it == txns_.end()) it = txns_.emplace(entry->transactional_id, txn_metadata{}).first;
    txn_metadata& m = it->second;
    set_pid(it->first, m, producer_id(v.ProducerId));
    m.last_pid = producer_id(v.PreviousProducerId); // -1 unless value version 1 carries it
    m.epoch = producer_epoch(v.ProducerEpoch);
    m.last_epoch = no_producer_epoch;
    m.timeout_ms = v.TransactionTimeoutMs;
    m.status = static_cast<txn_status>(v.TransactionStatus);
    m.partitions.clear();
    if (m.status != txn_status::empty && v.TransactionPartitions)
        for (const auto& t : *v.TransactionPartitions)
            for (int32_t p : t.PartitionIds) m.partitions.insert(topic_partition{t.Topic, p});
    m.start_ms = v.TransactionStartTimestampMs;
    m.last_update_ms = v.TransactionLastUpdateTimestampMs;
    return error_code::none;
}

effects txn_coordinator::load_complete(timestamp_ms /*now*/) {
    // The outcome of a Prepare* transaction is decided and logged, but some of its markers may
    // be missing: write them all again (a partition takes a repeated marker).
    effects fx;
    for (const auto& [id, m] : txns_)
        if (m.status == txn_status::prepare_commit || m.status == txn_status::prepare_abort)
            fx.markers.push_back(job_for(id, m));
    return fx;
}

protocol::DescribeTransactionsResponse txn_coordinator::describe_transactions(
    const request_context&, const protocol::DescribeTransactionsRequest& req) const {
    protocol::DescribeTransactionsResponse out;
    for (const auto& id : req.TransactionalIds) {
        protocol::DescribeTransactionsResponse::TransactionState s;
        s.TransactionalId = id;
        const txn_metadata* m = id.empty() ? nullptr : find(id);
        if (id.empty()) {
            s.ErrorCode = to_wire(error_code::invalid_request);
        } else if (!m) {
            s.ErrorCode = to_wire(error_code::transactional_id_not_found);
        } else {
            s.TransactionState = std::string(status_name(m->status));
            s.TransactionTimeoutMs = m->timeout_ms;
            s.TransactionStartTimeMs = m->start_ms;
            s.ProducerId = m->pid.value();
            s.ProducerEpoch = m->epoch.value();
            for (const auto& tp : m->partitions) {
                if (s.Topics.empty() || s.Topics.back().Topic != tp.topic) s.Topics.push_back({tp.topic, {}, {}});
                s.Topics.back().Partitions.push_back(tp.partition);
            }
        }
        out.TransactionStates.push_back(std::move(s));
    }
    return out;
}

protocol::ListTransactionsResponse txn_coordinator::list_transactions(const request_context&,
                                                                      const protocol::ListTransactionsRequest& req,
                                                                      timestamp_ms now) const {
    protocol::ListTransactionsResponse out;
    std::vector<txn_status> states;
    for (const auto& name : req.StateFilters) {
        if (auto s = status_from_name(name)) states.push_back(*s);
        else out.UnknownStateFilters.push_back(name);
    }
    const auto& pids = req.ProducerIdFilters;
    for (const auto& [id, m] : txns_) {
        if (!pids.empty() && std::find(pids.begin(), pids.end(), m.pid.value()) == pids.end()) continue;
        // A filter list naming only unknown states matches nothing (Kafka tests the request's
        // list, not the states it could parse).
        if (!req.StateFilters.empty() && std::find(states.begin(), states.end(), m.status) == states.end()) continue;
        // v1: only transactions running longer than the filter (Kafka compares the start time,
        // whatever the state).
        if (req.DurationFilter >= 0 && now.value() - m.start_ms <= req.DurationFilter) continue;
        out.TransactionStates.push_back({id, m.pid.value(), std::string(status_name(m.status)), {}});
    }
    return out;
}

} // namespace brook::txn
