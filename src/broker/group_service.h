#pragma once
// The runtime around group::group_coordinator: it owns the coordinator on the shard that owns
// `__consumer_offsets` partition 0, loads it by replaying that partition at start-up, appends
// the records each call produces (and waits for them to be durable) before any response of
// that call is sent, parks JoinGroup/SyncGroup responses until the coordinator releases them,
// and ticks the coordinator's timers.
//
// Handlers on any shard reach it with `run(fn)`, which hops to the owner shard and back.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <unordered_map>
#include <variant>

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
    // Starts the timer loop on the owner shard.
    void start();

    using parked_response = std::variant<protocol::JoinGroupResponse, protocol::SyncGroupResponse>;

    // Owner shard only: apply a call's effects (append + wait durable, then release parked
    // responses). If the append fails the coordinator is reloaded from the log and this throws,
    // which closes the caller's connection so its client retries.
    asio::awaitable<void> apply(group::effects fx);
    // Owner shard only: wait until the coordinator releases `token` (it may already have).
    asio::awaitable<parked_response> park(uint64_t token);
    group::group_coordinator& coordinator() { return *coordinator_; }
    uint64_t next_token() { return ++last_token_; }

private:
    asio::awaitable<void> tick_loop();
    asio::awaitable<void> maybe_compact();
    result<storage::append_info> append_records(std::span<const group::log_record> recs);
    std::shared_ptr<partition> log_partition();
    std::unique_ptr<group::group_coordinator> make_coordinator();
    std::shared_ptr<struct parked_slot> slot(uint64_t token);

    broker& b_;
    std::unique_ptr<group::group_coordinator> coordinator_;
    // A release can come before or after the caller starts waiting: the slot holds either.
    std::unordered_map<uint64_t, std::shared_ptr<struct parked_slot>> parked_;
    uint64_t last_token_ = 0;
    uint64_t compacted_bytes_ = 0; // log size after the last compaction
};

} // namespace brook::broker
