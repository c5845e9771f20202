#pragma once
// topic_store: durable topic metadata, one JSON document per topic in
// `<data>/_meta/topics/<topic>.json`, each replaced atomically (temp + fsync + rename):
//   {"version":1,"name":"orders","topic_id":"<32 hex digits>","partitions":3,
//    "configs":{"retention.ms":"60000"}}
// Topic data itself lives in `<data>/<topic>/<partition>/` (partition_log).
//
// Used by the controller side of the broker (one thread at a time); not thread-safe.
// Names are checked with is_valid_topic_name() before they touch the file system, so a
// name can never escape the data directory.
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/broker_config.h"

namespace brook::storage {

struct topic_metadata {
    std::string name;
    std::array<uint8_t, 16> topic_id{};
    int32_t partitions = 0;
    std::map<std::string, std::string> configs;
    bool operator==(const topic_metadata&) const = default;
};

// Kafka's rules (one definition, in config): checked before a name touches the file system.
using config::is_valid_topic_name;

class topic_store {
public:
    explicit topic_store(std::filesystem::path data_dir);

    // Every stored topic, sorted by name. A damaged file is skipped with a warning (the
    // topic's data stays on disk); I/O failure is KAFKA_STORAGE_ERROR.
    result<std::vector<topic_metadata>> load() const;
    // Creates or replaces one topic's document. False (logged) on an invalid name or I/O error.
    [[nodiscard]] bool save(const topic_metadata& t) const;
    // Deletes the document (durably), then retires every partition directory of `<data>/<name>/`:
    // renamed to `<p>.<id hex>-delete` (Kafka's `-delete` suffix; `id`: the topic's) and the
    // topic directory fsynced, so that after a crash no directory of the old topic is found
    // under a partition's name. The renamed directories are removed before returning, or, with
    // `retired`, handed to the caller to remove later (remove_retired). False on failure.
    [[nodiscard]] bool remove(const std::string& name, const std::array<uint8_t, 16>& id = {},
                              std::vector<std::filesystem::path>* retired = nullptr) const;
    // Retires the partition directories under `<data>/<name>/` of a topic with no metadata
    // (left by a delete that a crash cut short), as remove() does; before a topic of that name
    // is created. False on failure.
    [[nodiscard]] bool retire_leftovers(const std::string& name, std::vector<std::filesystem::path>* retired) const;
    // Removes retired directories (any thread; failures are logged and left behind).
    static void remove_retired(const std::vector<std::filesystem::path>& dirs);
    // Every retired directory still on disk (`<data>/<topic>/*-delete`, and the `.deleted` ones
    // of older releases): removed at start-up.
    std::vector<std::filesystem::path> find_retired() const;

    std::filesystem::path topics_dir() const { return data_ / "_meta" / "topics"; }

private:
    std::filesystem::path data_;
};

} // namespace brook::storage
