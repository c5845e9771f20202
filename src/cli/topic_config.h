#pragma once
// `brook topic alter-config` and the configs part of `brook topic describe` (topic_config.cc).
#include <string>

#include "cli/common.h"

namespace brook::cli {

void add_topic_alter_config_command(CLI::App* topic, action& picked);
// Appends one row per config of `topic` ({"config","value","source"}) to `out`; the error when
// the broker refuses (e.g. unknown topic).
client::status topic_config_rows(client::admin& a, const std::string& topic, table& out);

} // namespace brook::cli
