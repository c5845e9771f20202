#include "registry/rest_util.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cctype>
#include <charconv>
#include <climits>
#include <memory>

namespace brook::registry::rest {

namespace asio = boost::asio;

http::response reply(const ojson& body, int status) {
    return {status, content_type, body.dump(-1, ' ', false, ojson::error_handler_t::replace), {}};
}

http::response fail(const api_error& e) { return reply(ojson{{"error_code", e.code}, {"message", e.message}}, e.status); }

http::response text(std::string body) { return {200, content_type, std::move(body), {}}; }

namespace {

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') out.push_back(' ');
        else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
            i += 2;
        } else out.push_back(s[i]);
    }
    return out;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

} // namespace

query::query(const std::string& raw) {
    size_t i = 0;
    while (!raw.empty() && i <= raw.size()) {
        size_t j = raw.find('&', i);
        if (j == std::string::npos) j = raw.size();
        std::string_view part(raw.data() + i, j - i);
        if (!part.empty()) {
            auto eq = part.find('=');
            std::string name = decode(part.substr(0, eq));
            std::string value = eq == std::string_view::npos ? "" : decode(part.substr(eq + 1));
            values_.try_emplace(std::move(name), std::move(value));
        }
        i = j + 1;
    }
}

std::optional<std::string> query::get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

bool query::flag(const std::string& name) const {
    auto v = get(name);
    return v && lower(*v) == "true";
}

std::string subject_prefix(const query& q) {
    auto p = q.get("subjectPrefix").value_or("");
    return p == ":*:" ? "" : p;
}

std::optional<http::response> check_content_type(const http::request& req) {
    auto ct = req.header("content-type");
    if (!ct) return std::nullopt;
    std::string t = lower(ct->substr(0, ct->find(';')));
    while (!t.empty() && t.back() == ' ') t.pop_back();
    while (!t.empty() && t.front() == ' ') t.erase(t.begin());
    if (t.empty() || t == "application/vnd.schemaregistry.v1+json" || t == "application/vnd.schemaregistry+json" ||
        t == "application/json" || t == "application/octet-stream")
        return std::nullopt;
    return fail({415, 415, "HTTP 415 Unsupported Media Type: content type '" + *ct +
                               "' (use application/vnd.schemaregistry.v1+json or application/json)"});
}

std::variant<nlohmann::json, http::response> json_object_body(const http::request& req) {
    if (auto bad = check_content_type(req)) return *bad;
    try {
        auto j = nlohmann::json::parse(req.body);
        if (!j.is_object()) return fail({422, 422, "Unprocessable Entity: the request body must be a JSON object"});
        return j;
    } catch (const nlohmann::json::parse_error& e) {
        return fail({400, 400, std::string("Unrecognized JSON in the request body: ") + e.what()});
    }
}

std::variant<int, api_error> parse_version(const std::string& v) {
    if (v == "latest") return -1;
    long long n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || v.empty()) return err::invalid_version(v);
    if (n == -1) return -1;
    if (n < 1 || n > INT_MAX) return err::invalid_version(v);
    return static_cast<int>(n);
}

ojson references_json(const std::vector<schema_reference>& refs) {
    ojson out = ojson::array();
    for (const auto& r : refs) out.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
    return out;
}

ojson version_json(const version_view& v) {
    ojson j = {{"subject", v.subject}, {"version", v.version}, {"id", v.id}};
    if (v.schema) {
        if (v.schema->kind != schema_kind::avro) j["schemaType"] = kind_name(v.schema->kind);
        if (!v.schema->references.empty()) j["references"] = references_json(v.schema->references);
        j["schema"] = std::string(v.schema->text());
    }
    return j;
}

asio::awaitable<http::response> write(store& s, planner p) {
    auto ex = co_await asio::this_coro::executor;
    write_result r = co_await asio::async_initiate<decltype(asio::use_awaitable), void(write_result)>(
        [&s, &p, ex](auto handler) {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            s.submit(std::move(p), [h, ex](write_result result) {
                // The store's writer thread calls this: resume the handler on its own shard.
                asio::post(ex, [h, result = std::move(result)]() mutable { (*h)(std::move(result)); });
            });
        },
        asio::use_awaitable);
    if (auto* e = std::get_if<api_error>(&r)) co_return fail(*e);
    co_return reply(std::get<ojson>(r));
}

std::variant<schema_body, http::response> parse_schema_body(const http::request& req) {
    auto parsed = json_object_body(req);
    if (auto* r = std::get_if<http::response>(&parsed)) return std::move(*r);
    const auto& j = std::get<nlohmann::json>(parsed);
    schema_body b;
    auto unprocessable = [](std::string m) { return fail({422, 422, "Unprocessable Entity: " + std::move(m)}); };
    auto s = j.find("schema");
    if (s == j.end() || s->is_null()) return fail(err::invalid_schema("Empty schema: the request has no \"schema\""));
    if (!s->is_string()) return unprocessable("\"schema\" must be a string (the schema text)");
    b.schema = s->get<std::string>();
    if (b.schema.empty()) return fail(err::invalid_schema("Empty schema"));
    if (auto t = j.find("schemaType"); t != j.end() && !t->is_null()) {
        if (!t->is_string()) return unprocessable("\"schemaType\" must be a string");
        auto k = parse_kind(t->get<std::string>());
        if (!k) return fail(err::invalid_schema("Invalid schema type " + t->get<std::string>() +
                                                ": the registry serves AVRO, JSON and PROTOBUF"));
        b.kind = *k;
    }
    if (auto refs = j.find("references"); refs != j.end() && !refs->is_null()) {
        if (!refs->is_array()) return unprocessable("\"references\" must be an array");
        for (const auto& r : *refs) {
            if (!r.is_object() || !r.contains("name") || !r["name"].is_string() || !r.contains("subject") ||
                !r["subject"].is_string() || !r.contains("version") || !r["version"].is_number_integer())
                return unprocessable("each reference needs \"name\" and \"subject\" strings and an integer \"version\"");
            b.references.push_back({r["name"], r["subject"], r["version"].get<int>()});
        }
    }
    // Confluent's unset values: id -1 or 0, version 0 (its clients send them).
    if (auto id = j.find("id"); id != j.end() && !id->is_null()) {
        if (!id->is_number_integer()) return unprocessable("\"id\" must be an integer");
        const auto n = id->get<long long>();
        if (n > INT_MAX) return unprocessable("\"id\" must be at most 2^31-1");
        if (n > 0) b.id = static_cast<int>(n);
    }
    if (auto v = j.find("version"); v != j.end() && !v->is_null()) {
        if (!v->is_number_integer()) return unprocessable("\"version\" must be an integer");
        auto n = v->get<long long>();
        if (n < -1 || n > INT_MAX) return fail(err::invalid_version(std::to_string(n)));
        if (n > 0) b.version = static_cast<int>(n);
    }
    return b;
}

} // namespace brook::registry::rest

namespace brook::registry::rest {

void add(http::router& r, store& s, const std::string& method, const std::string& path, route_handler h, bool always) {
    r.add(method, path, [&s, h = std::move(h), always](http::request& req) -> asio::awaitable<http::response> {
        if (!always && !s.ready())
            co_return fail({503, 50002, "The schema registry is still loading its state from _schemas; retry shortly"});
        if (req.method == "POST" || req.method == "PUT")
            if (auto bad = check_content_type(req)) co_return *bad;
        query q(req.query);
        co_return co_await h(req, q);
    });
}

} // namespace brook::registry::rest
