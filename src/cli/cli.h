#pragma once
// The `brook` client commands (topic, produce, consume, group, replay, cluster, schema), registered on the
// binary's CLI11 app next to `serve`. They talk to any Kafka-compatible broker through
// src/client only (schema: any Confluent-compatible schema registry over HTTP). Usage from main():
//   brook::cli::commands cli(app);
//   CLI11 parse ...
//   if (auto rc = cli.run()) return *rc;
#include <CLI/CLI.hpp>

#include <optional>

#include "cli/common.h"

namespace brook::cli {

class commands {
public:
    explicit commands(CLI::App& app);
    // CLI11 callbacks point at this object: it stays where main() made it.
    commands(const commands&) = delete;
    commands& operator=(const commands&) = delete;

    // The exit code of the client command the user picked, or nullopt when they picked none
    // (e.g. `serve`). Call once, after a successful parse.
    std::optional<int> run() const;

private:
    action picked_;
};

// One per noun, each in its own file; `picked` is set by the chosen leaf's parse callback.
void add_topic_commands(CLI::App& app, action& picked);
// `topic add-partitions|trim` (topic_admin.cc), on the `topic` command.
void add_topic_admin_commands(CLI::App* topic, action& picked);
void add_produce_command(CLI::App& app, action& picked);
void add_consume_command(CLI::App& app, action& picked);
void add_group_commands(CLI::App& app, action& picked);
void add_group_admin_commands(CLI::App* group, action& picked); // from add_group_commands
void add_replay_command(CLI::App& app, action& picked);
void add_cluster_commands(CLI::App& app, action& picked);
void add_quota_commands(CLI::App& app, action& picked); // quota.cc
void add_schema_commands(CLI::App& app, action& picked);

} // namespace brook::cli
