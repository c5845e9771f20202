#pragma once
// open_logs(): opens many partition logs at once on helper threads — start-up recovery of
// every partition, and a CreateTopics of thousands. Opening a partition is mostly waiting for
// directory and file syncs; run side by side, ext4 folds them into shared journal commits (on
// the 2-vCPU VM of docs/performance.md one thread takes ~4 ms a partition, sixteen ~0.5 ms).
//
// Blocking: call it where blocking is fine (before the shards run, or on a helper pool), never
// on a shard thread. The logs it returns are handed to their owner shards afterwards.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/partition_log.h"

namespace brook::broker {

struct open_job {
    std::string topic;
    int32_t partition = 0;
    std::filesystem::path dir;
    storage::log_config cfg;
    storage::partition_log::open_options opts;
    std::string failure; // set by open_logs when the open failed: the I/O error storage logged, if any
};

// One result per job, in order. Errors are the partition_log::open errors (each logged there).
std::vector<result<std::unique_ptr<storage::partition_log>>> open_logs(std::vector<open_job>& jobs, unsigned threads = 16);

// The cause an offline partition is reported with, from its open error.
std::string open_failure_cause(const open_job& j, error_code e);

} // namespace brook::broker
