#pragma once
// Owning wrappers over libpq: a connection (normal or replication=database) and a query
// result, with failures as values carrying Postgres' own message. Every connection is set to
// the text formats the type mapping expects (ISO dates, UTC, ISO-8601 intervals, hex bytea,
// round-trip floats), for normal queries and for what the walsender prints alike.
// Threads: one thread owns a connection (libpq's rule).
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connect/error.h"

namespace brook::connect::pg {

struct result_deleter { void operator()(PGresult* r) const { PQclear(r); } };

class result {
public:
    explicit result(PGresult* r) : r_(r) {}
    int rows() const { return PQntuples(r_.get()); }
    int columns() const { return PQnfields(r_.get()); }
    bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
    std::string get(int row, int col) const {
        return {PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col))};
    }
    std::optional<std::string> get_opt(int row, int col) const {
        if (null(row, col)) return std::nullopt;
        return get(row, col);
    }
    PGresult* raw() const { return r_.get(); }

private:
    std::unique_ptr<PGresult, result_deleter> r_;
};

class connection {
public:
    // replication=true opens a logical replication connection (replication=database), which
    // also runs plain SQL while not streaming. Failures are usage errors naming the DSN's host
    // and Postgres' reason: the user fixes the DSN or the server.
    static expected<connection> open(const std::string& dsn, bool replication);

    // Simple query protocol (the only one a replication connection accepts). The SQLSTATE of
    // a failure is kept in the failure message's prefix-free text and in last_sqlstate().
    expected<result> exec(const std::string& sql);
    expected<result> exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                                 const std::vector<uint32_t>& types = {});
    const std::string& last_sqlstate() const { return sqlstate_; }

    std::string quote_ident(const std::string& s) const;
    std::string quote_literal(const std::string& s) const;

    PGconn* raw() const { return c_.get(); }
    std::string error_message() const;

private:
    struct conn_deleter { void operator()(PGconn* c) const { PQfinish(c); } };
    explicit connection(PGconn* c) : c_(c) {}
    expected<result> check(PGresult* r, const std::string& sql);
    std::unique_ptr<PGconn, conn_deleter> c_;
    std::string sqlstate_;
};

} // namespace brook::connect::pg
