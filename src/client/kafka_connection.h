#pragma once
// A minimal blocking Kafka protocol connection, for the requests librdkafka 2.0.2 has no API
// for (DescribeClientQuotas, AlterClientQuotas). It speaks the wire protocol with the
// generated codecs of src/protocol (a pure message library: no broker internals), so it works
// against any Kafka-compatible broker, like the rest of src/client.
//
// connect() tries each bootstrap address in turn and asks ApiVersions; call() sends one
// request at a version both sides speak and waits for its response. Every step is bounded by
// the timeout given; nothing is retried. One thread owns a connection; it is not thread-safe.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/error.h"
#include "protocol/headers.h"
#include "protocol/messages.h"

namespace brook::client {

// The response type of each request kafka_connection may send.
template <class Request>
struct kafka_response;
template <>
struct kafka_response<protocol::ApiVersionsRequest> {
    using type = protocol::ApiVersionsResponse;
};
template <>
struct kafka_response<protocol::DescribeClientQuotasRequest> {
    using type = protocol::DescribeClientQuotasResponse;
};
template <>
struct kafka_response<protocol::AlterClientQuotasRequest> {
    using type = protocol::AlterClientQuotasResponse;
};

class kafka_connection {
public:
    // `brokers`: "host:port[,host:port...]". error::unreachable when none answers ApiVersions.
    static outcome<kafka_connection> connect(const std::string& brokers, int timeout_ms,
                                             std::string client_id = "brook-cli");
    kafka_connection(kafka_connection&& o) noexcept;
    kafka_connection& operator=(kafka_connection&& o) noexcept;
    kafka_connection(const kafka_connection&) = delete;
    kafka_connection& operator=(const kafka_connection&) = delete;
    ~kafka_connection();

    const std::string& address() const { return address_; }
    // The highest version of `api_key` both the broker and our codecs speak; nullopt: none.
    std::optional<int16_t> common_version(int16_t api_key, int16_t our_min, int16_t our_max) const;

    // Sends `req` at `version` and decodes the response. A transport error or a response that
    // does not decode is an error (code -195, transport, as librdkafka names it).
    template <class Request, class Response = typename kafka_response<Request>::type>
    outcome<Response> call(const Request& req, int16_t version, int timeout_ms) {
        std::vector<uint8_t> body;
        protocol::writer w(body);
        req.encode(w, version);
        auto bytes = exchange(Request::api_key, version, body, timeout_ms);
        if (!bytes) return bytes.err();
        protocol::reader r(bytes->first);
        (void)r.raw(bytes->second); // the response header
        Response resp;
        if (!resp.decode(r, version) || !r.ok())
            return error{-195, "the broker at " + address_ + " sent a response that does not decode", false};
        return resp;
    }

private:
    kafka_connection(int fd, std::string address, std::string client_id) : fd_(fd), address_(std::move(address)), client_id_(std::move(client_id)) {}
    // Sends one request frame, returns the response frame and the size of its header.
    outcome<std::pair<std::vector<uint8_t>, size_t>> exchange(int16_t key, int16_t version,
                                                              const std::vector<uint8_t>& body, int timeout_ms);
    status api_versions(int timeout_ms);

    int fd_ = -1;
    std::string address_;
    std::string client_id_;
    int32_t next_correlation_ = 1;
    std::map<int16_t, std::pair<int16_t, int16_t>> versions_; // key -> (min, max) the broker serves
};

} // namespace brook::client
