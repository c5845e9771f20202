#include "storage/topic_store.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "storage/file_handle.h"

namespace brook::storage {
namespace {

std::string to_hex(const std::array<uint8_t, 16>& id) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (uint8_t b : id) {
        s += digits[b >> 4];
        s += digits[b & 0xf];
    }
    return s;
}

bool from_hex(const std::string& s, std::array<uint8_t, 16>& id) {
    if (s.size() != 32) return false;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (size_t i = 0; i < 16; ++i) {
        int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        id[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return true;
}

} // namespace

topic_store::topic_store(std::filesystem::path data_dir) : data_(std::move(data_dir)) {}

result<std::vector<topic_metadata>> topic_store::load() const {
    std::vector<topic_metadata> out;
    std::error_code ec;
    auto dir = topics_dir();
    if (!std::filesystem::exists(dir, ec)) return out;
    for (const auto& de : std::filesystem::directory_iterator(dir, ec)) {
        const auto& p = de.path();
        if (p.extension() != ".json") continue; // including a leftover temp file
        auto bytes = read_whole_file(p);
        if (!bytes) return bytes.error();
        auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
        topic_metadata t;
        bool ok = !j.is_discarded() && j.is_object() && j.contains("name") && j["name"].is_string() &&
                  j.contains("partitions") && j["partitions"].is_number_integer() && j.contains("topic_id") &&
                  j["topic_id"].is_string();
        if (ok) {
            t.name = j["name"].get<std::string>();
            t.partitions = j["partitions"].get<int32_t>();
            ok = from_hex(j["topic_id"].get<std::string>(), t.topic_id) && is_valid_topic_name(t.name) &&
                 t.partitions > 0 && p.stem() == t.name;
            if (ok && j.contains("configs") && j["configs"].is_object()) {
                for (const auto& [k, v] : j["configs"].items())
                    if (v.is_string()) t.configs[k] = v.get<std::string>();
            }
        }
        if (!ok) {
            spdlog::warn("storage: skipping unreadable topic metadata {}", p.string());
            continue;
        }
        out.push_back(std::move(t));
    }
    if (ec) {
        spdlog::error("storage: cannot list {}: {}", dir.string(), ec.message());
        return error_code::kafka_storage_error;
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

bool topic_store::save(const topic_metadata& t) const {
    if (!is_valid_topic_name(t.name)) {
        spdlog::error("storage: refusing to store topic with invalid name '{}'", t.name);
        return false;
    }
    // The first topic creates the directory: its entry must be durable with the document.
    if (create_directories_durable(topics_dir()) != error_code::none) return false;
    nlohmann::json configs = nlohmann::json::object();
    for (const auto& [k, v] : t.configs) configs[k] = v;
    nlohmann::json j = {{"version", 1},
                        {"name", t.name},
                        {"topic_id", to_hex(t.topic_id)},
                        {"partitions", t.partitions},
                        {"configs", configs}};
    auto s = j.dump(2);
    // `<249-byte name>.json` is 254 bytes: a `.tmp` suffix would pass the 255-byte file-name
    // limit. One fixed temp name is enough (one writer at a time); not `.json`, so load() skips it.
    return write_file_atomic(topics_dir() / (t.name + ".json"),
                             std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()),
                             topics_dir() / ".saving.tmp") == error_code::none;
}

namespace {

bool is_partition_dir_name(const std::string& stem) {
    return !stem.empty() && std::all_of(stem.begin(), stem.end(), ::isdigit);
}

// Renames every partition directory of `dir` to `<p>.<tag>-delete` and fsyncs `dir` once.
bool retire_partition_dirs(const std::filesystem::path& dir, const std::string& tag,
                           std::vector<std::filesystem::path>& retired) {
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) return true;
    // Only the partition directories (numeric names): a topic may legally be called "_meta",
    // and deleting it must not take the metadata directory with it.
    std::vector<std::filesystem::path> partitions;
    for (const auto& de : std::filesystem::directory_iterator(dir, ec)) {
        if (de.is_directory() && is_partition_dir_name(de.path().filename().string())) partitions.push_back(de.path());
    }
    if (ec) {
        spdlog::error("storage: cannot list {}: {}", dir.string(), ec.message());
        return false;
    }
    for (const auto& p : partitions) {
        auto doomed = p;
        doomed += "." + tag + "-delete";
        std::error_code rec;
        std::filesystem::remove_all(doomed, rec); // an earlier attempt's
        std::filesystem::rename(p, doomed, rec);
        if (rec) {
            spdlog::error("storage: cannot retire {}: {}", p.string(), rec.message());
            return false;
        }
        retired.push_back(doomed);
    }
    // The renames must be durable before the caller answers: a crash must not bring back a
    // directory under a partition's name that a topic created later would be offered.
    return partitions.empty() || sync_directory(dir) == error_code::none;
}

} // namespace

bool topic_store::remove(const std::string& name, const std::array<uint8_t, 16>& id,
                         std::vector<std::filesystem::path>* retired) const {
    if (!is_valid_topic_name(name)) return false;
    std::error_code ec;
    std::filesystem::remove(topics_dir() / (name + ".json"), ec);
    if (ec) {
        spdlog::error("storage: cannot remove metadata of {}: {}", name, ec.message());
        return false;
    }
    if (sync_directory(topics_dir()) != error_code::none) return false;
    std::vector<std::filesystem::path> mine;
    if (!retire_partition_dirs(data_ / name, to_hex(id), retired ? *retired : mine)) return false;
    if (!retired) {
        remove_retired(mine);
        std::filesystem::remove(data_ / name, ec); // fails harmlessly when something else lives there
    }
    return true;
}

bool topic_store::retire_leftovers(const std::string& name, std::vector<std::filesystem::path>* retired) const {
    if (!is_valid_topic_name(name)) return false;
    std::vector<std::filesystem::path> mine;
    if (!retire_partition_dirs(data_ / name, "leftover", retired ? *retired : mine)) return false;
    remove_retired(mine);
    return true;
}

void topic_store::remove_retired(const std::vector<std::filesystem::path>& dirs) {
    for (const auto& d : dirs) {
        std::error_code ec;
        std::filesystem::remove_all(d, ec);
        if (ec) spdlog::warn("storage: cannot remove {}: {} (left behind, no longer used)", d.string(), ec.message());
    }
}

std::vector<std::filesystem::path> topic_store::find_retired() const {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& t : std::filesystem::directory_iterator(data_, ec)) {
        if (!t.is_directory()) continue;
        std::error_code pec;
        for (const auto& p : std::filesystem::directory_iterator(t.path(), pec)) {
            auto n = p.path().filename().string();
            auto dot = n.find('.');
            if (!p.is_directory() || dot == std::string::npos || !is_partition_dir_name(n.substr(0, dot))) continue;
            if (n.ends_with("-delete") || n.ends_with(".deleted")) out.push_back(p.path());
        }
    }
    return out;
}

} // namespace brook::storage
