#pragma once
// txn_coordinator: Kafka's transaction coordinator (the protocol before KIP-890's transaction
// version 2) as a pure state machine over one __transaction_state partition. No sockets,
// threads, clocks or I/O: each call takes the decoded request plus the current time and returns
// the response and its effects (records to append, marker jobs to run); tick(now) fires timers;
// replay() rebuilds the state from the partition on load.
//
// Runtime contract (the caller, one thread, calls in arrival order):
//  - Append `fx.records` to the partition, in order, and wait until they are durable before
//    sending the response of the same call. If the append fails, drop this coordinator and
//    reload it by replay: state is updated eagerly, as if the append succeeded.
//  - After the records of a call are durable, run its `fx.markers`: write a commit/abort
//    control batch (pid, epoch, coordinator epoch) into every partition of the job, wait until
//    they are durable, then call markers_written() and append what it returns. Until then the
//    transactional id is in PrepareCommit/PrepareAbort and its producer gets
//    CONCURRENT_TRANSACTIONS.
//  - Call tick(now) at next_deadline() (it may be called earlier; it is idempotent).
//  - Load: replay() every record of the partition in offset order, then load_complete(now) and
//    run the marker jobs it returns (transactions whose markers were not all written).
// Not thread-safe; owned by the shard that leads the partition.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/error_code.h"
#include "base/named_type.h"
#include "coord/record.h"
#include "protocol/messages.h"
#include "txn/txn_config.h"
#include "txn/txn_records.h"

namespace brook::txn {

struct request_context {
    int16_t api_version{0};
};

struct topic_partition {
    std::string topic;
    int32_t partition{0};
    auto operator<=>(const topic_partition&) const = default;
};
// Orders topic_partitions and also finds them by (string_view, partition) without a copy.
struct topic_partition_less {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        return key(a) < key(b);
    }

private:
    static std::pair<std::string_view, int32_t> key(const topic_partition& tp) { return {tp.topic, tp.partition}; }
    static std::pair<std::string_view, int32_t> key(const std::pair<std::string_view, int32_t>& p) { return p; }
};
using partition_set = std::set<topic_partition, topic_partition_less>;

// Write a commit or abort marker into each partition, then call markers_written().
struct marker_job {
    std::string transactional_id;
    producer_id pid;
    producer_epoch epoch;
    bool commit{false};
    int32_t coordinator_epoch{0};
    std::vector<topic_partition> partitions; // sorted, unique
    bool operator==(const marker_job&) const = default;
};

struct effects {
    std::vector<coord::log_record> records; // append to __transaction_state, in order
    std::vector<marker_job> markers;        // run once `records` are durable
    bool empty() const { return records.empty() && markers.empty(); }
};

template <class Response>
struct reply {
    Response response;
    effects fx;
};

// The state of one transactional id, as Kafka's TransactionMetadata keeps it.
struct txn_metadata {
    producer_id pid = no_producer_id;
    // The pair before the last transition, for KIP-360 retries of a bump whose answer was lost.
    // Kept in memory only, as Kafka does with value version 0: a reload forgets them.
    producer_id last_pid = no_producer_id;
    producer_epoch epoch = no_producer_epoch;
    producer_epoch last_epoch = no_producer_epoch;
    int32_t timeout_ms{0};
    txn_status status{txn_status::empty};
    partition_set partitions;
    int64_t start_ms{-1};       // when the open (or last) transaction added its first partition
    int64_t last_update_ms{-1}; // drives transactional id expiry
};

class txn_coordinator {
public:
    // Whether a topic-partition exists; AddPartitionsToTxn naming one that does not gets
    // UNKNOWN_TOPIC_OR_PARTITION for it (OPERATION_NOT_ATTEMPTED for the others). Default:
    // everything exists.
    using partition_exists_fn = std::function<bool(std::string_view topic, int32_t partition)>;

    explicit txn_coordinator(txn_config cfg, partition_exists_fn exists = {});

    // `fresh` is a new producer id from the broker's allocator, used only when one is needed (a
    // new transactional id, an exhausted epoch, a null transactional id); otherwise dropped.
    reply<protocol::InitProducerIdResponse> init_producer_id(const request_context& ctx,
                                                             const protocol::InitProducerIdRequest& req,
                                                             timestamp_ms now, producer_id fresh);
    reply<protocol::AddPartitionsToTxnResponse> add_partitions_to_txn(const request_context& ctx,
                                                                      const protocol::AddPartitionsToTxnRequest& req,
                                                                      timestamp_ms now);
    reply<protocol::AddOffsetsToTxnResponse> add_offsets_to_txn(const request_context& ctx,
                                                                const protocol::AddOffsetsToTxnRequest& req,
                                                                timestamp_ms now);
    reply<protocol::EndTxnResponse> end_txn(const request_context& ctx, const protocol::EndTxnRequest& req,
                                            timestamp_ms now);
    // The markers of the job (transactional_id, pid, epoch) are durable: PrepareCommit ->
    // CompleteCommit, PrepareAbort -> CompleteAbort. A job that no longer matches the state
    // (already completed) returns no effects.
    effects markers_written(std::string_view transactional_id, producer_id pid, producer_epoch epoch,
                            timestamp_ms now);

    protocol::DescribeTransactionsResponse describe_transactions(const request_context& ctx,
                                                                 const protocol::DescribeTransactionsRequest& req) const;
    // `now` serves the v1 DurationFilter.
    protocol::ListTransactionsResponse list_transactions(const request_context& ctx,
                                                         const protocol::ListTransactionsRequest& req,
                                                         timestamp_ms now) const;

    // Aborts transactions open longer than their timeout (fencing the producer with an epoch
    // bump, as Kafka does); deletes transactional ids idle past the expiration.
    effects tick(timestamp_ms now);
    // The earliest time tick() has work to do (nullopt: nothing scheduled).
    std::optional<timestamp_ms> next_deadline() const;

    // Load: apply one record of the partition (value nullopt = tombstone). CORRUPT_MESSAGE for
    // a record we cannot decode (state unchanged); keys of other record types are skipped.
    error_code replay(std::span<const uint8_t> key, std::optional<std::span<const uint8_t>> value);
    // Ends a load: marker jobs for every transaction in PrepareCommit/PrepareAbort.
    effects load_complete(timestamp_ms now);

    // Whether (pid, epoch) has an open transaction holding the partition: the produce-side
    // check for transactional batches.
    bool in_transaction(producer_id pid, producer_epoch epoch, std::string_view topic, int32_t partition) const;

    // Introspection (admin API, metrics, tests).
    const txn_metadata* find(std::string_view transactional_id) const;
    size_t size() const { return txns_.size(); }
    const txn_config& config() const { return cfg_; }

private:
    // Where the validation of AddPartitions/AddOffsets lands: an error, or state changed.
    error_code add_partitions(std::string_view transactional_id, producer_id pid, producer_epoch epoch,
                              const partition_set& partitions, int64_t now, effects& fx);
    error_code end_transaction(std::string_view transactional_id, producer_id pid, producer_epoch epoch, bool commit,
                               int64_t now, effects& fx);
    // Ongoing -> PrepareAbort with the epoch bumped (InitProducerId during a transaction, timeout).
    void fence_and_abort(const std::string& transactional_id, txn_metadata& m, int64_t now, effects& fx);
    void prepare_end(const std::string& transactional_id, txn_metadata& m, bool commit, int64_t now, effects& fx);
    void store(const std::string& transactional_id, const txn_metadata& m, effects& fx) const;
    marker_job job_for(const std::string& transactional_id, const txn_metadata& m) const;
    void set_pid(const std::string& transactional_id, txn_metadata& m, producer_id pid);

    txn_config cfg_;
    partition_exists_fn exists_;
    std::map<std::string, txn_metadata, std::less<>> txns_;
    std::unordered_map<producer_id, std::string> by_pid_; // current pid -> transactional id
};

} // namespace brook::txn
