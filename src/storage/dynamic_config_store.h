#pragma once
// dynamic_config_store: the broker configs changed at run time (AlterConfigs and
// IncrementalAlterConfigs on the broker resource), in `<data>/_meta/dynamic_broker_configs.json`:
//   {"version":1,"broker":{"log.retention.ms":"60000"},"cluster_default":{...}}
// "broker" holds the per-broker entries (resource name = node id, DYNAMIC_BROKER_CONFIG),
// "cluster_default" the cluster-wide defaults (resource name "", DYNAMIC_DEFAULT_BROKER_CONFIG).
// The file is replaced atomically (temp + fsync + rename + directory fsync), so a crash leaves
// either the old or the new set. Values are stored as given; the broker validates them.
//
// Used by the controller side of the broker (one thread at a time); not thread-safe.
#include <filesystem>
#include <map>
#include <string>

#include "base/result.h"

namespace brook::storage {

struct dynamic_broker_configs {
    std::map<std::string, std::string> broker;
    std::map<std::string, std::string> cluster_default;
    bool operator==(const dynamic_broker_configs&) const = default;
};

class dynamic_config_store {
public:
    explicit dynamic_config_store(std::filesystem::path data_dir);

    // Empty when no file exists. An unreadable or malformed file is KAFKA_STORAGE_ERROR:
    // starting with other settings than the operator made would be a silent surprise.
    result<dynamic_broker_configs> load() const;
    [[nodiscard]] bool save(const dynamic_broker_configs& c) const;

    std::filesystem::path path() const { return meta_ / "dynamic_broker_configs.json"; }

private:
    std::filesystem::path meta_;
};

} // namespace brook::storage
