#pragma once
// log_cleaner: the cleaner threads (Kafka's log.cleaner.threads). Each thread owns one
// offset_map of log.cleaner.dedupe.buffer.size / threads bytes and runs one pass (cleaner.h)
// at a time from a FIFO queue; shards submit plans and get the result through a callback on
// the cleaner thread (which posts it back to the owner shard: partition_log is the shard's).
// No shard thread ever waits for a cleaner thread.
//
// Thread-safety: submit(), dispose(), totals() and stop() may be called from any thread.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/result.h"
#include "storage/cleaner.h"
#include "storage/segment.h"

namespace brook::storage {

class log_cleaner {
public:
    struct options {
        unsigned threads = 1;
        size_t dedupe_buffer_bytes = size_t(128) << 20;
        double load_factor = 0.9;
        int64_t io_bytes_per_second = 0; // 0: unpaced (log.cleaner.io.max.bytes.per.second)
    };
    // What the threads did since start (for logs, metrics and the bench).
    struct totals_t {
        uint64_t passes = 0;
        uint64_t failures = 0;
        uint64_t bytes_read = 0;
        uint64_t bytes_written = 0;
        size_t peak_memory_bytes = 0; // the largest clean_stats::peak_memory_bytes() of any pass
    };
    using done_fn = std::function<void(result<clean_result>)>;

    explicit log_cleaner(options o);
    ~log_cleaner(); // stop()
    log_cleaner(const log_cleaner&) = delete;
    log_cleaner& operator=(const log_cleaner&) = delete;

    // Queues a pass; `done` runs on the cleaner thread when it ends (not at all after stop()).
    void submit(clean_plan plan, done_fn done);
    // Destroys segments a swap retired, on a cleaner thread.
    void dispose(std::vector<std::unique_ptr<segment>> retired);
    totals_t totals() const;
    // Cancels the running passes (their `.cleaned` output is discarded at the next open or
    // pass), drops the queue and joins the threads. Idempotent.
    void stop();

private:
    struct job {
        clean_plan plan;
        done_fn done;
        std::vector<std::unique_ptr<segment>> retired; // a dispose() job when plan has no segments
    };
    void run(size_t budget);

    options opts_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<job> queue_;
    std::atomic<bool> stop_{false};
    totals_t totals_;
    std::vector<std::thread> threads_;
};

} // namespace brook::storage
