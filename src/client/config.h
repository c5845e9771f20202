#pragma once
// Client configuration as librdkafka key/value pairs, applied in order (a later pair wins), so
// callers put defaults first and the user's `-X`-style overrides last. A plain value type.
#include <string>
#include <utility>
#include <vector>

namespace brook::client {

using config = std::vector<std::pair<std::string, std::string>>;

// bootstrap.servers plus the settings every Brook tool wants: fail fast when nothing answers
// instead of retrying for minutes, and no librdkafka log lines on stderr (errors come back
// as values instead).
config base_config(const std::string& brokers);

} // namespace brook::client
