#include "storage/index.h"

#include <algorithm>
#include <array>

#include <spdlog/spdlog.h>

#include "base/endian.h"

namespace brook::storage {
namespace {

void encode(const offset_index_entry& e, uint8_t* p) {
    store_be<uint32_t>(p, e.relative_offset);
    store_be<uint32_t>(p + 4, e.position);
}
void decode(offset_index_entry& e, const uint8_t* p) {
    e.relative_offset = load_be<uint32_t>(p);
    e.position = load_be<uint32_t>(p + 4);
}
bool ordered(const offset_index_entry& a, const offset_index_entry& b) {
    return a.relative_offset < b.relative_offset && a.position < b.position;
}

void encode(const time_index_entry& e, uint8_t* p) {
    store_be<int64_t>(p, e.timestamp);
    store_be<uint32_t>(p + 8, e.relative_offset);
}
void decode(time_index_entry& e, const uint8_t* p) {
    e.timestamp = load_be<int64_t>(p);
    e.relative_offset = load_be<uint32_t>(p + 8);
}
bool ordered(const time_index_entry& a, const time_index_entry& b) {
    return a.timestamp < b.timestamp && a.relative_offset <= b.relative_offset;
}

} // namespace

template <class Entry>
result<index_file<Entry>> index_file<Entry>::open(const std::filesystem::path& path) {
    auto f = file_handle::open(path, true);
    if (!f) return f.error();
    auto sz = (*f)->size();
    if (!sz) return sz.error();
    index_file idx;
    idx.path_ = path;
    std::vector<uint8_t> raw(*sz);
    auto n = (*f)->pread_some(raw, 0);
    if (!n) return n.error();
    if (*n != raw.size() || raw.size() % Entry::size != 0) {
        idx.valid_ = false;
        idx.junk_in_file_ = true;
        return idx;
    }
    idx.entries_.resize(raw.size() / Entry::size);
    for (size_t i = 0; i < idx.entries_.size(); ++i) {
        decode(idx.entries_[i], raw.data() + i * Entry::size);
        if (i > 0 && !ordered(idx.entries_[i - 1], idx.entries_[i])) {
            idx.valid_ = false;
            idx.junk_in_file_ = true;
            idx.entries_.clear();
            break;
        }
    }
    idx.written_ = idx.entries_.size();
    return idx;
}

template <class Entry>
void index_file<Entry>::append(const Entry& e) {
    // The batch this entry points at is already in the log: failing here would leave the log
    // holding a batch whose offsets the partition then hands out again.
    entries_.push_back(e);
    if (unflushed() >= flush_every) flush();
}

template <class Entry>
void index_file<Entry>::flush() {
    if (abandoned_ || path_.empty() || unflushed() == 0) return;
    auto f = file_handle::open(path_, true);
    if (!f) return abandon("opened");
    std::vector<uint8_t> buf(unflushed() * Entry::size);
    for (size_t i = written_; i < entries_.size(); ++i) encode(entries_[i], buf.data() + (i - written_) * Entry::size);
    if ((*f)->pwrite_all(buf, written_ * Entry::size) != error_code::none) return abandon("written");
    written_ = entries_.size();
}

template <class Entry>
std::shared_ptr<file_handle> index_file<Entry>::file_for_sync() {
    flush();
    if (abandoned_ || path_.empty()) return nullptr;
    auto f = file_handle::open(path_, false);
    if (!f) {
        abandon("opened");
        return nullptr;
    }
    return std::move(*f);
}

template <class Entry>
void index_file<Entry>::sync() {
    auto f = file_for_sync();
    if (f && f->datasync() != error_code::none) abandon("synced");
}

template <class Entry>
void index_file<Entry>::abandon(const char* why) {
    if (abandoned_) return;
    abandoned_ = true;
    std::error_code ec;
    // A missing index makes the next open rebuild it; an empty one is at worst slow (a walk
    // from the segment start) and a sealed segment's empty time index is rebuilt too.
    if (!std::filesystem::remove(path_, ec) || ec) {
        if (auto f = file_handle::open(path_, false)) (void)(*f)->truncate(0);
        spdlog::warn("storage: index {} could not be {} nor removed ({}); emptied, rebuilt at next open",
                     path_.string(), why, ec.message());
        return;
    }
    spdlog::warn("storage: index {} could not be {}; removed, kept in memory and rebuilt at next open",
                 path_.string(), why);
}

template <class Entry>
error_code index_file<Entry>::truncate(size_t n) {
    n = std::min(n, entries_.size());
    // Only recovery truncates (rarely): the file follows at once, so it never holds entries
    // that memory dropped.
    if (!abandoned_ && !path_.empty() && (written_ > n || junk_in_file_)) {
        auto f = file_handle::open(path_, true);
        if (!f) return f.error();
        if (auto err = (*f)->truncate(n * Entry::size); err != error_code::none) return err;
        written_ = n;
        junk_in_file_ = false;
    }
    entries_.resize(n);
    written_ = std::min(written_, n);
    return error_code::none;
}

template class index_file<offset_index_entry>;
template class index_file<time_index_entry>;

std::optional<offset_index_entry> floor_entry(const offset_index& idx, uint32_t rel) {
    const auto& v = idx.entries();
    auto it = std::upper_bound(v.begin(), v.end(), rel,
                               [](uint32_t r, const offset_index_entry& e) { return r < e.relative_offset; });
    if (it == v.begin()) return std::nullopt;
    return *std::prev(it);
}

std::optional<time_index_entry> last_before(const time_index& idx, int64_t ts) {
    const auto& v = idx.entries();
    auto it = std::lower_bound(v.begin(), v.end(), ts,
                               [](const time_index_entry& e, int64_t t) { return e.timestamp < t; });
    if (it == v.begin()) return std::nullopt;
    return *std::prev(it);
}

} // namespace brook::storage
