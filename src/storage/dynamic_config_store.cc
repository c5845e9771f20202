#include "storage/dynamic_config_store.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "storage/file_handle.h"

namespace brook::storage {

dynamic_config_store::dynamic_config_store(std::filesystem::path data_dir) : meta_(std::move(data_dir) / "_meta") {}

result<dynamic_broker_configs> dynamic_config_store::load() const {
    dynamic_broker_configs out;
    std::error_code ec;
    if (!std::filesystem::exists(path(), ec)) return out;
    auto bytes = read_whole_file(path());
    if (!bytes) return bytes.error();
    auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
    auto read_map = [&](const char* key, std::map<std::string, std::string>& m) {
        if (!j.contains(key)) return true;
        if (!j[key].is_object()) return false;
        for (const auto& [k, v] : j[key].items()) {
            if (!v.is_string()) return false;
            m[k] = v.get<std::string>();
        }
        return true;
    };
    if (j.is_discarded() || !j.is_object() || !read_map("broker", out.broker) ||
        !read_map("cluster_default", out.cluster_default)) {
        spdlog::error("storage: {} is not a valid dynamic config document", path().string());
        return error_code::kafka_storage_error;
    }
    return out;
}

bool dynamic_config_store::save(const dynamic_broker_configs& c) const {
    if (create_directories_durable(meta_) != error_code::none) return false;
    nlohmann::json j = {{"version", 1},
                        {"broker", nlohmann::json::object()},
                        {"cluster_default", nlohmann::json::object()}};
    for (const auto& [k, v] : c.broker) j["broker"][k] = v;
    for (const auto& [k, v] : c.cluster_default) j["cluster_default"][k] = v;
    auto s = j.dump(2);
    return write_file_atomic(path(), std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size())) ==
           error_code::none;
}

} // namespace brook::storage
