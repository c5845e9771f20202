#pragma once
// The transaction coordinator's marker writer: appends a transaction's COMMIT or ABORT control
// batch to every partition of the transaction, each on its owner shard, and completes once all
// of them are durable. Kafka's coordinator does the same with WriteTxnMarkers requests to the
// partition leaders; on one node it is a hop to each owner shard.
//
// A partition whose topic was deleted is skipped (nothing left to mark). `__consumer_offsets`
// goes through the group service, which must also make the transaction's pending offsets
// visible (commit) or drop them (abort). Callable from any shard; resumes on the caller's.
#include <boost/asio/awaitable.hpp>

#include <string>
#include <vector>

#include "base/error_code.h"
#include "base/named_type.h"

namespace brook::broker {

class broker;

struct txn_marker_batch {
    producer_id pid;
    producer_epoch epoch;
    bool commit = false;
    int32_t coordinator_epoch = 0;
    struct target {
        std::string topic;
        int32_t partition = 0;
    };
    std::vector<target> partitions;
};

// none once every marker is durable; otherwise the first error (the coordinator retries the
// whole batch: a marker written twice is harmless, the second one ends no transaction).
boost::asio::awaitable<error_code> write_txn_markers(broker& b, const txn_marker_batch& batch);

} // namespace brook::broker
