// `brook schema register|get|list|delete|config` against any Confluent-compatible registry
// (`check`, the CI gate, is in schema_check.cc).
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "cli/schema_registry.h"

namespace brook::cli {
namespace {

// name=subject:version each; none is [] in JSON and "-" in a text table.
nlohmann::ordered_json references_cell(const nlohmann::json& refs, const registry_options& o) {
    auto out = nlohmann::ordered_json::array();
    if (refs.is_array())
        for (const auto& r : refs)
            out.push_back(r.value("name", "") + "=" + r.value("subject", "") + ":" + std::to_string(r.value("version", 0)));
    if (out.empty() && !o.out.json()) return nullptr;
    return out;
}

std::string type_of(const nlohmann::json& j) { return j.value("schemaType", "AVRO"); }

// --- register ----------------------------------------------------------------------------------

struct register_options {
    registry_options r;
    std::string subject;
    std::string file;
    std::string type;
    std::vector<std::string> references;
    bool normalize = false;
};

int run_register(const register_options& o) {
    auto f = read_schema_file(o.file, o.type);
    if (auto* why = std::get_if<std::string>(&f)) return usage(*why);
    auto refs = parse_references(o.references);
    if (auto* why = std::get_if<std::string>(&refs)) return usage(*why);
    return with_session(o.r, [&](const registry_session& s) {
        const auto& file = std::get<schema_file>(f);
        auto what = "register " + o.file + " under " + o.subject;
        auto target = subject_path(o.subject) + "/versions" + (o.normalize ? "?normalize=true" : "");
        auto a = s.call("POST", target, schema_request(file.text, file.type, std::get<std::vector<schema_reference>>(refs)));
        if (!a) return fail(s, what, a);
        auto id = a.body->find("id");
        if (id == a.body->end() || !id->is_number_integer()) return fail(s, what, "the answer has no id: " + a.body->dump());
        if (o.r.out.json())
            table{{"subject", "id"}, {{{"subject", o.subject}, {"id", *id}}}}.print(o.r.out);
        else
            std::cout << id->get<int>() << "\n";
        return exit_ok;
    });
}

// --- get ---------------------------------------------------------------------------------------

struct get_options {
    registry_options r;
    std::string subject;
    std::string version = "latest";
    int id = 0;
    bool print_schema = false;
};

int run_get_by_id(const get_options& o, const registry_session& s) {
    auto what = "get schema id " + std::to_string(o.id);
    auto base = "/schemas/ids/" + std::to_string(o.id);
    auto a = s.call("GET", base);
    if (!a) return fail(s, what, a);
    auto schema = a.body->value("schema", "");
    if (o.print_schema) {
        std::cout << schema << "\n";
        return exit_ok;
    }
    auto v = s.call("GET", base + "/versions");
    if (!v) return fail(s, what + " (its subjects and versions)", v);
    auto used = nlohmann::ordered_json::array();
    if (v.body->is_array())
        for (const auto& sv : *v.body) used.push_back(sv.value("subject", "") + ":" + std::to_string(sv.value("version", 0)));
    nlohmann::ordered_json row{{"id", o.id}, {"type", type_of(*a.body)},
                               {"references", references_cell(a.body->value("references", nlohmann::json::array()), o.r)},
                               {"subjects", used}};
    if (o.r.out.json()) row["schema"] = schema;
    table{{"id", "type", "references", "subjects"}, {row}}.print(o.r.out);
    return exit_ok;
}

int run_get(const get_options& o) {
    if (o.subject.empty() == (o.id == 0)) return usage("schema get takes a SUBJECT or --id N (one of them)");
    auto v = parse_schema_version(o.version);
    if (!v) return usage("bad --version '" + o.version + "': expected a number >= 1 or latest");
    return with_session(o.r, [&](const registry_session& s) {
        if (o.id != 0) return run_get_by_id(o, s);
        auto a = s.call("GET", subject_path(o.subject) + "/versions/" + *v);
        if (!a) return fail(s, "get " + o.subject + " version " + *v, a);
        auto& b = *a.body;
        if (o.print_schema) {
            std::cout << b.value("schema", "") << "\n";
            return exit_ok;
        }
        nlohmann::ordered_json row{{"subject", b.value("subject", o.subject)}, {"version", b.value("version", 0)},
                                   {"id", b.value("id", 0)}, {"type", type_of(b)},
                                   {"references", references_cell(b.value("references", nlohmann::json::array()), o.r)}};
        if (o.r.out.json()) row["schema"] = b.value("schema", "");
        table{{"subject", "version", "id", "type", "references"}, {row}}.print(o.r.out);
        return exit_ok;
    });
}

// --- list --------------------------------------------------------------------------------------

struct list_options {
    registry_options r;
    std::string prefix;
    bool deleted = false;
};

int run_list(const list_options& o) {
    std::string query;
    if (!o.prefix.empty()) query += "subjectPrefix=" + encode_path_segment(o.prefix);
    if (o.deleted) query += std::string(query.empty() ? "" : "&") + "deleted=true";
    return with_session(o.r, [&](const registry_session& s) {
        auto a = s.call("GET", "/subjects" + (query.empty() ? "" : "?" + query));
        if (!a) return fail(s, "list subjects", a);
        if (!a.body->is_array()) return fail(s, "list subjects", "the answer is not a list: " + a.body->dump());
        table out{{"subject"}, {}};
        // Filtered here too: registries older than Confluent 7 ignore subjectPrefix.
        for (const auto& subj : *a.body)
            if (subj.is_string() && subj.get_ref<const std::string&>().starts_with(o.prefix))
                out.rows.push_back({{"subject", subj}});
        out.print(o.r.out);
        return exit_ok;
    });
}

// --- delete ------------------------------------------------------------------------------------

struct delete_options {
    registry_options r;
    std::string subject;
    std::string version;
    bool permanent = false;
};

int run_delete(const delete_options& o) {
    std::optional<std::string> v;
    if (!o.version.empty() && !(v = parse_schema_version(o.version)))
        return usage("bad --version '" + o.version + "': expected a number >= 1 or latest");
    auto target = subject_path(o.subject) + (v ? "/versions/" + *v : "") + (o.permanent ? "?permanent=true" : "");
    auto what = std::string(o.permanent ? "permanently delete " : "delete ") + o.subject + (v ? " version " + *v : "");
    return with_session(o.r, [&](const registry_session& s) {
        auto a = s.call("DELETE", target);
        if (!a) return fail(s, what, a);
        table out{{"subject", "version", "deleted"}, {}};
        auto row = [&](const nlohmann::json& n) {
            out.rows.push_back({{"subject", o.subject}, {"version", n}, {"deleted", o.permanent ? "permanent" : "soft"}});
        };
        if (a.body->is_array())
            for (const auto& n : *a.body) row(n);
        else
            row(*a.body);
        out.print(o.r.out);
        return exit_ok;
    });
}

// --- config ------------------------------------------------------------------------------------

struct config_options {
    registry_options r;
    std::string subject;
    std::string set;
    bool remove = false;
};

// The level that applies to the subject (its own, else the global one) and where it comes from.
int print_effective(const config_options& o, const registry_session& s) {
    auto e = fetch_effective_level(s, o.subject);
    if (auto* a = std::get_if<registry_answer>(&e))
        return fail(s, o.subject.empty() ? std::string("get the global compatibility level") : "get the compatibility level of " + o.subject, *a);
    auto& l = std::get<effective_level>(e);
    auto subj = o.subject.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(o.subject);
    table{{"subject", "compatibility", "source"}, {{{"subject", subj}, {"compatibility", l.level}, {"source", l.global ? "global" : "subject"}}}}
        .print(o.r.out);
    return exit_ok;
}

int set_and_print(const config_options& o, const std::optional<std::string>& level, const registry_session& s) {
    auto target = o.subject.empty() ? std::string("/config") : "/config/" + encode_path_segment(o.subject);
    auto whose = o.subject.empty() ? std::string("the global compatibility level") : "the compatibility level of " + o.subject;
    if (level) {
        auto a = s.call("PUT", target, nlohmann::json{{"compatibility", *level}});
        if (!a) return fail(s, "set " + whose + " to " + *level, a);
    } else if (o.remove) {
        auto a = s.call("DELETE", target);
        if (!a) return fail(s, "delete " + whose, a);
    }
    return print_effective(o, s);
}

int run_config(const config_options& o) {
    std::optional<std::string> level;
    if (!o.set.empty() && !(level = parse_compatibility_level(o.set)))
        return usage("bad --set '" + o.set + "': expected one of " + std::string(compatibility_levels));
    return with_session(o.r, [&](const registry_session& s) { return set_and_print(o, level, s); });
}

} // namespace

void add_schema_commands(CLI::App& app, action& picked) {
    auto* schema = app.add_subcommand("schema", "Register, fetch, list, delete and check schemas in a schema registry");
    schema->require_subcommand(1);
    auto type_names = CLI::IsMember({"AVRO", "JSON", "PROTOBUF"}, CLI::ignore_case);

    auto r = std::make_shared<register_options>();
    auto* reg = schema->add_subcommand("register", "Register FILE under SUBJECT; prints the schema id");
    reg->add_option("subject", r->subject, "Subject, e.g. orders-value")->required();
    reg->add_option("file", r->file, "Schema file (.avsc, .json, .proto)")->required();
    reg->add_option("--type", r->type, "AVRO, JSON or PROTOBUF (default: from the file extension)")->transform(type_names);
    reg->add_option("--reference", r->references, "name=subject:version of a schema this one refers to (repeatable)");
    reg->add_flag("--normalize", r->normalize, "Compare in normalized form (the same schema written differently gets the same id)");
    add_registry_options(reg, r->r);
    reg->callback([r, &picked] { picked = [r] { return run_register(*r); }; });

    auto g = std::make_shared<get_options>();
    auto* get = schema->add_subcommand("get", "A subject's version (default latest), or a schema by --id");
    get->add_option("subject", g->subject, "Subject");
    get->add_option("--version", g->version, "Version number or latest")->capture_default_str();
    get->add_option("--id", g->id, "Schema id (instead of SUBJECT)")->check(CLI::PositiveNumber);
    get->add_flag("--print-schema", g->print_schema, "Print only the schema text (e.g. to write it to a file)");
    add_registry_options(get, g->r);
    get->callback([g, &picked] { picked = [g] { return run_get(*g); }; });

    auto l = std::make_shared<list_options>();
    auto* list = schema->add_subcommand("list", "List subjects");
    list->add_option("--prefix", l->prefix, "Only subjects starting with this");
    list->add_flag("--deleted", l->deleted, "Include soft-deleted subjects");
    add_registry_options(list, l->r);
    list->callback([l, &picked] { picked = [l] { return run_list(*l); }; });

    auto d = std::make_shared<delete_options>();
    auto* del = schema->add_subcommand("delete", "Delete a subject, or one --version of it (soft unless --permanent)");
    del->add_option("subject", d->subject, "Subject")->required();
    del->add_option("--version", d->version, "Version number or latest (default: the whole subject)");
    del->add_flag("--permanent", d->permanent, "Delete for good (only what is already soft-deleted)");
    add_registry_options(del, d->r);
    del->callback([d, &picked] { picked = [d] { return run_delete(*d); }; });

    auto c = std::make_shared<config_options>();
    auto* config = schema->add_subcommand("config", "Show, --set or --delete the compatibility level (global, or SUBJECT's)");
    config->add_option("subject", c->subject, "Subject (default: the global level)");
    auto* set = config->add_option("--set", c->set, std::string("New level: ") + std::string(compatibility_levels));
    config->add_flag("--delete", c->remove, "Remove the level (a subject falls back to the global one)")->excludes(set);
    add_registry_options(config, c->r);
    config->callback([c, &picked] { picked = [c] { return run_config(*c); }; });

    add_schema_check_command(schema, picked);
}

} // namespace brook::cli
