#include "cli/schema_registry.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <system_error>

namespace brook::cli {

void add_registry_options(CLI::App* cmd, registry_options& o) {
    cmd->add_option("--registry", o.registry, "Schema registry URL http://HOST:PORT (Confluent REST API)")
        ->envname("BROOK_REGISTRY")
        ->capture_default_str();
    cmd->add_option("--format", o.out.format, "Output: text tables, or json (one object per row)")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
}

std::variant<registry_session, std::string> registry_session::open(const registry_options& o) {
    auto c = client::registry_client::open(o.registry, {connect_timeout_ms, request_timeout_ms * 2});
    if (auto* why = std::get_if<std::string>(&c)) return *why;
    return registry_session(std::get<client::registry_client>(std::move(c)));
}

registry_answer registry_session::call(std::string_view method, const std::string& target,
                                       const std::optional<nlohmann::json>& body) const {
    auto r = client_.call(method, target, body);
    registry_answer a;
    if (r) a.body = std::move(*r);
    else a.error = r.err();
    return a;
}

namespace {
// What to do next, for the errors where that is clear.
std::string hint(int error_code) {
    switch (error_code) {
    case 40401: return "; `brook schema list` shows the subjects";
    case 40405:
    case 40407: return "; soft-delete it first (the same command without --permanent)";
    case 409: return "; `brook schema check` names each breaking change";
    case 42205: return "; writes are refused until its mode is READWRITE again (PUT /mode)";
    default: return "";
    }
}
} // namespace

int fail(const registry_session& s, const std::string& what, const registry_answer& a) {
    if (a.error.unreachable) {
        std::cerr << "brook: cannot reach the schema registry at " << s.url().text
                  << " (check --registry or BROOK_REGISTRY): " << a.error.message << "\n";
    } else if (a.error.status == 0) {
        std::cerr << "brook: " << what << ": " << a.error.message << "\n";
    } else if (a.error.error_code != 0) {
        std::cerr << "brook: " << what << ": " << a.error.message << " (error_code " << a.error.error_code << ")"
                  << hint(a.error.error_code) << "\n";
    } else {
        std::cerr << "brook: " << what << ": " << a.error.message << "\n";
    }
    return exit_failed;
}

int fail(const registry_session& s, const std::string& what, const std::string& unexpected) {
    std::cerr << "brook: " << what << ": the registry at " << s.url().text << " answered something unexpected: "
              << unexpected << "\n";
    return exit_failed;
}

std::variant<schema_file, std::string> read_schema_file(const std::string& path, const std::string& type_flag) {
    // The file first: a path that is not there says so before anything about its name.
    schema_file f;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return "cannot read schema file '" + path + "': it is a directory";
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot read schema file '" + path + "': " + std::generic_category().message(errno);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return "cannot read schema file '" + path + "': " + std::generic_category().message(errno);
    if (!type_flag.empty()) {
        f.type = type_flag;
    } else if (auto t = schema_type_from_path(path)) {
        f.type = *t;
    } else {
        return "cannot tell the schema type of '" + path +
               "' from its extension (.avsc, .json, .proto): pass --type AVRO|JSON|PROTOBUF";
    }
    f.text = text.str();
    if (f.text.find_first_not_of(" \t\r\n") == std::string::npos) return "schema file '" + path + "' is empty";
    return f;
}

std::variant<std::vector<schema_reference>, std::string> parse_references(const std::vector<std::string>& args) {
    std::vector<schema_reference> refs;
    for (const auto& a : args) {
        auto r = parse_reference(a);
        if (auto* why = std::get_if<std::string>(&r)) return *why;
        refs.push_back(std::get<schema_reference>(std::move(r)));
    }
    return refs;
}

namespace {
std::string level_in(const nlohmann::json& b) {
    // GET /config answers compatibilityLevel; a few registries answer compatibility.
    if (auto l = b.find("compatibilityLevel"); l != b.end() && l->is_string()) return l->get<std::string>();
    return b.value("compatibility", "");
}
} // namespace

std::variant<effective_level, registry_answer> fetch_effective_level(const registry_session& s, const std::string& subject) {
    if (!subject.empty()) {
        auto a = s.call("GET", "/config/" + encode_path_segment(subject));
        if (a) return effective_level{level_in(*a.body), false};
        // 40408: the subject has no level of its own; registries before Confluent 7 say 40401.
        if (a.error.error_code != 40408 && a.error.error_code != 40401) return a;
    }
    auto g = s.call("GET", "/config");
    if (!g) return g;
    return effective_level{level_in(*g.body), true};
}

} // namespace brook::cli
