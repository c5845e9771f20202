#pragma once
// offline_partitions: the partitions this broker knows (topic metadata has them) but cannot
// serve, each with its cause: a partition that failed to open at start-up (I/O error, a
// directory of another topic id) is marked here instead of stopping the broker. Metadata
// answers them with KAFKA_STORAGE_ERROR and no leader, Produce and Fetch with
// KAFKA_STORAGE_ERROR; the admin API and /metrics list them. Marking logs one error line.
//
// A partition that storage takes out of service at run time (partition_log::out_of_service,
// EIO) is marked here too, by the shard's housekeeping, within one retention-check interval.
//
// Thread-safety: one shared, mutex-guarded map; readers on the data path check any() (one
// relaxed atomic) first, so a broker with nothing offline pays nothing more.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace brook::broker {

class offline_partitions {
public:
    struct entry {
        std::string topic;
        int32_t partition = 0;
        std::string cause;
    };

    // Marks the partition offline with `cause` and logs it (once per partition).
    void mark(const std::string& topic, int32_t partition, std::string cause);
    // Forgets every partition of `topic` (deleted, or its creation rolled back).
    void forget_topic(const std::string& topic);

    bool any() const { return count_.load(std::memory_order_relaxed) > 0; }
    bool contains(const std::string& topic, int32_t partition) const;
    std::optional<std::string> cause(const std::string& topic, int32_t partition) const;
    // Sorted by topic, then partition.
    std::vector<entry> list() const;

private:
    mutable std::mutex mu_;
    std::map<std::pair<std::string, int32_t>, std::string> causes_;
    std::atomic<size_t> count_{0};
};

} // namespace brook::broker
