#pragma once
// client_quota_store: the client quotas set with AlterClientQuotas, in
// `<data>/_meta/client_quotas.json`:
//   {"version":1,"quotas":[{"entity":{"user":"alice","client-id":null},
//                           "values":{"producer_byte_rate":1048576}}]}
// An entity names each of its components (Kafka's entity types, e.g. "user", "client-id") with
// a name, or null for the default entity of that type. The file is replaced atomically (temp +
// fsync + rename + directory fsync), so a crash leaves either the old or the new set. Entries
// are stored as given; the broker validates them.
//
// Used by the controller side of the broker (one thread at a time); not thread-safe.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace brook::storage {

// Entity type -> name (nullopt: the default entity of that type), ordered by type.
using quota_entity_parts = std::map<std::string, std::optional<std::string>>;

struct client_quota_entry {
    quota_entity_parts entity;
    std::map<std::string, double> values; // quota key -> value
    bool operator==(const client_quota_entry&) const = default;
};

class client_quota_store {
public:
    explicit client_quota_store(std::filesystem::path data_dir);

    // Empty when no file exists. An unreadable or malformed file is KAFKA_STORAGE_ERROR:
    // starting without quotas the operator set would be a silent surprise.
    result<std::vector<client_quota_entry>> load() const;
    [[nodiscard]] bool save(const std::vector<client_quota_entry>& entries) const;

    std::filesystem::path path() const { return meta_ / "client_quotas.json"; }

private:
    std::filesystem::path meta_;
};

} // namespace brook::storage
