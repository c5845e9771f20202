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

    // Metadata round trip: the broker answers within timeout_ms or this is an error.

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
};

} // namespace brook::client
