#pragma once
// What every `brook schema` command shares: --registry / --format, one REST call to a
// Confluent-compatible registry with its answer as a value, the error wording (the registry's
// error_code and message, or the URL that could not be reached), and reading a schema file.
// Runs on the main thread of a short-lived process.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cli/common.h"
#include "cli/schema_format.h"
#include "client/registry_client.h"

namespace brook::cli {

using client::encode_path_segment;
using client::parse_registry_url;
using client::registry_url;
using client::subject_path;

struct registry_options {
    std::string registry = "http://localhost:8081";
    global_options out; // only --format is used: the printer takes it
};

// Adds --registry (env BROOK_REGISTRY) and --format to one command.
void add_registry_options(CLI::App* cmd, registry_options& o);

// A registry's answer: the JSON body of a 2xx reply, or what went wrong.
struct registry_answer {
    std::optional<nlohmann::json> body;
    registry_error error; // when !body: status 0 means no HTTP answer at all, error.unreachable
                          // that nothing answered at the address
    explicit operator bool() const { return body.has_value(); }
};

// One registry session over the shared client (client/registry_client.h): the parsed URL,
// then calls. `open` fails (usage) on a bad URL.
class registry_session {
public:
    static std::variant<registry_session, std::string> open(const registry_options& o);

    // METHOD target (path + query, already encoded) with an optional JSON body.
    registry_answer call(std::string_view method, const std::string& target,
                         const std::optional<nlohmann::json>& body = std::nullopt) const;

    const registry_url& url() const { return client_.url(); }

private:
    explicit registry_session(client::registry_client c) : client_(std::move(c)) {}
    client::registry_client client_;
};

// Prints "brook: <what>: <message> (error_code N)" plus what to do next where there is a
// clear next step, or "cannot reach the schema registry at URL ..."; returns exit_failed.
int fail(const registry_session& s, const std::string& what, const registry_answer& a);
// A 2xx answer that is not what the API promises (a non-registry server, a bug).
int fail(const registry_session& s, const std::string& what, const std::string& unexpected);

// Runs fn(session) once --registry parsed; a bad URL is a usage error (exit 2). An answer of
// the wrong shape (a field of another JSON type: nlohmann throws on those reads) ends as exit 1
// naming the registry, never as a crash.
template <class F>
int with_session(const registry_options& o, F&& fn) {
    auto s = registry_session::open(o);
    if (auto* why = std::get_if<std::string>(&s)) return usage(*why);
    const auto& session = std::get<registry_session>(s);
    try {
        return fn(session);
    } catch (const nlohmann::json::exception& e) {
        return fail(session, "read the registry's answer", std::string(e.what()));
    }
}

// The schema text of FILE and its type (--type, else from the extension). A missing or
// empty file or an unknown extension without --type is a usage error: the message.
struct schema_file {
    std::string text;
    std::string type;
};
std::variant<schema_file, std::string> read_schema_file(const std::string& path, const std::string& type_flag);

// --reference values parsed, or the first bad one's message.
std::variant<std::vector<schema_reference>, std::string> parse_references(const std::vector<std::string>& args);

// The compatibility level that applies to SUBJECT (its own, else the global one; "" = global),
// or the failed answer.
struct effective_level {
    std::string level;
    bool global = false; // the subject has no level of its own
};
std::variant<effective_level, registry_answer> fetch_effective_level(const registry_session& s, const std::string& subject);

// `brook schema check` (schema_check.cc).
void add_schema_check_command(CLI::App* schema, action& picked);

} // namespace brook::cli
