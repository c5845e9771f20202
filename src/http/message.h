#pragma once
// The HTTP request a route handler sees and the response it returns: plain values with no
// Beast types, so handlers (admin API, schema registry) compile without Beast and can be
// tested without a socket.
//
// Every error answer has a JSON body {"error_code": N, "message": "..."} (the Confluent
// schema registry's shape): N is the HTTP status unless the caller names a finer code
// (40401 "subject not found" style).
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace brook::http {

struct request {
    std::string method; // upper case, as on the wire: "GET"
    std::string path;   // target without the query, not percent-decoded
    std::string query;  // after '?', raw; empty if none
    std::vector<std::pair<std::string, std::string>> headers; // names lower-cased
    std::string body;
    std::map<std::string, std::string> params; // path parameters filled by the router

    // The path parameter `name` ("" if the route has none of that name).
    const std::string& param(const std::string& name) const;
    // The first header named `name` (lower case), if any.
    std::optional<std::string> header(const std::string& name) const;
};

struct response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; // extra headers (Allow, ...)
};

// 200 (or `status`) with `body` serialised as JSON.
response json_response(const nlohmann::json& body, int status = 200);
// Plain text, e.g. the Prometheus exposition ("text/plain; version=0.0.4; charset=utf-8").
response text_response(std::string body, std::string content_type, int status = 200);
// An error: `status` with {"error_code": error_code or status, "message": message}.
response error_response(int status, std::string message, std::optional<int> error_code = std::nullopt);

// The body parsed as JSON, or a 400 error response ("request body is not valid JSON").
struct json_body_result {
    std::optional<nlohmann::json> value;
    std::optional<response> error;
};
json_body_result parse_json_body(const request& req);

} // namespace brook::http
