#include "storage/client_quota_store.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "storage/file_handle.h"

namespace brook::storage {
namespace {

bool read_entry(const nlohmann::json& j, client_quota_entry& out) {
    if (!j.is_object() || !j.contains("entity") || !j["entity"].is_object() || !j.contains("values") ||
        !j["values"].is_object())
        return false;
    for (const auto& [type, name] : j["entity"].items()) {
        if (name.is_null()) out.entity[type] = std::nullopt;
        else if (name.is_string()) out.entity[type] = name.get<std::string>();
        else return false;
    }
    for (const auto& [key, value] : j["values"].items()) {
        if (!value.is_number()) return false;
        out.values[key] = value.get<double>();
    }
    return !out.entity.empty();
}

} // namespace

client_quota_store::client_quota_store(std::filesystem::path data_dir) : meta_(std::move(data_dir) / "_meta") {}

result<std::vector<client_quota_entry>> client_quota_store::load() const {
    std::vector<client_quota_entry> out;
    std::error_code ec;
    if (!std::filesystem::exists(path(), ec)) return out;
    auto bytes = read_whole_file(path());
    if (!bytes) return bytes.error();
    auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
    bool ok = !j.is_discarded() && j.is_object() && j.contains("quotas") && j["quotas"].is_array();
    if (ok)
        for (const auto& e : j["quotas"]) {
            client_quota_entry entry;
            if (!(ok = read_entry(e, entry))) break;
            out.push_back(std::move(entry));
        }
    if (!ok) {
        spdlog::error("storage: {} is not a valid client quota document", path().string());
        return error_code::kafka_storage_error;
    }
    return out;
}

bool client_quota_store::save(const std::vector<client_quota_entry>& entries) const {
    if (create_directories_durable(meta_) != error_code::none) return false;
    nlohmann::json quotas = nlohmann::json::array();
    for (const auto& e : entries) {
        nlohmann::json entity = nlohmann::json::object();
        for (const auto& [type, name] : e.entity) entity[type] = name ? nlohmann::json(*name) : nlohmann::json();
        nlohmann::json values = nlohmann::json::object();
        for (const auto& [k, v] : e.values) values[k] = v;
        quotas.push_back({{"entity", std::move(entity)}, {"values", std::move(values)}});
    }
    nlohmann::json j = {{"version", 1}, {"quotas", std::move(quotas)}};
    auto s = j.dump(2);
    return write_file_atomic(path(), std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size())) ==
           error_code::none;
}

} // namespace brook::storage
