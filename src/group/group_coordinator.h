#pragma once
// group_coordinator: the classic consumer-group protocol as a pure state machine over one
// __consumer_offsets partition. No sockets, threads, clocks or I/O: each API call takes the
// decoded request plus the current time and returns the response and the records to append;
// tick(now) fires timers; replay() rebuilds state from the partition on load.
//
// Runtime contract (the caller, one thread, calls in arrival order):
//  - Append `fx.records` to the partition, in order, before sending any response of the same
//    call (immediate or released). If the append fails, drop this coordinator and reload it by
//    replay: state is updated eagerly, as if the append succeeded.
//  - A call may return no response: it is parked under `ctx.token` (JoinGroup until the
//    rebalance completes, SyncGroup until the leader's assignment). A later call or tick()
//    releases it in `fx.released` with that token. Tokens are the runtime's and must be unique
//    among outstanding requests.
//  - When `fx.owner` is set (TxnOffsetCommit), append `fx.records` as ONE transactional batch
//    owned by that producer. Later, after appending that producer's commit/abort marker to the
//    partition, call complete_txn(pid, commit, now).
//  - Call tick(now) at next_deadline() (the runtime arms one timer for it).
//  - Load: replay(batch, key, value) every record of every data batch of the partition in offset
//    order, replay_marker(batch, commit) for every control batch, then load_complete(now).
//  - Cleaning: the partition is cleanup.policy=compact (the broker's log cleaner keeps the
//    latest record per key, drops aborted transactional records and, after delete.retention.ms,
//    tombstones and markers). So every change is a record keyed by what it changes and every
//    removal writes one tombstone per key it removes (each offset key, then the group key):
//    replaying the cleaned partition rebuilds what replaying the full one does.
// Not thread-safe; owned by the shard that leads the partition.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/error_code.h"
#include "base/named_type.h"
#include "coord/record.h"
#include "group/group.h"
#include "group/group_config.h"
#include "group/group_records.h"
#include "protocol/messages.h"

namespace brook::group {

struct request_context {
    int16_t api_version{0};
    std::string client_id;
    std::string client_host;
    uint64_t token{0}; // the runtime's handle for a response that may be parked
};

struct released_response {
    uint64_t token;
    std::variant<protocol::JoinGroupResponse, protocol::SyncGroupResponse> response;
};

// A group's rebalances within the window just reached config.rebalance_storm_threshold. Emitted
// once per crossing: again only after the count was seen below the threshold.
struct storm_alert {
    std::string group_id;
    uint64_t rebalances_in_window{0};
    int64_t window_ms{0};
    uint64_t threshold{0};
    std::vector<rebalance_event> rebalances; // those in the window, oldest first
    rebalance_trigger trigger;               // who set the last one off
};
// One line for the broker log: group, count, window, reasons (grouped by client.id, since a
// restarting client gets a new member id each time; most frequent first, at most a few) and
// the member/client that set the last rebalance off.
std::string describe(const storm_alert& a);

struct effects {
    std::vector<log_record> records;         // append to __consumer_offsets, in order
    std::vector<released_response> released; // parked responses now complete
    std::vector<storm_alert> storms;          // for the log; nothing to append
    // Set by TxnOffsetCommit: `records` are one transactional batch owned by this producer,
    // decided by its later marker (complete_txn). Unset: a plain (non-transactional) append.
    std::optional<coord::txn_owner> owner;
    bool empty() const { return records.empty() && released.empty() && storms.empty(); }
};

template <class Response>
struct reply {
    std::optional<Response> response; // nullopt: parked under ctx.token
    effects fx;
};

// Storm signals of one group (see group_stats), as of `now`.
struct group_signals {
    uint64_t rebalances_in_window;
    uint64_t rebalances_total;
    uint64_t members_joined;
    uint64_t members_left;
    std::string last_rebalance_reason;
    rebalance_trigger last_trigger; // who set the last rebalance off
    bool in_storm;                  // alerted, and the window count is still at the threshold
};

class group_coordinator {
public:
    // Whether a topic-partition exists; OffsetCommit for one that does not gets
    // UNKNOWN_TOPIC_OR_PARTITION. Default: everything exists.
    using partition_exists_fn = std::function<bool(std::string_view topic, int32_t partition)>;

    // `id_seed` seeds generated member ids (tests pass a fixed one; default: random).
    explicit group_coordinator(group_config cfg, partition_exists_fn exists = {},
                               std::optional<uint64_t> id_seed = std::nullopt);

    reply<protocol::JoinGroupResponse> join_group(const request_context& ctx, const protocol::JoinGroupRequest& req,
                                                  timestamp_ms now);
    reply<protocol::SyncGroupResponse> sync_group(const request_context& ctx, const protocol::SyncGroupRequest& req,
                                                  timestamp_ms now);
    reply<protocol::HeartbeatResponse> heartbeat(const request_context& ctx, const protocol::HeartbeatRequest& req,
                                                 timestamp_ms now);
    reply<protocol::LeaveGroupResponse> leave_group(const request_context& ctx, const protocol::LeaveGroupRequest& req,
                                                    timestamp_ms now);
    reply<protocol::OffsetCommitResponse> offset_commit(const request_context& ctx,
                                                        const protocol::OffsetCommitRequest& req, timestamp_ms now);
    protocol::OffsetFetchResponse offset_fetch(const request_context& ctx, const protocol::OffsetFetchRequest& req) const;
    protocol::DescribeGroupsResponse describe_groups(const request_context& ctx,
                                                     const protocol::DescribeGroupsRequest& req) const;
    protocol::ListGroupsResponse list_groups(const request_context& ctx, const protocol::ListGroupsRequest& req) const;
    reply<protocol::DeleteGroupsResponse> delete_groups(const request_context& ctx,
                                                        const protocol::DeleteGroupsRequest& req, timestamp_ms now);
    reply<protocol::OffsetDeleteResponse> offset_delete(const request_context& ctx,
                                                        const protocol::OffsetDeleteRequest& req, timestamp_ms now);

    // The topic was deleted: its offsets go from every group, committed and pending
    // transactional ones alike, whatever the group's state (Kafka's onPartitionsDeleted), so
    // that a topic re-created under the name starts from no committed offset. One tombstone per
    // partition that had either; the groups themselves stay.
    effects delete_topic_offsets(std::string_view topic);

    // TxnOffsetCommit v0-3 (coordinator_txn_offsets.cc). The accepted offsets are pending under
    // req.ProducerId: OffsetFetch does not return them (RequireStable fetches of their partitions
    // get UNSTABLE_OFFSET_COMMIT) until complete_txn. fx.owner = (ProducerId, ProducerEpoch)
    // whenever fx.records is not empty. A missing group is created (Empty), as Kafka does.
    // `producer` is what the partition knows of the producer's epoch: INVALID_PRODUCER_EPOCH for
    // a fenced one (a newer epoch was seen) is answered for every partition, nothing appended.
    reply<protocol::TxnOffsetCommitResponse> txn_offset_commit(const request_context& ctx,
                                                               const protocol::TxnOffsetCommitRequest& req,
                                                               timestamp_ms now, error_code producer = error_code::none);
    // Called once `pid`'s commit/abort marker is in the partition (the marker is the record, so
    // no records are returned). Commit: each pending offset of `pid` becomes the committed one
    // unless a commit appended after it already replaced it (Kafka compares log positions).
    // Abort: they are dropped. Unknown pid: nothing happens (markers are retried).
    effects complete_txn(producer_id pid, bool commit, timestamp_ms now);
    // Whether any transactional offset is pending.
    bool has_pending_transactions() const;

    // Session/rebalance/sync timeouts, pending-member expiry, offset retention.
    effects tick(timestamp_ms now);
    // The earliest time tick() has work to do (nullopt: nothing scheduled).
    std::optional<timestamp_ms> next_deadline() const;

    // Load: apply one record of a data batch of the partition (value nullopt = tombstone).
    // Offsets from a transactional batch stay pending under batch.pid until replay_marker.
    // CORRUPT_MESSAGE for a record we cannot decode (state unchanged); records of newer group
    // types are skipped.
    error_code replay(const coord::batch_context& batch, std::span<const uint8_t> key,
                      std::optional<std::span<const uint8_t>> value);
    // A record of a non-transactional batch.
    error_code replay(std::span<const uint8_t> key, std::optional<std::span<const uint8_t>> value) {
        return replay(coord::batch_context{}, key, value);
    }
    // Load: a control batch (marker) of batch.pid: commits or drops its pending offsets.
    void replay_marker(const coord::batch_context& batch, bool commit);
    // Ends a load: drops groups that no metadata record nor offset describes (as Kafka's load;
    // leftovers of offsets deleted since), starts members' session timers at `now`.
    void load_complete(timestamp_ms now);

    // Introspection (admin API, metrics, tests).
    const group* find(std::string_view group_id) const;
    std::vector<std::string> group_ids() const;
    std::optional<group_signals> signals(std::string_view group_id, timestamp_ms now) const;
    const group_config& config() const { return cfg_; }

private:
    bool valid_group_id(std::string_view id) const;
    group* find_mut(std::string_view group_id);
    std::string new_member_id(std::string_view client_id);

    // Membership machinery (coordinator_join.cc).
    reply<protocol::JoinGroupResponse> join_new_member(group& g, const request_context& ctx,
                                                       const protocol::JoinGroupRequest& req, int64_t now);
    reply<protocol::JoinGroupResponse> join_known_member(group& g, const request_context& ctx,
                                                         const protocol::JoinGroupRequest& req, int64_t now);
    reply<protocol::JoinGroupResponse> rejoin_static_member(group& g, const request_context& ctx,
                                                            const protocol::JoinGroupRequest& req, int64_t now);
    void add_member_and_rebalance(group& g, const request_context& ctx, const protocol::JoinGroupRequest& req,
                                  std::string member_id, int64_t now, effects& fx);
    void update_member_and_rebalance(group& g, member& m, const request_context& ctx,
                                     const protocol::JoinGroupRequest& req, int64_t now, effects& fx);
    void prepare_rebalance(group& g, std::string reason, rebalance_trigger trigger, int64_t now, effects& fx);
    // Counts a rebalance in g.stats and emits a storm_alert when the window count crosses the threshold.
    void count_rebalance(group& g, std::string reason, rebalance_trigger trigger, int64_t now, effects& fx);
    void maybe_complete_join(group& g, int64_t now, effects& fx);
    void complete_join(group& g, int64_t now, effects& fx);
    void remove_member(group& g, const std::string& member_id, std::string reason, int64_t now, effects& fx);
    protocol::JoinGroupResponse join_response(const group& g, const member& m) const;
    void store_group(const group& g, effects& fx) const;
    void tick_group(group& g, int64_t now, effects& fx);

    // Offsets (coordinator_offsets.cc).
    // Per-partition checks shared by OffsetCommit and TxnOffsetCommit: UNKNOWN_TOPIC_OR_PARTITION,
    // OFFSET_METADATA_TOO_LARGE, or none.
    error_code check_offset_commit(std::string_view topic, int32_t partition, const std::string& metadata) const;
    void expire_offsets(int64_t now, effects& fx);
    // When an offset of an Empty group expires.
    int64_t offset_expiry(const group& g, const committed_offset& c) const;
    // The next position in this coordinator's sequence of offset records (committed_offset::log_order).
    uint64_t next_log_order() { return next_log_order_++; }

    // Transactional offsets (coordinator_txn_offsets.cc).
    void add_pending(group& g, producer_id pid, const topic_partition& tp, committed_offset c);
    // Commits (if `commit`) or drops every pending offset of `pid`.
    void complete_pending(producer_id pid, bool commit);
    // A later plain record (tombstone) for `tp`: no pending transactional offset of `tp` survives it.
    static void drop_pending(group& g, const topic_partition& tp);

    group_config cfg_;
    partition_exists_fn exists_;
    std::mt19937_64 ids_;
    std::map<std::string, group, std::less<>> groups_;
    int64_t next_retention_check_ms_{0};
    uint64_t next_log_order_{1};
    // Groups that may hold pending offsets of a producer (an entry can outlive the offsets, e.g.
    // after DeleteGroups); dropped when the producer's transaction completes.
    std::map<producer_id, std::set<std::string>> txn_groups_;
};

} // namespace brook::group
