#pragma once
// A partition as its owner shard serves it: the storage log plus the operations waiting
// on it. Owned by exactly one shard; every member is called on that shard's thread.
//
// Fetch long-polls register a wake-up here; the next advance of the high watermark wakes them
// all (one-shot), so a waiting fetch is completed by the sync that makes data visible, never by
// polling.
//
// The high watermark is the durable offset (Redpanda's choice, docs/architecture.md): consumers
// of either isolation level never see, nor commit offsets of, data that a power cut could still
// take away and whose offsets a restart would then hand out again. The flusher syncs acks=0/1
// data within log.flush.interval.ms, so they are not starved.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "storage/partition_log.h"

namespace brook::broker {

namespace asio = boost::asio;

// Shared by a waiting fetch and the partitions it watches. The timer lives on the fetch's
// shard; other shards wake it by posting a cancel there.
struct fetch_wakeup {
    explicit fetch_wakeup(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    bool woken = false;
};

class partition {
public:
    partition(std::string topic, int32_t index, std::unique_ptr<storage::partition_log> log)
        : topic_(std::move(topic)), index_(index), log_(std::move(log)) {}

    const std::string& topic() const { return topic_; }
    int32_t index() const { return index_; }
    storage::partition_log& log() { return *log_; }

    // High watermark: everything below it is on stable storage (flushed_offset).
    offset high_watermark() const { return log_->flushed_offset(); }
    // What read_committed consumers may read: below the first open transaction.
    offset last_stable_offset() const { return std::min(log_->last_stable_offset(), high_watermark()); }

    // Appended traffic since the partition was opened (for /metrics); owner shard only.
    struct traffic_counters {
        uint64_t bytes_in = 0;
        uint64_t records_in = 0;
    };
    traffic_counters traffic;

    void add_waiter(const std::shared_ptr<fetch_wakeup>& w);
    // Wakes (and forgets) every registered fetch; called when the high watermark advances (the
    // flusher, after a sync) and when the partition goes away.
    void notify_appended();

private:
    std::string topic_;
    int32_t index_;
    std::unique_ptr<storage::partition_log> log_;
    std::vector<std::weak_ptr<fetch_wakeup>> waiters_;
};

} // namespace brook::broker
