// `brook topic create|list|describe|delete` (alter-config: topic_config.cc; add-partitions and trim:
// topic_admin.cc).
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "cli/format.h"
#include "cli/topic_config.h"

namespace brook::cli {
namespace {

struct create_options {
    global_options g;
    std::string name;
    int partitions = 1;
    int replicas = 1;
    std::vector<std::string> configs;
};

int run_create(const create_options& o) {
    client::new_topic t{o.name, o.partitions, o.replicas, {}};
    for (const auto& c : o.configs) {
        auto kv = parse_key_value(c);
        if (!kv) return usage("bad -c value '" + c + "': expected key=value, e.g. -c retention.ms=86400000");
        t.configs.push_back(*kv);
    }
    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, "create topic " + o.name, a.err());
    if (auto s = a->create_topic(t, request_timeout_ms); !s) return fail(o.g, "create topic " + o.name, s.err());
    table out{{"topic", "partitions", "replicas"}, {{{"topic", o.name}, {"partitions", o.partitions}, {"replicas", o.replicas}}}};
    out.print(o.g);
    return exit_ok;
}

struct list_options {
    global_options g;
    bool internal = false;
};

int run_list(const list_options& o) {
    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, "list topics", a.err());
    auto c = a->describe_cluster(request_timeout_ms);
    if (!c) return fail(o.g, "list topics", c.err());
    table out{{"topic", "partitions", "replicas"}, {}};
    for (const auto& t : c->topics) {
        if (!o.internal && t.name.starts_with("__")) continue;
        size_t replicas = t.partitions.empty() ? 0 : t.partitions.front().replicas.size();
        out.rows.push_back({{"topic", t.name}, {"partitions", t.partitions.size()}, {"replicas", replicas}});
    }
    out.print(o.g);
    return exit_ok;
}

struct describe_options {
    global_options g;
    std::string name;
    bool configs = false; // -c: the configs table only
    bool all = false;     // -a: partitions, then configs
};

int print_partitions(client::admin& a, const describe_options& o);

int run_describe(const describe_options& o) {
    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, "describe topic " + o.name, a.err());
    if (o.configs || o.all) {
        // Configs first checks that the topic exists (the broker says so by name).
        table configs{{"config", "value", "source"}, {}};
        if (auto s = topic_config_rows(*a, o.name, configs); !s) return fail(o.g, "describe configs of topic " + o.name, s.err());
        if (o.configs) {
            configs.print(o.g);
            return exit_ok;
        }
        if (auto rc = print_partitions(*a, o); rc != exit_ok) return rc;
        if (!o.g.json()) std::cout << "\n";
        configs.print(o.g);
        return exit_ok;
    }
    return print_partitions(*a, o);
}

int print_partitions(client::admin& a, const describe_options& o) {
    auto t = a.describe_topic(o.name, request_timeout_ms);
    if (!t) return fail(o.g, "describe topic " + o.name, t.err());
    table out{{"topic", "partition", "leader", "replicas", "isr", "log_start", "high_watermark"}, {}};
    for (const auto& p : t->partitions) {
        auto w = a.query_watermarks({o.name, p.partition}, request_timeout_ms);
        if (!w) return fail(o.g, "describe topic " + o.name + " partition " + std::to_string(p.partition), w.err());
        out.rows.push_back({{"topic", o.name}, {"partition", p.partition}, {"leader", p.leader},
                            {"replicas", p.replicas}, {"isr", p.isr}, {"log_start", w->log_start},
                            {"high_watermark", w->high}});
    }
    out.print(o.g);
    return exit_ok;
}

struct delete_options {
    global_options g;
    std::vector<std::string> names;
};

int run_delete(const delete_options& o) {
    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, "delete topics", a.err());
    auto res = a->delete_topics(o.names, request_timeout_ms);
    if (!res) return fail(o.g, "delete topics", res.err());
    int rc = exit_ok;
    table out{{"topic", "status"}, {}};
    for (const auto& s : *res) {
        out.rows.push_back({{"topic", s.name}, {"status", s.failed ? s.failed->code_name() : "deleted"}});
        if (s.failed) rc = fail(o.g, "delete topic " + s.name, *s.failed);
    }
    out.print(o.g);
    return rc;
}

} // namespace

void add_topic_commands(CLI::App& app, action& picked) {
    auto* topic = app.add_subcommand("topic", "Create, list, describe, delete topics, alter their configs, add partitions, trim");
    topic->require_subcommand(1);

    auto c = std::make_shared<create_options>();
    auto* create = topic->add_subcommand("create", "Create a topic");
    create->add_option("name", c->name, "Topic name")->required();
    create->add_option("-p,--partitions", c->partitions, "Number of partitions")->capture_default_str()->check(CLI::PositiveNumber);
    create->add_option("-r,--replicas", c->replicas, "Replication factor")->capture_default_str()->check(CLI::PositiveNumber);
    create->add_option("-c,--config", c->configs, "Topic config key=value (repeatable)");
    add_global_options(create, c->g);
    create->callback([c, &picked] { picked = [c] { return run_create(*c); }; });

    auto l = std::make_shared<list_options>();
    auto* list = topic->add_subcommand("list", "List topics with their partition counts");
    list->add_flag("-i,--internal", l->internal, "Include internal topics (__consumer_offsets, ...)");
    add_global_options(list, l->g);
    list->callback([l, &picked] { picked = [l] { return run_list(*l); }; });

    auto d = std::make_shared<describe_options>();
    auto* describe = topic->add_subcommand("describe", "Partitions of a topic: leader, replicas, log start, high watermark (-c: configs with their sources, -a: both)");
    describe->add_option("name", d->name, "Topic name")->required();
    describe->add_flag("-c,--print-configs", d->configs, "Print the topic's configs with their sources instead of its partitions");
    describe->add_flag("-a,--print-all", d->all, "Print the partitions, then the configs");
    add_global_options(describe, d->g);
    describe->callback([d, &picked] { picked = [d] { return run_describe(*d); }; });

    auto x = std::make_shared<delete_options>();
    auto* del = topic->add_subcommand("delete", "Delete topics");
    del->add_option("names", x->names, "Topic names")->required();
    add_global_options(del, x->g);
    del->callback([x, &picked] { picked = [x] { return run_delete(*x); }; });

    add_topic_alter_config_command(topic, picked);
    add_topic_admin_commands(topic, picked);
}

} // namespace brook::cli
