#pragma once
// The registry's state kept in the `_schemas` topic: a reader thread tails the topic with a
// librdkafka consumer (assign, from the beginning) and applies every record to the in-memory
// state; a writer thread takes write jobs one at a time, plans them against the state, appends
// their records with an idempotent acks=all producer and answers only once the reader has
// applied the last record's offset — so an answered write is durable and visible to reads.
// Both talk to the broker through the Kafka protocol (src/client) at the address given, so
// the same code runs against Apache Kafka.
//
// The topic (1 partition, cleanup.policy=compact) is created by the first write if absent, so
// a broker whose registry is never written has no `_schemas` topic. Until the reader has
// replayed to the end of the topic that existed at start, ready() is false and writes are
// refused with 50002.
//
// Threads: read() from any thread (shared lock; keep the callable short, it holds off the
// reader); submit() from any thread — `done` runs on the writer thread, so the caller hops
// back to its own executor. start()/stop() from one controlling thread; stop() answers every
// queued job with 50002 and joins both threads.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <variant>

#include "registry/state.h"
#include "registry/writes.h"

namespace brook::client {
class producer;
}

namespace brook::registry {

struct store_options {
    std::string bootstrap;           // the broker's Kafka listener, host:port
    std::string topic = "_schemas";
    int replication_factor = 1;      // of the topic when this store creates it
    int write_timeout_ms = 15000;    // produce + wait for the reader, before 50002
};

using write_result = std::variant<nlohmann::ordered_json, api_error>;
using planner = std::function<plan_outcome(const state&)>;

class store {
public:
    store(type_set types, store_options opts);
    ~store();
    store(const store&) = delete;
    store& operator=(const store&) = delete;

    void start();
    void stop();
    bool ready() const { return ready_.load(std::memory_order_acquire); }
    // The Kafka cluster's id as the broker reported it ("" until the reader asked).
    std::string kafka_cluster_id() const;

    template <class F>
    auto read(F&& f) const {
        std::shared_lock lock(mu_);
        return f(state_);
    }
    void submit(planner p, std::function<void(write_result)> done);

private:
    struct job {
        planner plan;
        std::function<void(write_result)> done;
    };
    void reader_loop();
    void writer_loop();
    write_result run(const job& j);
    std::optional<api_error> make_producer(); // writer thread
    void warm_up();                           // writer thread, before the first job
    bool attached() const;
    bool attach(); // writer: create the topic if absent and have the reader catch up on it

    type_set types_;
    store_options opts_;
    mutable std::shared_mutex mu_;
    state state_;

    std::atomic<bool> ready_{false}, stopping_{false};
    // Reader progress, guarded by progress_mu_: the next offset to apply, whether the reader
    // is assigned to the topic, and a request from the writer to assign.
    mutable std::mutex progress_mu_;
    std::condition_variable progress_cv_;
    int64_t applied_ = 0;
    bool attached_ = false, attach_requested_ = false, caught_up_ = false;
    std::string cluster_id_;

    std::mutex jobs_mu_;
    std::condition_variable jobs_cv_;
    std::deque<job> jobs_;

    std::unique_ptr<client::producer> producer_; // the writer thread's, made by its first append
    std::thread reader_, writer_;
};

// The schema types built into this binary (AVRO, JSON, PROTOBUF as their libraries exist).
std::vector<std::unique_ptr<schema_type>> builtin_types();

} // namespace brook::registry
