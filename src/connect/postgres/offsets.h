#pragma once
// The source's position, kept in a compacted topic (offset.storage.topic, default
// <prefix>.offsets) and written only inside the Kafka transaction that carries the change
// events up to it — so the topics and the position can never disagree.
//
// Record: key ["brook-cdc",{"server":"<prefix>","slot":"<slot>"}] (Kafka Connect's offset key
// shape); value {"state": "snapshot" | "streaming", "lsn": N, "lsn_text": "X/Y", "ts_ms": ...}.
//   state "snapshot":  a snapshot was started and never committed (nothing of it is visible to
//                      read_committed readers); a restart drops the slot and starts over.
//   state "streaming": every Postgres transaction whose commit ends at or before lsn is in the
//                      topics; a restart streams from lsn and skips what ends at or before it.
#include <optional>
#include <string>

#include "client/record.h"
#include "connect/error.h"
#include "connect/postgres/pgoutput.h"

namespace brook::connect::pg {

struct stored_position {
    bool snapshot_in_progress = false;
    lsn at = 0;
};

class offset_store {
public:
    offset_store(std::string topic, std::string prefix, std::string slot);

    // The last committed position (read_committed), nullopt when none is stored.
    expected<std::optional<stored_position>> read(const std::string& brokers, int timeout_ms) const;
    client::record record(const stored_position& p, int64_t ts_ms) const;
    const std::string& topic() const { return topic_; }

private:
    std::string topic_;
    std::string key_;
};

} // namespace brook::connect::pg
