// `brook cluster info`.
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "cli/format.h"

namespace brook::cli {
namespace {

struct info_options {
    global_options g;
};

int run_info(const info_options& o) {
    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, "cluster info", a.err());
    auto c = a->describe_cluster(request_timeout_ms);
    if (!c) return fail(o.g, "cluster info", c.err());
    table brokers{{"id", "host", "port"}, {}};
    for (const auto& b : c->brokers) brokers.rows.push_back({{"id", b.id}, {"host", b.host}, {"port", b.port}});
    if (o.g.json()) {
        nlohmann::ordered_json j{{"cluster_id", c->cluster_id.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(c->cluster_id)},
                                 {"controller", c->controller}, {"brokers", brokers.rows}};
        std::cout << dump_line(j) << "\n";
        return exit_ok;
    }
    std::cout << "CLUSTER     " << (c->cluster_id.empty() ? "-" : c->cluster_id) << "\nCONTROLLER  " << c->controller
              << "\n\n";
    brokers.print(o.g);
    return exit_ok;
}

} // namespace

void add_cluster_commands(CLI::App& app, action& picked) {
    auto* cluster = app.add_subcommand("cluster", "Cluster metadata");
    cluster->require_subcommand(1);
    auto o = std::make_shared<info_options>();
    auto* info = cluster->add_subcommand("info", "Brokers, cluster id and controller");
    add_global_options(info, o->g);
    info->callback([o, &picked] { picked = [o] { return run_info(*o); }; });
}

} // namespace brook::cli
