#pragma once
// Reads file ranges that are not in the page cache on helper threads, so that the shard
// thread which then serves them (a fetch's header walk and send) does not block on the disk
// and stall every other connection on the shard. Kafka fixed the same stall in its network
// threads by reading ahead in the request handler (KAFKA-7504).
//
// Warming is advice: a page read here can be evicted again before it is used, and then the
// shard blocks once, as it would have anyway. Errors are ignored; the real read reports them.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <vector>

#include "base/file_range.h"

namespace brook::broker {

namespace asio = boost::asio;

class page_warmer {
public:
    explicit page_warmer(unsigned threads) : pool_(threads) {}
    ~page_warmer() { stop(); }

    // Completes, on the caller's executor, once every range has been read once.
    asio::awaitable<void> warm(std::vector<file_range> ranges);
    // Joins the helper threads (after the shards stopped).
    void stop() { pool_.join(); }

private:
    asio::thread_pool pool_;
};

} // namespace brook::broker
