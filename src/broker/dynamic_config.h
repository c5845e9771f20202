#pragma once
// The broker configs in force right now: the static ones (defaults < file < --set < env) with
// the dynamic entries on top (cluster-wide defaults, then this broker's own entries, as Kafka
// orders DYNAMIC_DEFAULT_BROKER_CONFIG below DYNAMIC_BROKER_CONFIG).
//
// An immutable snapshot: the controller (shard 0) builds a new one on every change and posts
// it to each shard (shard_state::dynamic), so readers never lock.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error_code.h"
#include "config/broker_config.h"
#include "storage/dynamic_config_store.h"

namespace brook::broker {

struct dynamic_config {
    storage::dynamic_broker_configs stored;   // as persisted in _meta
    config::broker_config effective;          // static config with `stored` applied
    std::vector<std::string> blocked_client_ids; // brook.produce.blocked.client.ids, parsed

    // The produce kill switch per client id (exact match).
    bool blocks_client(std::string_view client_id) const;
};

// Why a dynamic entry cannot be stored: INVALID_CONFIG (unknown property, bad value) or
// INVALID_REQUEST (a property that only changes with a restart), with a message saying what to do.
struct config_rejection {
    error_code error;
    std::string message;
};
std::optional<config_rejection> check_dynamic_entry(std::string_view name, std::string_view value);

// Builds the snapshot for `stored` over `statics`. Entries check_dynamic_entry() rejects are
// skipped with a warning (a file written by another version of Brook must not stop start-up).
dynamic_config build_dynamic_config(const config::broker_config& statics, storage::dynamic_broker_configs stored);

// Splits a comma-separated list: items trimmed of spaces, empty items dropped.
std::vector<std::string> split_list(std::string_view s);

} // namespace brook::broker
