#pragma once
// A Confluent schema-registry REST client, shared by `brook schema` (cli), the CDC source
// (connect) and the stream engine: register, look up, fetch by id, check compatibility, or any
// other call through `call`. Every answer is a value: the JSON body of a 2xx reply, or a
// registry_error with the registry's own error_code and message (Confluent's
// {"error_code", "message"} body), or why nothing answered.
// Synchronous, over http_client.h; a registry_client is a plain value (the parsed URL and the
// timeouts), so one per thread is cheap. Any thread, one call at a time per object.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/expected.h"
#include "client/http_client.h"

namespace brook::client {

// What a registry said when it refused: Confluent's {"error_code", "message"}, or, when the
// body is not that (a proxy's HTML page, an empty body), the HTTP status and a hint.
struct registry_error {
    int status = 0;     // 0: no HTTP answer at all (see unreachable)
    int error_code = 0; // 0 when the body carried none
    std::string message;
    bool unreachable = false; // nothing answered at the address (http_failure::unreachable)
};
registry_error parse_registry_error(int status, std::string_view body);

template <class T>
using registry_outcome = brook::expected<T, registry_error>;

// The body of POST /subjects/{s}/versions, /subjects/{s} and the compatibility check: schemaType
// is left out for AVRO (registries older than 5.5 know no other and reject the field), and
// references when there are none (`references` is Confluent's array of {name, subject, version}).
nlohmann::json schema_request(const std::string& schema, const std::string& type,
                              const nlohmann::json& references = nlohmann::json::array());

struct registered_schema {
    int id = 0;
    int version = 0;      // 0 when the call does not say (register)
    std::string schema;   // as the registry stores it (lookup)
};

struct schema_by_id {
    std::string schema;
    std::string type = "AVRO"; // schemaType, AVRO when the registry leaves it out
};

struct compatibility_answer {
    bool compatible = false;
    std::vector<std::string> messages; // the verbose reasons, as the registry words them
    bool no_subject = false;           // the subject has no versions yet: nothing to break
};

class registry_client {
public:
    // Parses "http://HOST[:PORT][/PATH]"; the reason when it is not one.
    static std::variant<registry_client, std::string> open(std::string_view url, http_timeouts t = {});

    // METHOD target (path + query, already encoded) with an optional JSON body.
    registry_outcome<nlohmann::json> call(std::string_view method, const std::string& target,
                                          const std::optional<nlohmann::json>& body = std::nullopt) const;

    // POST /subjects/{subject}/versions: the id the registry assigned (the same id again for
    // a schema it already holds).
    registry_outcome<registered_schema> register_schema(const std::string& subject, const std::string& schema,
                                                        const std::string& type = "AVRO") const;
    // POST /subjects/{subject}: the id and version of a schema already under the subject
    // (40403 schema not found, 40401 subject not found otherwise).
    registry_outcome<registered_schema> lookup(const std::string& subject, const std::string& schema,
                                               const std::string& type = "AVRO") const;
    // GET /schemas/ids/{id}.
    registry_outcome<schema_by_id> get_by_id(int id) const;
    // POST /compatibility/subjects/{subject}/versions/{version}?verbose=true: whether `schema`
    // may be registered next. A subject without versions is compatible (no_subject set).
    registry_outcome<compatibility_answer> check_compatibility(const std::string& subject, const std::string& schema,
                                                               const std::string& type = "AVRO",
                                                               const std::string& version = "latest") const;

    const registry_url& url() const { return url_; }

private:
    registry_client(registry_url u, http_timeouts t) : url_(std::move(u)), timeouts_(t) {}
    registry_url url_;
    http_timeouts timeouts_;
};

// "/subjects/<encoded subject>".
std::string subject_path(const std::string& subject);

} // namespace brook::client
