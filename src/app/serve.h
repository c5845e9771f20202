#pragma once
// `brook serve`: builds the configuration, wires the components per shard, serves until
// SIGTERM/SIGINT, then shuts down cleanly (stop accepting, close connections, sync and
// close every log). The only place that knows every component.
#include <optional>
#include <string>
#include <vector>

namespace brook::app {

struct serve_options {
    std::optional<std::string> data_dir, kafka_addr, advertise_addr, admin_addr, schema_registry_addr, config_file,
        log_format;
    std::optional<int> smp;
    std::vector<std::string> sets;
    bool help_config = false;
};

int run_serve(const serve_options& opts, char** environ);

} // namespace brook::app
