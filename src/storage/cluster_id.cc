#include "storage/cluster_id.h"

#include <spdlog/spdlog.h>

#include "storage/file_handle.h"

namespace brook::storage {

result<std::string> load_or_create_cluster_id(const std::filesystem::path& data_dir, const std::string& fresh) {
    const auto meta = data_dir / "_meta";
    if (auto e = create_directories_durable(meta); e != error_code::none) return e;
    const auto file = meta / "cluster_id";
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) {
        auto bytes = read_whole_file(file);
        if (!bytes) return bytes.error(); // unreadable: never replace an id we cannot see
        std::string id(bytes->begin(), bytes->end());
        id = id.substr(0, id.find('\n'));
        if (!id.empty()) return id;
        // Empty: left by a first start that lost power before the data was written (older
        // versions wrote it in place); no broker ever served it.
        spdlog::warn("storage: {} is empty; storing a new cluster id", file.string());
    }
    const std::string text = fresh + "\n";
    auto e = write_file_atomic(file, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    if (e != error_code::none) {
        spdlog::error("storage: cannot store the cluster id in {}", file.string());
        return e;
    }
    return fresh;
}

} // namespace brook::storage
