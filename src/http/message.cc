#include "http/message.h"

#include <nlohmann/json.hpp>

namespace brook::http {

const std::string& request::param(const std::string& name) const {
    static const std::string none;
    auto it = params.find(name);
    return it == params.end() ? none : it->second;
}

std::optional<std::string> request::header(const std::string& name) const {
    for (const auto& [k, v] : headers)
        if (k == name) return v;
    return std::nullopt;
}

response json_response(const nlohmann::json& body, int status) {
    // replace: a handler echoing client bytes (a topic name) must not throw on bad UTF-8.
    return {status, "application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
}

response text_response(std::string body, std::string content_type, int status) {
    return {status, std::move(content_type), std::move(body), {}};
}

response error_response(int status, std::string message, std::optional<int> error_code) {
    nlohmann::json j = {{"error_code", error_code.value_or(status)}, {"message", std::move(message)}};
    return json_response(j, status);
}

json_body_result parse_json_body(const request& req) {
    auto j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return {std::nullopt, error_response(400, "request body is not valid JSON")};
    return {std::move(j), std::nullopt};
}

} // namespace brook::http
