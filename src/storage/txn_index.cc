#include "storage/txn_index.h"

#include <algorithm>
#include <array>
#include <spdlog/spdlog.h>

#include "base/endian.h"

namespace brook::storage {
namespace {

void encode(const aborted_txn_entry& e, uint8_t* p) {
    store_be<int16_t>(p, 0);
    store_be<int64_t>(p + 2, e.pid());
    store_be<int64_t>(p + 10, e.first_offset());
    store_be<int64_t>(p + 18, e.last_offset());
    store_be<int64_t>(p + 26, e.last_stable_offset());
}

} // namespace

result<txn_index> txn_index::create(std::filesystem::path path) {
    txn_index idx(std::move(path));
    if (auto e = idx.reset(); e != error_code::none) return e;
    // Nothing to sync yet (the directory entry is synced with the segment's), and most
    // segments never see an abort: hold no fd until one comes.
    idx.dirty_ = false;
    idx.file_.reset();
    return idx;
}

result<txn_index> txn_index::load(std::filesystem::path path) {
    txn_index idx(std::move(path));
    std::error_code ec;
    if (!std::filesystem::exists(idx.path_, ec)) {
        idx.needs_rebuild_ = true;
        idx.missing_ = true;
        return idx;
    }
    auto raw = read_whole_file(idx.path_);
    if (!raw) return raw.error();
    bool ok = raw->size() % aborted_txn_entry::size == 0;
    for (size_t pos = 0; ok && pos < raw->size(); pos += aborted_txn_entry::size) {
        const uint8_t* p = raw->data() + pos;
        aborted_txn_entry e{producer_id(load_be<int64_t>(p + 2)), offset(load_be<int64_t>(p + 10)),
                            offset(load_be<int64_t>(p + 18)), offset(load_be<int64_t>(p + 26))};
        ok = load_be<int16_t>(p) == 0 && e.first_offset <= e.last_offset &&
             (idx.entries_.empty() || idx.entries_.back().last_offset < e.last_offset);
        if (ok) idx.entries_.push_back(e);
    }
    if (!ok) {
        idx.entries_.clear();
        idx.needs_rebuild_ = true;
    }
    return idx;
}

error_code txn_index::ensure_open() {
    if (file_) return error_code::none;
    auto f = file_handle::open(path_, true);
    if (!f) return f.error();
    file_ = std::move(*f);
    return error_code::none;
}

error_code txn_index::append(const aborted_txn_entry& e) {
    size_t at = entries_.size() * aborted_txn_entry::size;
    entries_.push_back(e);
    if (broken_) return error_code::kafka_storage_error;
    error_code err = ensure_open();
    if (err == error_code::none) {
        std::array<uint8_t, aborted_txn_entry::size> buf{};
        encode(e, buf.data());
        err = file_->pwrite_all(buf, at);
    }
    if (err != error_code::none) {
        // The marker it describes is already in the log, so the entry stays in memory (fetches
        // stay right) and the file, now short of it, is deleted at the next sync: the next
        // open rebuilds it from the log.
        spdlog::error("storage: cannot write {}; it will be rebuilt at the next start", path_.string());
        broken_ = true;
        return err;
    }
    dirty_ = true;
    return error_code::none;
}

error_code txn_index::truncate_from(offset o) {
    if (broken_) return error_code::kafka_storage_error;
    auto keep = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.last_offset >= o; });
    if (keep == entries_.end()) return error_code::none;
    size_t n = static_cast<size_t>(keep - entries_.begin());
    if (auto err = ensure_open(); err != error_code::none) return err;
    if (auto err = file_->truncate(n * aborted_txn_entry::size); err != error_code::none) return err;
    entries_.resize(n);
    dirty_ = true;
    return error_code::none;
}

error_code txn_index::reset() {
    if (auto err = ensure_open(); err != error_code::none) return err;
    if (auto err = file_->truncate(0); err != error_code::none) return err;
    entries_.clear();
    needs_rebuild_ = false;
    missing_ = false;
    dirty_ = true;
    return error_code::none;
}

error_code txn_index::sync() {
    if (broken_) {
        remove_file();
        return error_code::none;
    }
    if (dirty_ && file_) {
        if (auto err = file_->datasync(); err != error_code::none) return err;
    }
    dirty_ = false;
    file_.reset();
    return error_code::none;
}

std::shared_ptr<file_handle> txn_index::take_unsynced() {
    if (broken_) {
        remove_file();
        return nullptr;
    }
    std::shared_ptr<file_handle> out;
    if (dirty_) out = std::move(file_);
    file_.reset();
    dirty_ = false;
    return out;
}

void txn_index::remove_file() {
    file_.reset();
    std::error_code ec;
    std::filesystem::remove(path_, ec);
    if (ec) spdlog::warn("storage: cannot remove {}: {}", path_.string(), ec.message());
}

} // namespace brook::storage
