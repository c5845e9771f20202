#pragma once
// The table of APIs this broker serves (what ApiVersions advertises). Generated from the
// `served` .def files into api_table.cc; immutable, safe to read from any thread.
#include <cstdint>
#include <span>
#include <string_view>

namespace brook::protocol {

// first_flexible_version is INT16_MAX when none of the served versions is flexible.
struct api_info {
    int16_t api_key;
    std::string_view name;
    int16_t min_version;
    int16_t max_version;
    int16_t first_flexible_version;

    bool supports(int16_t v) const { return v >= min_version && v <= max_version; }
    bool is_flexible(int16_t v) const { return v >= first_flexible_version; }
};

// Served APIs, sorted by api_key.
std::span<const api_info> served_apis();
// nullptr if the key is not served.
const api_info* find_api(int16_t key);

} // namespace brook::protocol
