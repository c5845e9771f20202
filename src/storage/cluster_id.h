#pragma once
// The cluster id file, `<data>/_meta/cluster_id`: the id on one line (Kafka's 22-character
// base64 form). Written once, at first start, and durable before the broker serves it: the
// `_meta` directory entry is fsynced into the data directory and the file is replaced
// atomically (temp + fsync + rename + directory fsync), so a power cut leaves either no file
// or the whole id — never a torn or empty one that would make the next start pick a new id.
// Startup only (one thread).
#include <filesystem>
#include <string>

#include "base/result.h"

namespace brook::storage {

// The stored id of `data_dir`, or, when there is none (no file, or an empty one), `fresh`
// after storing it. KAFKA_STORAGE_ERROR (logged) when it can be neither read nor stored: the
// broker must not serve an id the next start would not find.
result<std::string> load_or_create_cluster_id(const std::filesystem::path& data_dir, const std::string& fresh);

} // namespace brook::storage
