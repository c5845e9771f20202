#pragma once
// The source's only way into Kafka: a transactional producer (transactional.id
// brook-cdc-<prefix>-<slot>) whose every commit carries the position record with it.
// init at create() fences any older instance of the same source and aborts what it left open.
//
// Guarantees: records sent since the last commit become visible (read_committed) together with
// the position passed to commit(), or not at all. A commit that fails is reported as a failure
// after aborting where librdkafka allows; the caller then stops (a restart resumes from the
// last committed position). Threads: one thread owns it.
#include <cstdint>
#include <string>
#include <vector>

#include "client/producer.h"
#include "connect/error.h"
#include "connect/postgres/offsets.h"
#include "connect/postgres/options.h"

namespace brook::connect::pg {

class txn_writer {
public:
    static expected<txn_writer> create(const cdc_options& o, offset_store offsets);

    // Fetches the topics' metadata up front (see client::producer::prepare_topics).
    status prepare_topics(const std::vector<std::string>& topics);
    // Sends r in the open transaction, beginning one when none is open.
    status send(client::record&& r);
    // Adds the position record and commits. Retries a commit librdkafka calls retriable.
    status commit(const stored_position& p);
    // Commits what was sent, with no position (a one-off snapshot that has nothing to resume).
    status commit_records();
    void abort();

    bool open() const { return open_; }
    int64_t records_in_transaction() const { return pending_; }
    int64_t committed_records() const { return committed_; }

private:
    txn_writer(client::producer p, offset_store offsets) : producer_(std::move(p)), offsets_(std::move(offsets)) {}
    client::producer producer_;
    offset_store offsets_;
    bool open_ = false;
    int64_t pending_ = 0;
    int64_t committed_ = 0;
};

} // namespace brook::connect::pg
