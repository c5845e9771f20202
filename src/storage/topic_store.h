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
    // Deletes the document, then `<data>/<name>/` with all its partitions. False on failure.
    [[nodiscard]] bool remove(const std::string& name) const;

    std::filesystem::path topics_dir() const { return data_ / "_meta" / "topics"; }

private:
    std::filesystem::path data_;
};

} // namespace brook::storage
