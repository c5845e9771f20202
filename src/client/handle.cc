#include "client/handle.h"

#include <array>
#include <cstdio>

namespace brook::client {

config base_config(const std::string& brokers) {
    return {
        {"bootstrap.servers", brokers},
        // A dead or mistyped address should fail within the caller's timeout, not back off
        // for the default 30 s per attempt.
        {"socket.connection.setup.timeout.ms", "5000"},
        {"reconnect.backoff.max.ms", "1000"},
    };
}

namespace {
// librdkafka logs connection failures itself; the caller gets them as error values and decides
// what to print, so a CLI's stderr carries one line that says what to fix.
void quiet_log(const rd_kafka_t*, int, const char*, const char*) {}
// Unless the caller asked for librdkafka's debug contexts ('debug', e.g. a SQL table's
// 'properties.debug'): then its lines are what they want to see.
void stderr_log(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
    std::fprintf(stderr, "%%%d|%s|%s| %s\n", level, fac, rd_kafka_name(rk), buf);
}
} // namespace

outcome<conf_handle> make_conf(const config& cfg) {
    conf_handle conf{rd_kafka_conf_new()};
    bool debug = false;
    for (const auto& [k, v] : cfg) debug = debug || (k == "debug" && !v.empty());
    rd_kafka_conf_set_log_cb(conf.get(), debug ? stderr_log : quiet_log);
    std::array<char, 512> err{};
    for (const auto& [k, v] : cfg) {
        if (rd_kafka_conf_set(conf.get(), k.c_str(), v.c_str(), err.data(), err.size()) != RD_KAFKA_CONF_OK)
            return error{RD_KAFKA_RESP_ERR__INVALID_ARG, "client config " + k + "=" + v + ": " + err.data()};
    }
    return conf;
}

outcome<kafka_handle> make_kafka(rd_kafka_type_t type, conf_handle conf) {
    std::array<char, 512> err{};
    // rd_kafka_new takes ownership of conf only on success.
    rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err.data(), err.size());
    if (!rk) return error{RD_KAFKA_RESP_ERR__INVALID_ARG, err.data()};
    (void)conf.release();
    return kafka_handle{rk};
}

namespace {
bool connection_failure(rd_kafka_resp_err_t code) {
    return code == RD_KAFKA_RESP_ERR__TRANSPORT || code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
           code == RD_KAFKA_RESP_ERR__RESOLVE;
}
} // namespace

error make_error(rd_kafka_resp_err_t code, std::string message) {
    if (message.empty()) message = rd_kafka_err2str(code);
    return error{static_cast<int>(code), std::move(message), connection_failure(code)};
}

error make_error(const rd_kafka_error_t* e) {
    error out = make_error(rd_kafka_error_code(e), rd_kafka_error_string(e));
    out.retriable = rd_kafka_error_is_retriable(e) != 0;
    out.abortable = rd_kafka_error_txn_requires_abort(e) != 0;
    out.fatal = rd_kafka_error_is_fatal(e) != 0;
    return out;
}

outcome<metadata_handle> fetch_metadata(rd_kafka_t* rk, int timeout_ms) {
    // Always all topics: asking for one by handle could auto-create it on brokers that allow it.
    const rd_kafka_metadata_t* md = nullptr;
    auto rc = rd_kafka_metadata(rk, 1, nullptr, &md, timeout_ms);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        error e = make_error(rc);
        // No metadata at all within the timeout: nothing answered (e.g. packets dropped).
        if (rc == RD_KAFKA_RESP_ERR__TIMED_OUT) e.unreachable = true;
        return e;
    }
    return metadata_handle{md};
}

} // namespace brook::client
