#pragma once
// The transport under registry_client (and so `brook schema`, the CDC source and the stream
// engine's Avro format): a small synchronous HTTP/1.1 client (Boost.Beast, header-only), one
// request per connection, http:// only. Every request is bounded twice: reaching the registry
// (resolve + connect) by `connect_ms`, so an unreachable registry fails within seconds and says
// so, and the whole exchange by `request_ms`. Errors are values. Runs on the calling thread
// (it owns a private io_context per request); safe to call from any one thread at a time.
#include <string>
#include <string_view>
#include <variant>

namespace brook::client {

// Where the registry lives: "http://HOST[:PORT][/PATH]". The path is a prefix every request
// target is appended to (a registry behind a reverse proxy at /registry).
struct registry_url {
    std::string host;
    std::string port = "80";
    std::string prefix; // "" or "/path" without a trailing slash
    std::string text;   // as the user wrote it, for messages
};

// Parses --registry. https:// gets its own message (TLS is not built in yet); anything else
// that is not http://HOST[:PORT][/PATH] says what was expected. Returns the URL or the reason.
std::variant<registry_url, std::string> parse_registry_url(std::string_view s);

// Percent-encodes a subject (or any path segment) so '/', '?', '%', spaces and non-ASCII
// bytes reach the registry as part of the one segment (RFC 3986 unreserved chars stay as is).
std::string encode_path_segment(std::string_view s);

struct http_reply {
    int status = 0;
    std::string content_type;
    std::string body;
};

struct http_failure {
    std::string message;
    // Nothing answered: name not resolved, connection refused, or no connection within
    // connect_ms. A registry that accepted the connection and then went quiet is not this.
    bool unreachable = false;
};

struct http_timeouts {
    int connect_ms = 5000;
    int request_ms = 30000;
};

// Sends METHOD prefix+target with an optional JSON body (Content-Type and Accept as
// Confluent's clients send them) and reads the whole reply.
std::variant<http_reply, http_failure> http_request(const registry_url& url, std::string_view method,
                                                    std::string_view target, std::string_view body,
                                                    const http_timeouts& t = {});

} // namespace brook::client
