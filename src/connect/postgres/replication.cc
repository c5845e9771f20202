#include "connect/postgres/replication.h"

#include <poll.h>

#include "base/endian.h"

namespace brook::connect::pg {

namespace {
// Microseconds since 2000-01-01, the clock standby status updates carry.
int64_t pg_now_us() {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    return us - 946684800000000LL;
}
} // namespace

expected<replication_session> replication_session::open(const std::string& dsn, std::chrono::milliseconds interval) {
    auto c = connection::open(dsn, true);
    if (!c) return c.err();
    return replication_session(std::move(*c), interval);
}

expected<created_slot> replication_session::create_slot(const std::string& slot) {
    auto r = conn_.exec("CREATE_REPLICATION_SLOT " + conn_.quote_ident(slot) + " LOGICAL pgoutput EXPORT_SNAPSHOT");
    if (!r) {
        if (conn_.last_sqlstate() == "42501")
            return usage_error("cannot create replication slot " + slot + ": " + r.err().message +
                               "; give the user the REPLICATION attribute (ALTER ROLE ... REPLICATION)");
        if (conn_.last_sqlstate() == "53400")
            return usage_error("cannot create replication slot " + slot + ": " + r.err().message +
                               "; raise max_replication_slots or drop unused slots");
        return runtime_error("creating replication slot " + slot + ": " + r.err().message);
    }
    created_slot s;
    if (!parse_lsn(r->get(0, 1), s.consistent_point))
        return runtime_error("CREATE_REPLICATION_SLOT returned a bad consistent point: " + r->get(0, 1));
    s.snapshot_name = r->get(0, 2);
    return s;
}

status replication_session::drop_slot(const std::string& slot) {
    auto r = conn_.exec("DROP_REPLICATION_SLOT " + conn_.quote_ident(slot) + " WAIT");
    if (!r) return runtime_error("dropping replication slot " + slot + ": " + r.err().message);
    return done{};
}

status replication_session::start(const std::string& slot, const std::string& publication, lsn from) {
    const std::string sql = "START_REPLICATION SLOT " + conn_.quote_ident(slot) + " LOGICAL " + format_lsn(from) +
                            " (proto_version '1', publication_names " + conn_.quote_literal(conn_.quote_ident(publication)) + ")";
    auto r = conn_.exec(sql);
    if (!r) return runtime_error("START_REPLICATION on slot " + slot + ": " + r.err().message);
    if (PQresultStatus(r->raw()) != PGRES_COPY_BOTH) return runtime_error("START_REPLICATION did not enter streaming");
    streaming_ = true;
    confirmed_ = std::max(confirmed_, from);
    last_status_ = std::chrono::steady_clock::now();
    return done{};
}

status replication_session::send_status(bool reply_requested) {
    if (!streaming_) return done{};
    uint8_t msg[34];
    msg[0] = 'r';
    store_be<uint64_t>(msg + 1, confirmed_);  // written
    store_be<uint64_t>(msg + 9, confirmed_);  // flushed: the slot's confirmed_flush_lsn follows this
    store_be<uint64_t>(msg + 17, confirmed_); // applied
    store_be<int64_t>(msg + 25, pg_now_us());
    msg[33] = reply_requested ? 1 : 0;
    if (PQputCopyData(conn_.raw(), reinterpret_cast<const char*>(msg), sizeof msg) != 1 || PQflush(conn_.raw()) != 0)
        return runtime_error("sending a status update to Postgres: " + conn_.error_message());
    last_status_ = std::chrono::steady_clock::now();
    return done{};
}

status replication_session::maybe_send_status() {
    if (std::chrono::steady_clock::now() - last_status_ >= interval_) return send_status();
    return done{};
}

expected<std::optional<wal_message>> replication_session::next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto s = maybe_send_status(); !s) return s.err();
        char* buf = nullptr;
        const int n = PQgetCopyData(conn_.raw(), &buf, 1);
        if (n == 0) {
            // Nothing buffered: wait for the socket, but never past the next status update.
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) return std::optional<wal_message>{};
            auto wait = std::min(deadline - now, interval_ - (now - last_status_));
            const int ms = static_cast<int>(std::max<int64_t>(
                0, std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()));
            pollfd p{PQsocket(conn_.raw()), POLLIN, 0};
            if (::poll(&p, 1, ms) > 0 && PQconsumeInput(conn_.raw()) == 0)
                return runtime_error("replication stream: " + conn_.error_message());
            continue;
        }
        if (n == -1) {
            streaming_ = false;
            PGresult* res = PQgetResult(conn_.raw());
            std::string why = res ? PQresultErrorMessage(res) : "";
            if (res) PQclear(res);
            if (why.empty()) why = conn_.error_message();
            while (!why.empty() && why.back() == '\n') why.pop_back();
            return runtime_error("the replication stream ended: " + why);
        }
        if (n == -2) return runtime_error("replication stream: " + conn_.error_message());
        std::unique_ptr<char, decltype(&PQfreemem)> own(buf, &PQfreemem);
        const auto* p = reinterpret_cast<const uint8_t*>(buf);
        if (p[0] == 'k' && n >= 18) {
            // Primary keepalive: walEnd, sendTime, replyRequested.
            keepalive_end_ = std::max(keepalive_end_, load_be<uint64_t>(p + 1));
            if (p[17] != 0)
                if (auto s = send_status(); !s) return s.err();
            continue;
        }
        if (p[0] == 'w' && n >= 25) {
            wal_message m;
            m.start = load_be<uint64_t>(p + 1);
            m.payload.assign(p + 25, p + n);
            return std::optional<wal_message>{std::move(m)};
        }
        return runtime_error("replication stream: unexpected message '" + std::string(1, static_cast<char>(p[0])) + "'");
    }
}

} // namespace brook::connect::pg
