#include "storage/recovery_point.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "storage/file_handle.h"

namespace brook::storage {

result<checkpoint_found> read_recovery_checkpoint(const std::filesystem::path& dir) {
    auto path = dir / recovery_checkpoint_file;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        if (ec) return error_code::kafka_storage_error;
        return checkpoint_found{};
    }
    auto bytes = read_whole_file(path);
    if (!bytes) return bytes.error();
    auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
    checkpoint_found out;
    out.k = checkpoint_found::kind::unreadable;
    if (j.is_discarded() || !j.is_object() || j.value("version", 0) != 1) return out;
    auto rp = j.find("recovery_point");
    auto clean = j.find("clean_shutdown");
    if (rp == j.end() || !rp->is_number_integer() || rp->get<int64_t>() < 0 || clean == j.end() ||
        !clean->is_boolean())
        return out;
    out.k = checkpoint_found::kind::ok;
    out.cp = {offset(rp->get<int64_t>()), clean->get<bool>()};
    return out;
}

error_code write_recovery_checkpoint(const std::filesystem::path& dir, const recovery_checkpoint& cp) {
    nlohmann::json j = {{"version", 1}, {"recovery_point", cp.point()}, {"clean_shutdown", cp.clean_shutdown}};
    auto s = j.dump();
    auto e = write_file_atomic(dir / recovery_checkpoint_file,
                               std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
    if (e != error_code::none) spdlog::error("storage: cannot write {}", (dir / recovery_checkpoint_file).string());
    return e;
}

} // namespace brook::storage
