// `brook quota describe|alter`: client quotas (producer_byte_rate, consumer_byte_rate, request_percentage) per
// user / client-id, shaped like rpk's `rpk cluster quotas describe/alter`. librdkafka has no
// client-quota API, so these go through src/client's quota_admin (the Kafka protocol itself);
// they work against any broker that serves DescribeClientQuotas / AlterClientQuotas.
#include <cmath>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include "cli/cli.h"
#include "cli/format.h"
#include "client/quota_admin.h"

namespace brook::cli {
namespace {

struct entity_flags {
    std::vector<std::string> names;    // --name type=name
    std::vector<std::string> defaults; // --default type
};

struct describe_options {
    global_options g;
    entity_flags e;
    std::vector<std::string> any; // --any type
    bool strict = false;
};

struct alter_options {
    global_options g;
    entity_flags e;
    std::vector<std::string> adds;    // key=value
    std::vector<std::string> deletes; // key
    bool dry = false;
};

std::string number(double v) {
    if (v == std::floor(v) && std::fabs(v) < 9e15) return std::to_string(static_cast<int64_t>(v));
    std::ostringstream s;
    s << v;
    return s.str();
}

nlohmann::ordered_json json_number(double v) {
    if (v == std::floor(v) && std::fabs(v) < 9e15) return static_cast<int64_t>(v);
    return v;
}

std::string entity_text(const std::vector<client::quota_entity_part>& entity) {
    std::string out;
    for (const auto& p : entity) out += (out.empty() ? "" : ",") + p.type + "=" + (p.name ? *p.name : "<default>");
    return out;
}

nlohmann::ordered_json entity_json(const std::vector<client::quota_entity_part>& entity) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& p : entity)
        out.push_back({{"type", p.type}, {"name", p.name ? nlohmann::ordered_json(*p.name) : nlohmann::ordered_json()}});
    return out;
}

// --name type=name and --default type, each type once. nullopt with the usage message set.
std::optional<std::vector<client::quota_entity_part>> parse_entity(const entity_flags& f, std::string& why) {
    std::vector<client::quota_entity_part> out;
    std::set<std::string> types;
    for (const auto& n : f.names) {
        auto kv = parse_key_value(n);
        if (!kv || kv->first.empty() || kv->second.empty()) {
            why = "bad --name '" + n + "': expected type=name, e.g. --name client-id=my-app";
            return std::nullopt;
        }
        if (!types.insert(kv->first).second) {
            why = "entity type '" + kv->first + "' given twice: one --name or --default per type";
            return std::nullopt;
        }
        out.push_back({kv->first, kv->second});
    }
    for (const auto& d : f.defaults) {
        if (d.empty() || d.find('=') != std::string::npos) {
            why = "bad --default '" + d + "': expected an entity type, e.g. --default client-id";
            return std::nullopt;
        }
        if (!types.insert(d).second) {
            why = "entity type '" + d + "' given twice: one --name or --default per type";
            return std::nullopt;
        }
        out.push_back({d, std::nullopt});
    }
    return out;
}

int run_describe(const describe_options& o) {
    std::string why;
    auto entity = parse_entity(o.e, why);
    if (!entity) return usage(why);
    std::vector<client::quota_filter_part> filter;
    std::set<std::string> types;
    for (const auto& p : *entity) {
        types.insert(p.type);
        filter.push_back({p.type, p.name ? client::quota_filter_part::match::exact : client::quota_filter_part::match::default_entity,
                          p.name.value_or("")});
    }
    for (const auto& a : o.any) {
        if (a.empty() || a.find('=') != std::string::npos)
            return usage("bad --any '" + a + "': expected an entity type, e.g. --any client-id");
        if (!types.insert(a).second) return usage("entity type '" + a + "' given twice: one --name, --default or --any per type");
        filter.push_back({a, client::quota_filter_part::match::any, ""});
    }
    auto admin = client::quota_admin::connect(o.g.brokers, connect_timeout_ms);
    if (!admin) return fail(o.g, "describe quotas", admin.err());
    auto entries = admin->describe(filter, o.strict, request_timeout_ms);
    if (!entries) return fail(o.g, "describe quotas", entries.err());
    if (o.g.json()) {
        for (const auto& e : *entries) {
            nlohmann::ordered_json values = nlohmann::ordered_json::object();
            for (const auto& [k, v] : e.values) values[k] = json_number(v);
            std::cout << dump_line({{"entity", entity_json(e.entity)}, {"values", values}}) << "\n";
        }
        return exit_ok;
    }
    table out{{"entity", "key", "value"}, {}};
    for (const auto& e : *entries)
        for (const auto& [k, v] : e.values) out.rows.push_back({{"entity", entity_text(e.entity)}, {"key", k}, {"value", number(v)}});
    if (out.rows.empty()) {
        std::cout << "no quotas match\n";
        return exit_ok;
    }
    out.print(o.g);
    return exit_ok;
}

int run_alter(const alter_options& o) {
    std::string why;
    auto entity = parse_entity(o.e, why);
    if (!entity) return usage(why);
    if (entity->empty()) return usage("no entity: give --name type=name or --default type (e.g. --name client-id=my-app)");
    if (o.adds.empty() && o.deletes.empty())
        return usage("nothing to change: give --add key=value or --delete key (each repeatable)");
    std::vector<client::quota_change> changes;
    std::set<std::string> keys;
    for (const auto& a : o.adds) {
        auto kv = parse_key_value(a);
        if (!kv || kv->first.empty())
            return usage("bad --add '" + a + "': expected key=value, e.g. --add producer_byte_rate=1048576");
        double v = 0;
        size_t used = 0;
        try {
            v = std::stod(kv->second, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != kv->second.size())
            return usage("bad --add '" + a + "': the value must be a number (bytes per second; percent for request_percentage)");
        if (!keys.insert(kv->first).second) return usage("quota " + kv->first + " given twice");
        changes.push_back({kv->first, v});
    }
    for (const auto& d : o.deletes) {
        if (d.empty() || d.find('=') != std::string::npos)
            return usage("bad --delete '" + d + "': expected a quota key, e.g. --delete producer_byte_rate");
        if (!keys.insert(d).second) return usage("quota " + d + " is both added and deleted: pick one");
        changes.push_back({d, std::nullopt});
    }
    auto admin = client::quota_admin::connect(o.g.brokers, connect_timeout_ms);
    if (!admin) return fail(o.g, "alter quotas", admin.err());
    if (auto s = admin->alter(*entity, changes, o.dry, request_timeout_ms); !s)
        return fail(o.g, "alter quotas of " + entity_text(*entity), s.err());
    table out{{"entity", "key", "value", "action"}, {}};
    for (const auto& c : changes)
        out.rows.push_back({{"entity", entity_text(*entity)},
                            {"key", c.key},
                            {"value", c.value ? json_number(*c.value) : nlohmann::ordered_json()},
                            {"action", o.dry ? (c.value ? "would set" : "would delete") : (c.value ? "set" : "deleted")}});
    out.print(o.g);
    return exit_ok;
}

void add_entity_flags(CLI::App* cmd, entity_flags& e) {
    cmd->add_option("--name", e.names, "Entity type=name: client-id=ID or user=NAME (repeatable, one per type)");
    cmd->add_option("--default", e.defaults, "The default entity of a type: client-id or user (repeatable)");
}

} // namespace

void add_quota_commands(CLI::App& app, action& picked) {
    auto* quota = app.add_subcommand("quota", "Client quotas: produce/fetch byte rates per user and client-id");
    quota->require_subcommand(1);

    auto d = std::make_shared<describe_options>();
    auto* describe = quota->add_subcommand("describe", "List quotas; with no filter, every entity with a quota");
    add_entity_flags(describe, d->e);
    describe->add_option("--any", d->any, "Any entity of a type (named or default): client-id or user (repeatable)");
    describe->add_flag("--strict", d->strict, "Only entities with exactly the filtered types (no others)");
    add_global_options(describe, d->g);
    describe->callback([d, &picked] { picked = [d] { return run_describe(*d); }; });

    auto a = std::make_shared<alter_options>();
    auto* alter = quota->add_subcommand("alter", "Set or delete quotas of one entity (applied live on the broker)");
    add_entity_flags(alter, a->e);
    alter->add_option("--add", a->adds, "Set a quota key=value: producer_byte_rate or consumer_byte_rate (bytes/s), request_percentage "
                                       "(% of a shard thread) (repeatable)");
    alter->add_option("--delete", a->deletes, "Delete a quota key (repeatable)");
    alter->add_flag("--dry", a->dry, "Have the broker validate the change without applying it");
    add_global_options(alter, a->g);
    alter->callback([a, &picked] { picked = [a] { return run_alter(*a); }; });
}

} // namespace brook::cli
