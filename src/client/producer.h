#pragma once
// A Kafka producer whose delivery reports come back as values.
//
// Guarantees: every record accepted by send() yields exactly one delivery in a later poll() or
// flush() (librdkafka retries internally; what it finally reports is final). Defaults are
// idempotent with acks=all, so a retry never duplicates or reorders within a partition; the
// caller's config comes after the defaults and may override them.
// Threads: one thread owns a producer (send, poll, flush) — reports are gathered by callbacks
// that librdkafka runs inside poll()/flush() on the calling thread. Movable, not copyable.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/config.h"
#include "client/error.h"
#include "client/handle.h"
#include "client/record.h"

namespace brook::client {

struct delivery {
    uint64_t id = 0;             // what send() returned for this record
    std::string topic;
    int32_t partition = -1;
    int64_t offset = -1;         // -1 when failed
    std::optional<error> failed; // nullopt: written and acknowledged per acks
};

class producer {
public:
    static outcome<producer> create(const config& cfg);
    producer(producer&&) noexcept = default;
    producer& operator=(producer&&) noexcept = default;
    ~producer();

    // Queues r for sending and returns its delivery id. When librdkafka's queue is full it
    // serves reports and waits rather than failing; errors here are immediate (unknown
    // partition, record too large, a fatal idempotence error).
    outcome<uint64_t> send(const record& r);
    // Serves delivery reports for up to timeout_ms and returns those that arrived.
    std::vector<delivery> poll(int timeout_ms);
    // Waits up to timeout_ms for everything queued; returns the reports not yet returned. A
    // timeout leaves the rest in flight (in_flight() > 0): they are reported by a later call.
    std::vector<delivery> flush(int timeout_ms);
    int in_flight() const;
    // Learns the partitions and leaders of `topics` now, so the first send to each does not
    // wait for librdkafka's own metadata refresh (about a second inside a transaction).
    status prepare_topics(const std::vector<std::string>& topics, int timeout_ms);

    // Transactions (set transactional.id in the config). The calls follow librdkafka's
    // state machine: init_transactions once, then begin → send... [send_offsets_to_transaction]
    // → commit or abort, repeated. Errors carry librdkafka's classification (error.h):
    //   retriable → call the same function again; abortable → abort_transaction() and redo the
    //   transaction's work; fatal → this producer is finished (another instance with the same
    //   transactional.id fenced it, or state was lost): destroy it.
    // init_transactions fences older instances with the same transactional.id and aborts (or
    // completes) the transaction they left open, so a restarted process starts clean.
    // commit_transaction flushes every record sent in the transaction first; their delivery
    // reports are then waiting for the next poll(0)/flush(0).
    status init_transactions(int timeout_ms);
    status begin_transaction();
    // Commits consumer offsets as part of the transaction (consume-transform-produce): they
    // become visible to the group only if the transaction commits. `group` comes from the
    // consumer that read the input (consumer::txn_group_metadata), `offsets` from its
    // positions() — the next offset to read, not the last one read. `metadata` (optional) is
    // committed with every partition's offset (OffsetFetch returns it).
    // librdkafka 2.0.2 can stay inside this call past timeout_ms when the broker is gone (seen:
    // never returning, blocked without a deadline), so it runs on a helper thread and is given up
    // 1 s after timeout_ms: the error says so, and the producer is then stuck — its handle is
    // leaked rather than destroyed under a thread still inside librdkafka; make no more calls.
    status send_offsets_to_transaction(const std::vector<partition_offset>& offsets,
                                       const group_metadata& group, int timeout_ms, const std::string& metadata = {});
    status commit_transaction(int timeout_ms);
    status abort_transaction(int timeout_ms);

private:
    struct reports {
        std::vector<delivery> ready;
    };
    producer(std::unique_ptr<reports> r, kafka_handle rk) : reports_(std::move(r)), rk_(std::move(rk)) {}
    static void on_delivery(rd_kafka_t*, const rd_kafka_message_t*, void* opaque);
    std::vector<delivery> take();

    // Declared before rk_ so it outlives the handle: destroying rk_ may still run callbacks.
    std::unique_ptr<reports> reports_;
    kafka_handle rk_;
    uint64_t next_id_ = 0;
    bool stuck_ = false; // a librdkafka call was given up while still running (see above)
};

} // namespace brook::client
