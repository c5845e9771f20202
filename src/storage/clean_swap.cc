#include "storage/clean_swap.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "storage/file_handle.h"
#include "storage/segment.h"

namespace brook::storage {
namespace {

constexpr const char* manifest_name = "manifest.json";
constexpr const char* checkpoint_name = "cleaner.checkpoint";
constexpr const char* segment_exts[] = {".index", ".timeindex", ".txnindex", ".log"};

} // namespace

std::filesystem::path cleaned_dir(const std::filesystem::path& d) { return d / ".cleaned"; }
std::filesystem::path swap_dir(const std::filesystem::path& d) { return d / ".swap"; }

error_code write_manifest(const std::filesystem::path& dir, const clean_manifest& m) {
    nlohmann::json j;
    j["version"] = 1;
    j["replaced"] = nlohmann::json::array();
    j["created"] = nlohmann::json::array();
    for (auto o : m.replaced) j["replaced"].push_back(o());
    for (auto o : m.created) j["created"].push_back(o());
    j["cleaned_upto"] = m.cleaned_upto();
    auto s = j.dump();
    return write_file_atomic(dir / manifest_name,
                             std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

result<clean_manifest> read_manifest(const std::filesystem::path& dir) {
    auto bytes = read_whole_file(dir / manifest_name);
    if (!bytes) return bytes.error();
    auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("version", 0) != 1 || !j.contains("replaced") ||
        !j["replaced"].is_array() || !j.contains("created") || !j["created"].is_array())
        return error_code::corrupt_message;
    clean_manifest m;
    for (const auto& v : j["replaced"]) {
        if (!v.is_number_integer()) return error_code::corrupt_message;
        m.replaced.push_back(offset(v.get<int64_t>()));
    }
    for (const auto& v : j["created"]) {
        if (!v.is_number_integer()) return error_code::corrupt_message;
        m.created.push_back(offset(v.get<int64_t>()));
    }
    m.cleaned_upto = offset(j.value("cleaned_upto", int64_t(0)));
    return m;
}

error_code commit_swap(const std::filesystem::path& d) {
    std::error_code ec;
    std::filesystem::rename(cleaned_dir(d), swap_dir(d), ec);
    if (ec) {
        spdlog::error("storage: cannot rename {} to {}: {}", cleaned_dir(d).string(), swap_dir(d).string(), ec.message());
        return error_code::kafka_storage_error;
    }
    return sync_directory(d);
}

error_code complete_swap(const std::filesystem::path& d) {
    const auto sw = swap_dir(d);
    std::error_code ec;
    if (!std::filesystem::exists(sw, ec)) return error_code::none;
    auto m = read_manifest(sw);
    if (!m) {
        // The manifest is written (and synced) before the rename that creates `.swap`, and
        // removed only after every file left it: a missing one means the swap was finished.
        std::filesystem::remove_all(sw, ec);
        return error_code::none;
    }
    for (auto base : m->replaced) {
        if (std::find(m->created.begin(), m->created.end(), base) != m->created.end()) continue;
        for (const char* ext : segment_exts) {
            std::filesystem::remove(d / (offset_file_stem(base) + ext), ec);
            if (ec) {
                spdlog::error("storage: cannot remove {}: {}", (d / (offset_file_stem(base) + ext)).string(), ec.message());
                return error_code::kafka_storage_error;
            }
        }
    }
    for (auto base : m->created) {
        // Order does not matter: open() completes a swap before reading any of these files.
        for (const char* ext : segment_exts) {
            auto from = sw / (offset_file_stem(base) + ext);
            if (!std::filesystem::exists(from, ec)) continue; // moved before a crash
            std::filesystem::rename(from, d / (offset_file_stem(base) + ext), ec);
            if (ec) {
                spdlog::error("storage: cannot move {} into place: {}", from.string(), ec.message());
                return error_code::kafka_storage_error;
            }
        }
    }
    if (auto e = sync_directory(d); e != error_code::none) return e;
    // Durably before the manifest goes: recovery (partition_log_open.cc) reads it to know that
    // segments below it are the cleaner's fdatasynced output, which may be empty, where an
    // empty sealed segment would otherwise mean data lost to a power cut.
    if (auto cur = read_clean_checkpoint(d); !cur || *cur < m->cleaned_upto) {
        const auto text = std::to_string(m->cleaned_upto()) + "\n";
        if (auto e = write_file_atomic(d / checkpoint_name,
                                       std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
            e != error_code::none)
            return e;
    }
    std::filesystem::remove(sw / manifest_name, ec);
    std::filesystem::remove_all(sw, ec);
    return error_code::none;
}

void discard_cleaned(const std::filesystem::path& d) {
    std::error_code ec;
    std::filesystem::remove_all(cleaned_dir(d), ec);
    if (ec) spdlog::warn("storage: cannot remove {}: {}", cleaned_dir(d).string(), ec.message());
}

error_code recover_interrupted_clean(const std::filesystem::path& d) {
    std::error_code ec;
    if (std::filesystem::exists(swap_dir(d), ec)) {
        spdlog::info("storage: {}: finishing an interrupted log clean", d.string());
        if (auto e = complete_swap(d); e != error_code::none) return e;
    }
    if (std::filesystem::exists(cleaned_dir(d), ec)) {
        spdlog::info("storage: {}: discarding an unfinished log clean", d.string());
        discard_cleaned(d);
    }
    return error_code::none;
}

std::optional<offset> read_clean_checkpoint(const std::filesystem::path& d) {
    std::ifstream in(d / checkpoint_name);
    int64_t v = -1;
    if (!(in >> v) || v < 0) return std::nullopt;
    return offset(v);
}

void write_clean_checkpoint(const std::filesystem::path& d, offset o) {
    auto tmp = d / (std::string(checkpoint_name) + ".tmp");
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << o() << '\n';
        if (!out) return;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, d / checkpoint_name, ec);
}

} // namespace brook::storage
