#pragma once
// Helpers shared by the registry's route files: request checks (content type, JSON body,
// query parameters, versions), answers in the registry's content type, and the bridge that
// hands a write to the store and resumes the handler on its own executor.
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "http/message.h"
#include "http/router.h"
#include "registry/store.h"

namespace brook::registry::rest {

using ojson = nlohmann::ordered_json;
inline constexpr const char* content_type = "application/vnd.schemaregistry.v1+json";

http::response reply(const ojson& body, int status = 200);
http::response fail(const api_error& e);
http::response text(std::string body);

// Query parameters, percent-decoded ('+' is a space), the first of each name.
class query {
public:
    explicit query(const std::string& raw);
    std::optional<std::string> get(const std::string& name) const;
    // Jersey's boolean: "true" in any case is true, anything else (or absent) false.
    bool flag(const std::string& name) const;

private:
    std::map<std::string, std::string> values_;
};

// The subjectPrefix parameter; Confluent's ":*:" (every context) is every subject here.
std::string subject_prefix(const query& q);

// A request body's content type is one the registry accepts (or absent): else 415.
std::optional<http::response> check_content_type(const http::request& req);
// The body as a JSON object: 400 for bytes that are not JSON, 422 for JSON that is not an object.
std::variant<nlohmann::json, http::response> json_object_body(const http::request& req);
// "latest", -1 or 1..2^31-1; otherwise 42202.
std::variant<int, api_error> parse_version(const std::string& v);

// A registered schema's body as Confluent returns it: subject, version, id, schemaType
// (omitted for AVRO), references (omitted when none), schema.
ojson version_json(const version_view& v);
ojson references_json(const std::vector<schema_reference>& refs);

// Hands `p` to the store's writer and resumes on the caller's executor with the answer.
// Inside a coroutine, build `p` as a named local first: GCC 12 relocates a lambda temporary
// written inside a co_await expression bitwise, which corrupts the strings it captured.
boost::asio::awaitable<http::response> write(store& s, planner p);

// The register/lookup/compatibility request body: schema, schemaType, references, id, version.
struct schema_body {
    schema_kind kind = schema_kind::avro;
    std::string schema;
    std::vector<schema_reference> references;
    std::optional<int> id, version;
};
std::variant<schema_body, http::response> parse_schema_body(const http::request& req);

} // namespace brook::registry::rest

namespace brook::registry::rest {

using route_handler = std::function<boost::asio::awaitable<http::response>(http::request&, const query&)>;
// Adds a route whose handler runs only once the store is ready (unless `always`), after the
// content-type check of POST/PUT bodies.
void add(http::router& r, store& s, const std::string& method, const std::string& path, route_handler h,
         bool always = false);

void add_subject_routes(http::router& r, store& s);
void add_schema_routes(http::router& r, store& s);
void add_config_routes(http::router& r, store& s);

} // namespace brook::registry::rest
