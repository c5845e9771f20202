#pragma once
// What the broker keeps per Kafka connection (in net::connection_info::handler_state, made
// by the dispatcher on the first request): its entry in the connection tally for /metrics and
// the client quota sensors resolved for it. Shard thread of the connection only.
#include <boost/asio/steady_timer.hpp>

#include <memory>

#include "broker/quota_manager.h"
#include "broker/shard_metrics.h"

namespace brook::broker {

struct connection_state {
    explicit connection_state(shard_metrics& m) : tally(m, "unknown") {}
    connection_tally tally;
    connection_quotas quotas;
    // Produce requests of a connection under producer_byte_rate pass the quota one at a time,
    // in the order they were read (tickets taken before the dispatcher's first suspension), so
    // requests read ahead of a throttled response wait as a muted Kafka channel would keep
    // them unread, and an idempotent producer's batches are appended in order.
    struct quota_gate {
        uint64_t next_ticket = 0;
        uint64_t turn = 0;
        // Never expires; cancel() wakes every waiter to look at `turn` again.
        std::unique_ptr<boost::asio::steady_timer> wake;
    };
    quota_gate produce_gate;
};

} // namespace brook::broker
