#pragma once
// A Kafka consumer: either assign() partitions at chosen offsets (no group.id in the config:
// nothing is committed and no group appears on the broker), or subscribe() with group.id set
// and let the group coordinator assign them.
//
// Guarantees: poll() returns records of a partition in offset order, and a partition_end when
// the consumer has caught up with a partition's high watermark (enable.partition.eof is on),
// so a caller can stop "at the end" without guessing from timeouts. Records are plain values.
// Threads: one thread owns a consumer. close() leaves the group cleanly (commits first when
// enable.auto.commit is on); the destructor closes too, so a group is never left hanging.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "client/config.h"
#include "client/error.h"
#include "client/handle.h"
#include "client/record.h"

namespace brook::client {

// The consumer reached the end of tp: offset is the next offset to be written.
struct partition_end {
    topic_partition tp;
    int64_t offset = 0;
};

// What one poll yields: nothing within the timeout, a record, or an end-of-partition mark.
using poll_event = std::variant<std::monostate, record, partition_end>;

// A group rebalance as subscribe()'s caller sees it (eager protocol: every rebalance first
// revokes the whole assignment, then assigns the new one). Called inside poll() or close() on
// the owning thread. On an assignment the handler may set each partition's start offset
// (default offset_stored: the group's committed offset, else auto.offset.reset); the consumer
// then assigns them. On a revocation the consumer unassigns after the handler returns, so the
// handler may still commit what it read (e.g. in a transaction) first.
using rebalance_handler = std::function<void(bool assigned, std::vector<partition_offset>& partitions)>;

class consumer {
public:
    static outcome<consumer> create(const config& cfg);
    // A group consumer whose rebalances go through on_rebalance (set group.id in cfg).
    // With a `priority_topic`, poll() returns what was fetched of that topic's partitions before
    // anything of the others, and the two are prefetched independently (each against its own
    // queued.min.messages): a job that reads back its own intermediate topic (a stream job's
    // repartition topic) then processes what it wrote before it reads more input, however much
    // input the prefetch holds. Order within a partition is kept either way.
    static outcome<consumer> create(const config& cfg, rebalance_handler on_rebalance, std::string priority_topic = {});
    consumer(consumer&&) noexcept;
    consumer& operator=(consumer&&) noexcept;
    ~consumer();

    status assign(const std::vector<partition_offset>& partitions);
    status subscribe(const std::vector<std::string>& topics);
    outcome<poll_event> poll(int timeout_ms);
    // Commits the offsets of the records returned so far, synchronously.
    status commit();
    status close();

    // For consume-transform-produce: this member's group identity (group id, member id,
    // generation) to hand to producer::send_offsets_to_transaction with positions().
    outcome<client::group_metadata> txn_group_metadata() const;
    // The offset after the last record poll() returned, per assigned partition; partitions
    // nothing was read from yet are left out (there is nothing to commit for them).
    outcome<std::vector<partition_offset>> positions() const;
    // The group's committed offset and metadata of each of `partitions`, asked of the group
    // coordinator (read_committed: a pending transaction's offsets wait until it ends).
    outcome<std::vector<committed_offset>> committed(const std::vector<topic_partition>& partitions, int timeout_ms) const;

    // The partitions currently assigned (empty between a revocation and the next assignment).
    outcome<std::vector<topic_partition>> assignment() const;

private:
    struct group_hooks;
    explicit consumer(kafka_handle rk, std::unique_ptr<group_hooks> h = nullptr);
    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque);
    outcome<poll_event> poll_priority(int timeout_ms);
    // Declared before rk_ so it outlives the handle: closing it may still call the handler.
    std::unique_ptr<group_hooks> hooks_;
    kafka_handle rk_;
    bool closed_ = false;
    int priority_run_ = 0; // priority records returned in a row
};

} // namespace brook::client
