#include "cli/cli.h"

namespace brook::cli {

commands::commands(CLI::App& app) {
    add_topic_commands(app, picked_);
    add_produce_command(app, picked_);
    add_consume_command(app, picked_);
    add_group_commands(app, picked_);
    add_replay_command(app, picked_);
    add_cluster_commands(app, picked_);
    add_quota_commands(app, picked_);
    add_schema_commands(app, picked_);
}

std::optional<int> commands::run() const {
    if (!picked_) return std::nullopt;
    return picked_();
}

} // namespace brook::cli
