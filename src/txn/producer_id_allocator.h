#pragma once
// Hands out producer ids that are never reused, across restarts.
//
// File format (`<data>/_meta/producer_ids`): one line, the decimal id of the first id not
// yet reserved. Ids are reserved in blocks: before the first id of a new block is handed
// out, the block's end is written (temp file + fsync + rename + fsync of the directory),
// so a crash can skip ids but never repeat one. Not thread-safe: one owner (shard 0).
#include <cstdint>
#include <filesystem>

#include "base/named_type.h"
#include "base/result.h"

namespace brook::txn {

class producer_id_allocator {
public:
    static constexpr int64_t block_size = 1000;
    // Reads the reservation file (absent: start at 0). Throws std::runtime_error if it is
    // unreadable or corrupt — a start-up failure, never silently reset.
    explicit producer_id_allocator(std::filesystem::path meta_dir);
    // A new producer id; KAFKA_STORAGE_ERROR if the reservation could not be made durable.
    result<producer_id> next();

private:
    bool reserve_through(int64_t end);
    std::filesystem::path file_;
    int64_t next_ = 0;
    int64_t reserved_end_ = 0;
};

} // namespace brook::txn
