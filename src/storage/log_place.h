#pragma once
// The topic and partition a storage path belongs to, for log fields: partitions live in
// <data>/<topic>/<partition>/ (broker.cc lays them out), so the names are read back from
// the path rather than threaded through every storage call. A path outside that layout
// (a test's temp dir) gives its parent names and partition -1.
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <string>

namespace brook::storage {

struct log_place {
    std::string topic;
    int32_t partition = -1;
};

// `dir`: a partition directory.
inline log_place place_of_dir(const std::filesystem::path& dir) {
    log_place out;
    const auto part = dir.filename().string();
    int32_t p = -1;
    if (auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), p); ec == std::errc() && end == part.data() + part.size())
        out.partition = p;
    out.topic = dir.parent_path().filename().string();
    return out;
}

// `file`: a file inside a partition directory.
inline log_place place_of_file(const std::filesystem::path& file) { return place_of_dir(file.parent_path()); }

} // namespace brook::storage
