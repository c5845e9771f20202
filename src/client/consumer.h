#pragma once
// A Kafka consumer: either assign() partitions at chosen offsets (no group.id in the config:
// nothing is committed and no group appears on the broker), or subscribe() with group.id set
// and let the group coordinator assign them.
//
// Guarantees: poll() returns records of a partition in offset order, and a partition_end when
// the consumer has caught up with a partition's high watermark (enable.partition.eof is on),
// so a caller can stop "at the end" without guessing from timeouts. Records are plain values.
// Threads: one thread owns a consumer. close() leaves the group cleanly (commits first when
// enable.auto.commit is on); the destructor closes too, so a group is never left hanging.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "client/config.h"
#include "client/error.h"
#include "client/handle.h"
#include "client/record.h"

namespace brook::client {

// The consumer reached the end of tp: offset is the next offset to be written.
struct partition_end {
    topic_partition tp;
    int64_t offset = 0;
};

// What one poll yields: nothing within the timeout, a record, or an end-of-partition mark.
using poll_event = std::variant<std::monostate, record, partition_end>;

class consumer {
public:
    static outcome<consumer> create(const config& cfg);
    consumer(consumer&&) = default;
    consumer& operator=(consumer&&) = default;
    ~consumer();

    status assign(const std::vector<partition_offset>& partitions);
    status subscribe(const std::vector<std::string>& topics);
    outcome<poll_event> poll(int timeout_ms);
    // Commits the offsets of the records returned so far, synchronously.
    status commit();
    status close();

    // For consume-transform-produce: this member's group identity (group id, member id,
    // generation) to hand to producer::send_offsets_to_transaction with positions().
    outcome<client::group_metadata> txn_group_metadata() const;
    // The offset after the last record poll() returned, per assigned partition; partitions
    // nothing was read from yet are left out (there is nothing to commit for them).
    outcome<std::vector<partition_offset>> positions() const;
    // The group's committed offset and metadata of each of `partitions`, asked of the group
    // coordinator (read_committed: a pending transaction's offsets wait until it ends).
    outcome<std::vector<committed_offset>> committed(const std::vector<topic_partition>& partitions, int timeout_ms) const;

private:
    explicit consumer(kafka_handle rk) : rk_(std::move(rk)) {}
    kafka_handle rk_;
    bool closed_ = false;
};

} // namespace brook::client
