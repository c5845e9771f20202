#pragma once
// free_space: the disk-full policy. Below `storage.min.free.bytes` free on the file system
// holding the data directory, Produce is refused with a retriable error (Redpanda's choice:
// KAFKA_STORAGE_ERROR from Produce v4, BROKER_NOT_AVAILABLE before, with the message below)
// while Fetch, offset commits and topic deletes keep working, so that space can be freed and
// consumers keep up. Produce resumes by itself once a later check sees enough space.
//
// Free space is checked with statvfs on a timer (shard 0, every
// storage.free.space.check.interval.ms), never per request; low() is one relaxed load, callable
// from any shard. Each change of state is logged once.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "base/error_code.h"

namespace brook::broker {

class free_space {
public:
    // min_free_bytes 0 turns the policy off (appends then fail only on ENOSPC itself).
    free_space(std::filesystem::path dir, int64_t min_free_bytes);

    // statvfs now; updates low() and logs a change of state.
    void check();
    // check() every `interval` until the io_context stops.
    boost::asio::awaitable<void> run(std::chrono::milliseconds interval);

    bool low() const { return low_.load(std::memory_order_relaxed); }
    uint64_t free_bytes() const { return free_.load(std::memory_order_relaxed); }
    // The Produce error for a request of `version`, and its message.
    static error_code produce_error(int16_t version) {
        return version >= 4 ? error_code::kafka_storage_error : error_code::broker_not_available;
    }
    std::string message() const;

private:
    std::filesystem::path dir_;
    uint64_t min_free_;
    std::atomic<bool> low_{false};
    std::atomic<uint64_t> free_{UINT64_MAX};
};

} // namespace brook::broker
