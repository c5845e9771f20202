// `brook topic alter-config TOPIC --set k=v --delete k` (rpk's shape) and the configs table of
// `brook topic describe`. librdkafka 2.0 has no IncrementalAlterConfigs, so an edit reads the
// topic's own configs (source DYNAMIC_TOPIC_CONFIG), changes them, and writes the whole set
// back with AlterConfigs: a concurrent edit by someone else between the two can be undone.
#include <algorithm>
#include <map>
#include <memory>

#include "cli/cli.h"
#include "cli/format.h"
#include "cli/topic_config.h"

namespace brook::cli {
namespace {

struct alter_options {
    global_options g;
    std::string name;
    std::vector<std::string> sets;
    std::vector<std::string> deletes;
};

int run_alter(const alter_options& o) {
    if (o.sets.empty() && o.deletes.empty())
        return usage("nothing to change: give --set key=value or --delete key (each repeatable)");
    std::map<std::string, std::string> sets;
    for (const auto& s : o.sets) {
        auto kv = parse_key_value(s);
        if (!kv) return usage("bad --set value '" + s + "': expected key=value, e.g. --set retention.ms=86400000");
        sets[kv->first] = kv->second;
    }
    for (const auto& d : o.deletes)
        if (sets.contains(d)) return usage("config " + d + " is both set and deleted: pick one");

    const std::string what = "alter config of topic " + o.name;
    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, what, a.err());
    auto current = a->describe_configs(client::config_resource::topic, o.name, request_timeout_ms);
    if (!current) return fail(o.g, what, current.err());
    std::map<std::string, std::string> own;
    for (const auto& e : *current)
        if (e.source == "DYNAMIC_TOPIC_CONFIG" && e.value) own[e.name] = *e.value;
    for (const auto& d : o.deletes) {
        bool known = std::any_of(current->begin(), current->end(), [&](const auto& e) { return e.name == d; });
        if (!known)
            return fail(o.g, what, client::make_error(RD_KAFKA_RESP_ERR_INVALID_CONFIG,
                                                      "unknown topic config '" + d + "' (`brook topic describe " + o.name +
                                                          " -c` lists them)"));
        own.erase(d);
    }
    for (const auto& [k, v] : sets) own[k] = v;
    client::config all(own.begin(), own.end());
    if (auto s = a->alter_configs(client::config_resource::topic, o.name, all, request_timeout_ms); !s) return fail(o.g, what, s.err());

    table out{{"topic", "config", "value", "action"}, {}};
    for (const auto& [k, v] : sets) out.rows.push_back({{"topic", o.name}, {"config", k}, {"value", v}, {"action", "set"}});
    for (const auto& d : o.deletes)
        out.rows.push_back({{"topic", o.name}, {"config", d}, {"value", nullptr}, {"action", "deleted"}});
    out.print(o.g);
    return exit_ok;
}

} // namespace

client::status topic_config_rows(client::admin& a, const std::string& topic, table& out) {
    auto entries = a.describe_configs(client::config_resource::topic, topic, request_timeout_ms);
    if (!entries) return entries.err();
    for (const auto& e : *entries) {
        nlohmann::ordered_json value = nullptr;
        if (e.value) value = *e.value;
        out.rows.push_back({{"config", e.name}, {"value", value}, {"source", e.source}});
    }
    return client::ok{};
}

void add_topic_alter_config_command(CLI::App* topic, action& picked) {
    auto o = std::make_shared<alter_options>();
    auto* cmd = topic->add_subcommand("alter-config", "Set or delete topic configs (applied live; see docs/configs.md)");
    cmd->add_option("name", o->name, "Topic name")->required();
    cmd->add_option("-s,--set", o->sets, "Set a config key=value (repeatable)");
    cmd->add_option("-d,--delete", o->deletes, "Delete a config so it returns to its default (repeatable)");
    add_global_options(cmd, o->g);
    cmd->callback([o, &picked] { picked = [o] { return run_alter(*o); }; });
}

} // namespace brook::cli
