#pragma once
// The consumer-group service: group::group_coordinator on a coord::runtime over
// `__consumer_offsets` partition 0, on the shard that owns that partition. The runtime loads
// the coordinator by replay, appends the records each call produces (and waits for them to be
// durable) before any response of that call is sent and fires the coordinator's timers at their
// deadline; the topic is cleanup.policy=compact, kept small by the log cleaner. This service adds what is particular to groups: JoinGroup/
// SyncGroup responses parked until the coordinator releases them, and the handler-facing API.
//
// Handlers on any shard reach it by hopping to shard() (net::run_on); every member below is
// for the owner shard only.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <unordered_map>
#include <variant>

#include "coord/runtime.h"
#include "group/group_coordinator.h"
#include "broker/partition.h"

namespace brook::broker {

class broker;

class group_service {
public:
    explicit group_service(broker& b);
    ~group_service();

    unsigned shard() const;
    // Replays __consumer_offsets into a fresh coordinator. On the owner shard's state, before
    // the shards run (or on the owner shard).
    void load();
    // Starts the coordinator's timers on the owner shard.
    void start();

    using parked_response = std::variant<protocol::JoinGroupResponse, protocol::SyncGroupResponse>;

    // Owner shard only: apply a call's effects (append + wait durable, then release parked
    // responses) and, unless the caller knows its call can only have moved the coordinator's
    // next deadline later (a heartbeat), re-arm the timer: next_deadline() walks every group.
    // Returns none once durable. If the append fails the coordinator is reloaded from the log
    // and the append's error is returned for the caller to answer (coord::failed_append_answer);
    // every parked JoinGroup/SyncGroup is then answered that error too, since the reloaded
    // coordinator no longer knows them.
    asio::awaitable<error_code> apply(group::effects fx, bool deadline_may_be_earlier = true);
    // Owner shard only: wait until the coordinator releases `token` (it may already have), or
    // the append error that made the coordinator forget it.
    asio::awaitable<result<parked_response>> park(uint64_t token);
    group::group_coordinator& coordinator() { return *coordinator_; }

    // The transaction marker writer's way into __consumer_offsets (any shard): appends the
    // producer's commit/abort marker, waits until it is durable, then lets the coordinator
    // publish (commit) or drop (abort) the transaction's pending offsets.
    asio::awaitable<error_code> complete_transaction(producer_id pid, producer_epoch epoch, bool commit,
                                                     int32_t coordinator_epoch);
    // Any shard, once `topic` is gone from every shard's topic table (so no new commit of it is
    // accepted): drops its committed offsets from every group and waits until the tombstones
    // are durable. KAFKA_STORAGE_ERROR (logged) if they could not be appended; the coordinator
    // is then reloaded and still holds the offsets.
    asio::awaitable<error_code> delete_topic_offsets(std::string topic);
    // Owner shard only: INVALID_PRODUCER_EPOCH when the partition has seen a newer epoch of
    // `pid` (a fenced producer's TxnOffsetCommit), else none.
    error_code check_producer_epoch(producer_id pid, producer_epoch epoch);
    // A token for one call; its slot exists from now on, so a reload fails it even before the
    // caller parks.
    uint64_t next_token();
    // The call of `token` answered without parking: drop its slot.
    void forget(uint64_t token) { parked_.erase(token); }

private:
    asio::awaitable<void> on_deadline(timestamp_ms now);
    std::shared_ptr<partition> log_partition();
    std::unique_ptr<group::group_coordinator> make_coordinator();
    std::shared_ptr<struct parked_slot> slot(uint64_t token);

    broker& b_;
    std::unique_ptr<group::group_coordinator> coordinator_;
    std::unique_ptr<coord::runtime> runtime_;
    // A release can come before or after the caller starts waiting: the slot holds either.
    std::unordered_map<uint64_t, std::shared_ptr<struct parked_slot>> parked_;
    uint64_t last_token_ = 0;
};

} // namespace brook::broker
