// The request paths of the transaction coordinator: InitProducerId, AddPartitionsToTxn,
// AddOffsetsToTxn, EndTxn and the marker completion. Checks and their order follow Kafka's
// TransactionCoordinator (+ the parts of KafkaApis in front of it) so clients see the same codes.
#include "txn/txn_coordinator.h"

#include <limits>

namespace brook::txn {

namespace {

constexpr int16_t max_epoch = std::numeric_limits<int16_t>::max();


// Kafka calls an epoch exhausted one bump early (Short.MaxValue - 1): the last epoch is kept
// for fencing an ongoing transaction, which must still be able to bump once.
bool exhausted(producer_epoch e) { return e.value() >= max_epoch - 1; }

// Clients older than the version that introduced PRODUCER_FENCED do not know it.
error_code for_version(error_code e, int16_t version, int16_t fenced_since) {
    return e == error_code::producer_fenced && version < fenced_since ? error_code::invalid_producer_epoch : e;
}

bool no_open_transaction(txn_status s) {
    return s == txn_status::empty || s == txn_status::complete_commit || s == txn_status::complete_abort;
}

} // namespace

txn_coordinator::txn_coordinator(txn_config cfg, partition_exists_fn exists)
    : cfg_(std::move(cfg)), exists_(std::move(exists)) {}

const txn_metadata* txn_coordinator::find(std::string_view transactional_id) const {
    auto it = txns_.find(transactional_id);
    return it == txns_.end() ? nullptr : &it->second;
}

void txn_coordinator::set_pid(const std::string& transactional_id, txn_metadata& m, producer_id pid) {
    if (m.pid != pid) {
        auto it = by_pid_.find(m.pid);
        if (it != by_pid_.end() && it->second == transactional_id) by_pid_.erase(it);
    }
    m.pid = pid;
    by_pid_[pid] = transactional_id;
}

reply<protocol::InitProducerIdResponse> txn_coordinator::init_producer_id(const request_context& ctx,
                                                                          const protocol::InitProducerIdRequest& req,
                                                                          timestamp_ms now, producer_id fresh) {
    reply<protocol::InitProducerIdResponse> out;
    auto fail = [&](error_code e) {
        out.response.ErrorCode = to_wire(for_version(e, ctx.api_version, 4));
        out.response.ProducerId = no_producer_id.value();
        out.response.ProducerEpoch = no_producer_epoch.value();
        return std::move(out);
    };

    // KIP-360 (v3+): the producer's current pair, both or neither.
    std::optional<std::pair<producer_id, producer_epoch>> expected;
    if (req.ProducerId != no_producer_id.value() || req.ProducerEpoch != no_producer_epoch.value()) {
        if (req.ProducerId == no_producer_id.value() || req.ProducerEpoch == no_producer_epoch.value())
            return fail(error_code::invalid_request);
        expected.emplace(producer_id(req.ProducerId), producer_epoch(req.ProducerEpoch));
    }

    if (!req.TransactionalId) { // an idempotent producer: a new id, nothing to remember
        out.response.ProducerId = fresh.value();
        out.response.ProducerEpoch = 0;
        return out;
    }
    const std::string& id = *req.TransactionalId;
    if (id.empty()) return fail(error_code::invalid_request);
    if (req.TransactionTimeoutMs <= 0 || req.TransactionTimeoutMs > cfg_.max_timeout_ms)
        return fail(error_code::invalid_transaction_timeout);

    const int64_t t = now.value();
    auto it = txns_.find(id);
    if (it == txns_.end()) {
        txn_metadata created;
        created.timeout_ms = req.TransactionTimeoutMs;
        created.last_update_ms = t;
        it = txns_.emplace(id, std::move(created)).first;
        set_pid(it->first, it->second, fresh);
    }
    txn_metadata& m = it->second;

    if (expected) {
        const auto [pid, epoch] = *expected;
        // A new id (no epoch yet), the current pid (its epoch is checked below), or a retry of a
        // bump that rotated to a new pid and whose answer was lost.
        const bool valid = m.epoch == no_producer_epoch || pid == m.pid || (pid == m.last_pid && exhausted(epoch));
        if (!valid) return fail(error_code::producer_fenced);
    }

    switch (m.status) {
    case txn_status::prepare_commit:
    case txn_status::prepare_abort:
        return fail(error_code::concurrent_transactions);
    case txn_status::ongoing: {
        // Abort the open transaction under a bumped epoch (fencing its producer) and make the
        // client retry: the retry bumps again, or rotates the pid if that exhausted the epochs.
        effects fx;
        fence_and_abort(id, m, t, fx);
        auto r = fail(error_code::concurrent_transactions);
        r.fx = std::move(fx);
        return r;
    }
    case txn_status::empty:
    case txn_status::complete_commit:
    case txn_status::complete_abort:
        break;
    default: // Dead and PrepareEpochFence are never kept (Kafka: IllegalStateException)
        return fail(error_code::unknown_server_error);
    }

    const producer_id old_pid = m.pid;
    const producer_epoch old_epoch = m.epoch;
    if (exhausted(m.epoch) && (!expected || expected->second == m.epoch)) {
        set_pid(id, m, fresh);
        m.epoch = producer_epoch(0);
        m.last_epoch = expected ? old_epoch : no_producer_epoch;
    } else if (!expected) {
        m.epoch = m.epoch + 1; // a new id goes from -1 to 0
        m.last_epoch = no_producer_epoch;
    } else if (m.epoch == no_producer_epoch || expected->second == m.epoch) {
        // The producer resumes after an error and nobody else took over: bump, remember.
        if (exhausted(m.epoch)) return fail(error_code::producer_fenced); // unreachable: rotated above
        m.epoch = m.epoch + 1;
        m.last_epoch = old_epoch;
    } else if (expected->second == m.last_epoch) {
        // A retry of a bump whose answer was lost: answer the same pair again.
    } else {
        return fail(error_code::producer_fenced);
    }
    m.last_pid = old_pid;
    m.timeout_ms = req.TransactionTimeoutMs;
    m.status = txn_status::empty;
    m.partitions.clear();
    m.start_ms = -1;
    m.last_update_ms = t;
    store(id, m, out.fx);
    out.response.ProducerId = m.pid.value();
    out.response.ProducerEpoch = m.epoch.value();
    return out;
}

error_code txn_coordinator::add_partitions(std::string_view transactional_id, producer_id pid, producer_epoch epoch,
                                           const partition_set& partitions, int64_t now, effects& fx) {
    if (transactional_id.empty()) return error_code::invalid_request;
    auto it = txns_.find(transactional_id);
    if (it == txns_.end()) return error_code::invalid_producer_id_mapping;
    txn_metadata& m = it->second;
    if (m.pid != pid) return error_code::invalid_producer_id_mapping;
    if (m.epoch != epoch) return error_code::producer_fenced;
    if (m.status == txn_status::prepare_commit || m.status == txn_status::prepare_abort)
        return error_code::concurrent_transactions;
    if (m.status == txn_status::ongoing) {
        bool all_in = true;
        for (const auto& tp : partitions) all_in = all_in && m.partitions.contains(tp);
        if (all_in) return error_code::none; // nothing new: no record
    } else if (no_open_transaction(m.status)) {
        m.start_ms = now; // the first partition starts the transaction (and its timeout)
    } else {
        return error_code::unknown_server_error;
    }
    m.partitions.insert(partitions.begin(), partitions.end());
    m.status = txn_status::ongoing;
    m.last_pid = m.pid;
    m.last_update_ms = now;
    store(it->first, m, fx);
    return error_code::none;
}

reply<protocol::AddPartitionsToTxnResponse> txn_coordinator::add_partitions_to_txn(
    const request_context& ctx, const protocol::AddPartitionsToTxnRequest& req, timestamp_ms now) {
    // Topics in request order, duplicates merged (Kafka reads the request into a map).
    std::vector<std::pair<std::string, std::vector<int32_t>>> topics;
    partition_set all;
    partition_set unknown;
    for (const auto& t : req.V3AndBelowTopics) {
        auto pos = std::find_if(topics.begin(), topics.end(), [&](const auto& e) { return e.first == t.Name; });
        if (pos == topics.end()) pos = topics.insert(topics.end(), {t.Name, {}});
        for (int32_t p : t.Partitions) {
            if (!all.insert(topic_partition{t.Name, p}).second) continue;
            pos->second.push_back(p);
            if (exists_ && !exists_(t.Name, p)) unknown.insert(topic_partition{t.Name, p});
        }
    }

    reply<protocol::AddPartitionsToTxnResponse> out;
    error_code all_error = error_code::none;
    if (unknown.empty()) {
        all_error = add_partitions(req.V3AndBelowTransactionalId, producer_id(req.V3AndBelowProducerId),
                                   producer_epoch(req.V3AndBelowProducerEpoch), all, now.value(), out.fx);
        all_error = for_version(all_error, ctx.api_version, 2);
    }
    for (const auto& [name, parts] : topics) {
        protocol::AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult tr;
        tr.Name = name;
        for (int32_t p : parts) {
            error_code e = all_error;
            if (!unknown.empty())
                e = unknown.contains(std::pair<std::string_view, int32_t>(name, p))
                        ? error_code::unknown_topic_or_partition
                        : error_code::operation_not_attempted;
            tr.ResultsByPartition.push_back({p, to_wire(e), {}});
        }
        out.response.ResultsByTopicV3AndBelow.push_back(std::move(tr));
    }
    return out;
}

reply<protocol::AddOffsetsToTxnResponse> txn_coordinator::add_offsets_to_txn(
    const request_context& ctx, const protocol::AddOffsetsToTxnRequest& req, timestamp_ms now) {
    reply<protocol::AddOffsetsToTxnResponse> out;
    const int32_t partition = cfg_.offsets_partition_for ? cfg_.offsets_partition_for(req.GroupId) : 0;
    partition_set offsets{topic_partition{cfg_.offsets_topic, partition}};
    const error_code e = add_partitions(req.TransactionalId, producer_id(req.ProducerId),
                                        producer_epoch(req.ProducerEpoch), offsets, now.value(), out.fx);
    out.response.ErrorCode = to_wire(for_version(e, ctx.api_version, 2));
    return out;
}

error_code txn_coordinator::end_transaction(std::string_view transactional_id, producer_id pid, producer_epoch epoch,
                                            bool commit, int64_t now, effects& fx) {
    if (transactional_id.empty()) return error_code::invalid_request;
    auto it = txns_.find(transactional_id);
    if (it == txns_.end()) return error_code::invalid_producer_id_mapping;
    txn_metadata& m = it->second;
    if (m.pid != pid) return error_code::invalid_producer_id_mapping;
    if (m.epoch != epoch) return error_code::producer_fenced;
    switch (m.status) {
    case txn_status::ongoing:
        prepare_end(it->first, m, commit, now, fx);
        return error_code::none;
    // Retries of an EndTxn whose answer was lost succeed (or wait); the opposite outcome is an
    // error.
    case txn_status::complete_commit:
        return commit ? error_code::none : error_code::invalid_txn_state;
    case txn_status::complete_abort:
        return commit ? error_code::invalid_txn_state : error_code::none;
    case txn_status::prepare_commit:
        return commit ? error_code::concurrent_transactions : error_code::invalid_txn_state;
    case txn_status::prepare_abort:
        return commit ? error_code::invalid_txn_state : error_code::concurrent_transactions;
    case txn_status::empty:
        return error_code::invalid_txn_state;
    default:
        return error_code::unknown_server_error;
    }
}

reply<protocol::EndTxnResponse> txn_coordinator::end_txn(const request_context& ctx, const protocol::EndTxnRequest& req,
                                                         timestamp_ms now) {
    reply<protocol::EndTxnResponse> out;
    const error_code e = end_transaction(req.TransactionalId, producer_id(req.ProducerId),
                                         producer_epoch(req.ProducerEpoch), req.Committed, now.value(), out.fx);
    out.response.ErrorCode = to_wire(for_version(e, ctx.api_version, 2));
    return out;
}

void txn_coordinator::fence_and_abort(const std::string& transactional_id, txn_metadata& m, int64_t now,
                                      effects& fx) {
    // Ongoing never carries Short.MaxValue (bumps stop one short of it), so this always bumps.
    if (m.epoch.value() < max_epoch) m.epoch = m.epoch + 1;
    m.last_epoch = no_producer_epoch;
    prepare_end(transactional_id, m, false, now, fx);
}

void txn_coordinator::prepare_end(const std::string& transactional_id, txn_metadata& m, bool commit, int64_t now,
                                  effects& fx) {
    m.status = commit ? txn_status::prepare_commit : txn_status::prepare_abort;
    m.last_pid = m.pid;
    m.last_update_ms = now;
    store(transactional_id, m, fx);
    fx.markers.push_back(job_for(transactional_id, m));
}

marker_job txn_coordinator::job_for(const std::string& transactional_id, const txn_metadata& m) const {
    return marker_job{transactional_id, m.pid, m.epoch, m.status == txn_status::prepare_commit,
                      cfg_.coordinator_epoch, std::vector<topic_partition>(m.partitions.begin(), m.partitions.end())};
}

effects txn_coordinator::markers_written(std::string_view transactional_id, producer_id pid, producer_epoch epoch,
                                         timestamp_ms now) {
    effects fx;
    auto it = txns_.find(transactional_id);
    if (it == txns_.end()) return fx;
    txn_metadata& m = it->second;
    if (m.pid != pid || m.epoch != epoch) return fx;
    if (m.status == txn_status::prepare_commit) m.status = txn_status::complete_commit;
    else if (m.status == txn_status::prepare_abort) m.status = txn_status::complete_abort;
    else return fx;
    m.partitions.clear(); // start_ms stays: DescribeTransactions shows when the last one began
    m.last_pid = m.pid;
    m.last_update_ms = now.value();
    store(it->first, m, fx);
    return fx;
}

bool txn_coordinator::in_transaction(producer_id pid, producer_epoch epoch, std::string_view topic,
                                     int32_t partition) const {
    auto owner = by_pid_.find(pid);
    if (owner == by_pid_.end()) return false;
    const txn_metadata* m = find(owner->second);
    return m && m->status == txn_status::ongoing && m->pid == pid && m->epoch == epoch &&
           m->partitions.contains(std::pair<std::string_view, int32_t>(topic, partition));
}

effects txn_coordinator::tick(timestamp_ms now) {
    effects fx;
    const int64_t t = now.value();
    for (auto it = txns_.begin(); it != txns_.end();) {
        txn_metadata& m = it->second;
        if (m.status == txn_status::ongoing && m.start_ms + m.timeout_ms < t) {
            fence_and_abort(it->first, m, t, fx);
        } else if (no_open_transaction(m.status) && m.last_update_ms <= t - cfg_.transactional_id_expiration_ms) {
            fx.records.push_back(txn_log_tombstone(it->first));
            auto owner = by_pid_.find(m.pid);
            if (owner != by_pid_.end() && owner->second == it->first) by_pid_.erase(owner);
            it = txns_.erase(it);
            continue;
        }
        ++it;
    }
    return fx;
}

std::optional<timestamp_ms> txn_coordinator::next_deadline() const {
    std::optional<int64_t> best;
    auto consider = [&](int64_t at) { best = best ? std::min(*best, at) : at; };
    for (const auto& [id, m] : txns_) {
        if (m.status == txn_status::ongoing) consider(m.start_ms + m.timeout_ms + 1); // Kafka: strictly older
        else if (no_open_transaction(m.status)) consider(m.last_update_ms + cfg_.transactional_id_expiration_ms);
    }
    if (!best) return std::nullopt;
    return timestamp_ms(*best);
}

} // namespace brook::txn
