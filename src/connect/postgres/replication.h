#pragma once
// A logical replication session over libpq (replication=database): slot creation with an
// exported snapshot, START_REPLICATION with pgoutput proto_version 1, the CopyBoth stream of
// XLogData and keepalives, and standby status updates.
//
// Guarantees: status updates report only what the caller confirmed (confirm()); they go out at
// least every status interval while the caller keeps calling next() (whose wait is capped at
// that interval), and at once when the server asks for a reply — so wal_sender_timeout is
// never reached by a live source. Threads: one thread owns a session.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "connect/error.h"
#include "connect/postgres/pg_conn.h"
#include "connect/postgres/pgoutput.h"

namespace brook::connect::pg {

struct created_slot {
    lsn consistent_point = 0;
    std::string snapshot_name; // valid until the next command on this session
};

// One pgoutput message from the stream, with where it sits in the WAL.
struct wal_message {
    lsn start = 0;                   // XLogData dataStart
    std::vector<uint8_t> payload;
};

class replication_session {
public:
    static expected<replication_session> open(const std::string& dsn, std::chrono::milliseconds status_interval);

    expected<created_slot> create_slot(const std::string& slot);
    status drop_slot(const std::string& slot);
    // Enters streaming from `from` (the server starts at max(from, confirmed_flush_lsn)).
    status start(const std::string& slot, const std::string& publication, lsn from);

    // The next message, or nullopt when none arrived within timeout (keepalives are handled
    // here). A closed stream or a server error is a failure.
    expected<std::optional<wal_message>> next(std::chrono::milliseconds timeout);

    // Everything up to `l` is durable downstream: report it as written/flushed/applied.
    void confirm(lsn l) { if (l > confirmed_) confirmed_ = l; }
    lsn confirmed() const { return confirmed_; }
    // The WAL position of the server's last keepalive (0 before the first). Every transaction
    // committed before it was sent ahead of that keepalive, so once the caller has handled all
    // messages next() returned, nothing before this position is outstanding. (XLogData's walEnd
    // is not used: the server may hold decoded-but-unsent transactions below it.)
    lsn keepalive_end() const { return keepalive_end_; }
    // Sends a status update now (also used before a clean shutdown).
    status send_status(bool reply_requested = false);

    connection& conn() { return conn_; }

private:
    replication_session(connection c, std::chrono::milliseconds interval) : conn_(std::move(c)), interval_(interval) {}
    status maybe_send_status();

    connection conn_;
    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point last_status_{};
    lsn confirmed_ = 0;
    lsn keepalive_end_ = 0;
    bool streaming_ = false;
};

} // namespace brook::connect::pg
