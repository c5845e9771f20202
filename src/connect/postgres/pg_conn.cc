#include "connect/postgres/pg_conn.h"

#include <array>

namespace brook::connect::pg {

namespace {
// The walsender prints values with the session's settings: fix them so parsing never depends
// on the server's postgresql.conf.
constexpr const char* session_options =
    "-c DateStyle=ISO,YMD -c TimeZone=UTC -c IntervalStyle=iso_8601 -c bytea_output=hex "
    "-c extra_float_digits=3 -c client_encoding=UTF8";

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}
} // namespace

expected<connection> connection::open(const std::string& dsn, bool replication) {
    // expand_dbname: the DSN is a full connection string; the keywords after it override it.
    std::array<const char*, 5> keys{"dbname", "options", "application_name", nullptr, nullptr};
    std::array<const char*, 5> values{dsn.c_str(), session_options, "brook-cdc", nullptr, nullptr};
    if (replication) {
        keys[3] = "replication";
        values[3] = "database";
    }
    PGconn* c = PQconnectdbParams(keys.data(), values.data(), 1);
    connection conn(c);
    if (!c) return usage_error("cannot connect to Postgres: out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
        std::string why = trim(PQerrorMessage(c));
        // libpq's messages span lines ("connection to server at ... failed: ..."): one line.
        for (auto& ch : why)
            if (ch == '\n') ch = ' ';
        if (replication && why.find("replication") != std::string::npos)
            return usage_error("cannot open a replication connection (" + why +
                               "); give the user the REPLICATION attribute (ALTER ROLE <user> REPLICATION) and allow "
                               "it in pg_hba.conf");
        return usage_error("cannot connect to Postgres (" + why + "); check --dsn (host, port, user, dbname, password)");
    }
    return conn;
}

std::string connection::error_message() const { return trim(PQerrorMessage(c_.get())); }

expected<result> connection::check(PGresult* raw, const std::string& sql) {
    result r(raw);
    const auto st = PQresultStatus(raw);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_BOTH) {
        sqlstate_.clear();
        return r;
    }
    const char* state = raw ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
    sqlstate_ = state ? state : "";
    const char* msg = raw ? PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    return runtime_error(msg ? std::string(msg) : error_message());
}

expected<result> connection::exec(const std::string& sql) { return check(PQexec(c_.get(), sql.c_str()), sql); }

expected<result> connection::exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                                         const std::vector<uint32_t>& types) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    return check(PQexecParams(c_.get(), sql.c_str(), static_cast<int>(values.size()),
                              types.empty() ? nullptr : reinterpret_cast<const Oid*>(types.data()), values.data(),
                              nullptr, nullptr, 0),
                 sql);
}

std::string connection::quote_ident(const std::string& s) const {
    char* q = PQescapeIdentifier(c_.get(), s.data(), s.size());
    std::string out = q ? q : "\"\"";
    PQfreemem(q);
    return out;
}

std::string connection::quote_literal(const std::string& s) const {
    char* q = PQescapeLiteral(c_.get(), s.data(), s.size());
    std::string out = q ? q : "''";
    PQfreemem(q);
    return out;
}

} // namespace brook::connect::pg
