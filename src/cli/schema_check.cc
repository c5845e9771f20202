// `brook schema check SUBJECT FILE`: the CI gate. Asks the registry whether FILE could be
// registered under SUBJECT (Confluent's compatibility endpoint, verbose), without registering
// it. Exit 0 compatible (or the subject does not exist yet: nothing to break), 1 incompatible
// with each breaking change named, or a registry error; 2 bad usage.
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "cli/format.h"
#include "cli/schema_registry.h"

namespace brook::cli {
namespace {

struct check_options {
    registry_options r;
    std::string subject;
    std::string file;
    std::string type;
    std::vector<std::string> references;
    std::string version; // "" = what registering would check against
};

// Without --version, POST /compatibility/subjects/S/versions checks against every version the
// subject's level asks for (transitive levels: all live ones), the same verdict registering
// would get. Registries before Confluent 7 only know /versions/{v}: they fall back to latest.
registry_answer ask(const registry_session& s, const check_options& o, const std::optional<std::string>& v,
                    const nlohmann::json& body) {
    auto base = "/compatibility" + subject_path(o.subject) + "/versions";
    if (v) return s.call("POST", base + "/" + *v + "?verbose=true", body);
    auto a = s.call("POST", base + "?verbose=true", body);
    bool no_such_route = !a && !a.error.unreachable && (a.error.status == 404 || a.error.status == 405) &&
                         a.error.error_code != 40401 && a.error.error_code != 40402;
    if (!no_such_route) return a;
    return s.call("POST", base + "/latest?verbose=true", body);
}

nlohmann::ordered_json change_json(const breaking_change& c) {
    nlohmann::ordered_json j{{"rule", c.rule}, {"description", c.description}, {"info", c.info}};
    j["old_version"] = c.old_version ? nlohmann::ordered_json(*c.old_version) : nlohmann::ordered_json(nullptr);
    return j;
}

int run_check(const check_options& o) {
    auto f = read_schema_file(o.file, o.type);
    if (auto* why = std::get_if<std::string>(&f)) return usage(*why);
    auto refs = parse_references(o.references);
    if (auto* why = std::get_if<std::string>(&refs)) return usage(*why);
    std::optional<std::string> v;
    if (!o.version.empty() && !(v = parse_schema_version(o.version)))
        return usage("bad --version '" + o.version + "': expected a number >= 1 or latest");
    const auto& file = std::get<schema_file>(f);
    auto what = "check " + o.file + " against " + o.subject;

    return with_session(o.r, [&](const registry_session& s) {
        nlohmann::ordered_json out{{"subject", o.subject}, {"file", o.file}, {"type", file.type}};
        out["version"] = v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);

        // A subject that does not exist yet has nothing to break: its first registration is
        // the baseline. Asked first because registries differ in what the check says then.
        if (!v) {
            auto versions = s.call("GET", subject_path(o.subject) + "/versions");
            if (!versions && versions.error.error_code == 40401) {
                auto note = "subject " + o.subject + " does not exist yet: nothing to check " + o.file +
                            " against (its first registration sets the baseline)";
                if (o.r.out.json()) {
                    out["compatible"] = true;
                    out["note"] = note;
                    std::cout << dump_line(out) << "\n";
                } else {
                    std::cout << note << "\n";
                }
                return exit_ok;
            }
            if (!versions) return fail(s, what, versions);
        }

        auto a = ask(s, o, v, schema_request(file.text, file.type, std::get<std::vector<schema_reference>>(refs)));
        if (!a) return fail(s, what, a);
        auto verdict = a.body->find("is_compatible");
        if (verdict == a.body->end() || !verdict->is_boolean())
            return fail(s, what, "no is_compatible in " + a.body->dump());
        bool compatible = verdict->get<bool>();
        auto report = parse_compatibility_messages(a.body->value("messages", nlohmann::json::array()));
        if (!report.level) {
            // Only reasons carry the level; ask for it so the verdict says what it was held to.
            auto e = fetch_effective_level(s, o.subject);
            if (auto* l = std::get_if<effective_level>(&e)) report.level = l->level;
        }
        auto against = o.subject + (v ? " version " + *v : "") + (report.level ? " under " + *report.level : "");

        if (o.r.out.json()) {
            out["compatible"] = compatible;
            out["level"] = report.level ? nlohmann::ordered_json(*report.level) : nlohmann::ordered_json(nullptr);
            auto changes = nlohmann::ordered_json::array();
            for (const auto& c : report.changes) changes.push_back(change_json(c));
            out["changes"] = changes;
            out["messages"] = a.body->value("messages", nlohmann::json::array());
            std::cout << dump_line(out) << "\n";
        } else if (compatible) {
            std::cout << o.file << " is compatible with " << against << "\n";
        } else {
            std::cerr << "brook: " << o.file << " is not compatible with " << against << ":\n";
            for (const auto& c : report.changes)
                std::cerr << "  - " << describe(c) << (c.old_version ? " [against version " + std::to_string(*c.old_version) + "]" : "")
                          << "\n";
            if (report.changes.empty()) std::cerr << "  (the registry gave no reasons)\n";
        }
        return compatible ? exit_ok : exit_failed;
    });
}

} // namespace

void add_schema_check_command(CLI::App* schema, action& picked) {
    auto c = std::make_shared<check_options>();
    auto* check = schema->add_subcommand(
        "check", "Exit 0 if FILE is compatible with SUBJECT under its level, 1 naming each breaking change (the CI gate)");
    check->add_option("subject", c->subject, "Subject, e.g. orders-value")->required();
    check->add_option("file", c->file, "Schema file (.avsc, .json, .proto)")->required();
    check->add_option("--type", c->type, "AVRO, JSON or PROTOBUF (default: from the file extension)")
        ->transform(CLI::IsMember({"AVRO", "JSON", "PROTOBUF"}, CLI::ignore_case));
    check->add_option("--reference", c->references, "name=subject:version of a schema this one refers to (repeatable)");
    check->add_option("--version", c->version, "Check against this version only (default: those the level checks)");
    add_registry_options(check, c->r);
    check->callback([c, &picked] { picked = [c] { return run_check(*c); }; });
}

} // namespace brook::cli
