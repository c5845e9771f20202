#include "storage/segment.h"
#include "base/logger.h"
#include "storage/log_place.h"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "records/validate.h"
#include "storage/scan.h"

namespace brook::storage {

std::string offset_file_stem(offset o) { return fmt::format("{:020d}", o()); }

std::optional<offset> parse_offset_stem(const std::string& stem) {
    if (stem.size() != 20) return std::nullopt;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(stem.data(), stem.data() + stem.size(), v);
    if (ec != std::errc() || p != stem.data() + stem.size() || v < 0) return std::nullopt;
    return offset(v);
}

std::filesystem::path segment::path_with(const char* ext) const {
    return dir_ / (offset_file_stem(base_) + ext);
}
std::filesystem::path segment::log_path() const { return path_with(".log"); }

error_code segment::open_files(bool create) {
    auto log = file_handle::open(path_with(".log"), create);
    if (!log) return log.error();
    log_ = std::move(*log);
    auto idx = offset_index::open(path_with(".index"));
    if (!idx) return idx.error();
    index_ = std::move(*idx);
    auto tidx = time_index::open(path_with(".timeindex"));
    if (!tidx) return tidx.error();
    time_index_ = std::move(*tidx);
    auto sz = log_->size();
    if (!sz) return sz.error();
    size_ = *sz;
    next_ = base_;
    return error_code::none;
}

segment::~segment() {
    // A later segment at the same path (a re-created topic, a cleaned copy) must not find
    // this one's descriptor.
    files_->forget(log_path());
}

error_code segment::pin_file() {
    auto f = log_file();
    if (!f) return f.error();
    log_ = std::move(*f);
    files_->forget(log_path());
    return error_code::none;
}

result<std::shared_ptr<file_handle>> segment::log_file() const {
    if (log_) return log_;
    return files_->get(log_path());
}

error_code segment::sync() const {
    auto f = log_file();
    if (!f) return f.error();
    return (*f)->datasync();
}

result<std::unique_ptr<segment>> segment::create(const std::filesystem::path& dir, offset base, const log_config& cfg,
                                                 timestamp_ms now, std::shared_ptr<fd_cache> files) {
    std::unique_ptr<segment> s(new segment(dir, base, cfg, std::move(files)));
    if (auto e = s->open_files(true); e != error_code::none) return e;
    if (s->size_ != 0) {
        spdlog::error("storage: new segment {} already has {} bytes", s->log_path().string(), s->size_);
        return error_code::kafka_storage_error;
    }
    // A leftover index from an earlier incarnation would point into nothing.
    if (auto e = s->index_.reset(); e != error_code::none) return e;
    if (auto e = s->time_index_.reset(); e != error_code::none) return e;
    // Created with the segment (empty), so that a missing one later means it was lost.
    auto txns = txn_index::create(s->path_with(".txnindex"));
    if (!txns) return txns.error();
    s->txns_ = std::move(*txns);
    s->roll_base_ = now;
    return s;
}

result<std::unique_ptr<segment>> segment::open(const std::filesystem::path& dir, offset base, const log_config& cfg,
                                               bool recover_tail, std::optional<offset> next_base,
                                               std::shared_ptr<fd_cache> files, bool full_scan) {
    std::unique_ptr<segment> s(new segment(dir, base, cfg, std::move(files)));
    std::error_code ec;
    bool indexes_exist = std::filesystem::exists(s->path_with(".index"), ec) &&
                         std::filesystem::exists(s->path_with(".timeindex"), ec);
    if (auto e = s->open_files(false); e != error_code::none) return e;
    auto txns = txn_index::load(s->path_with(".txnindex"));
    if (!txns) return txns.error();
    s->txns_ = std::move(*txns);
    // A sealed segment always ends its time index with its max timestamp; without one we
    // cannot know it (retention, time lookups) without a scan.
    bool sealed_ok = recover_tail || s->size_ == 0 || !s->time_index_.empty();
    // An index entry must point inside the log; anything else means the index is stale.
    bool index_ok = indexes_exist && sealed_ok && s->index_.valid() && s->time_index_.valid() &&
                    (s->index_.empty() || s->index_.back().position < s->size_);
    if (!index_ok) {
        const auto at = place_of_file(s->log_path());
        log::storage.warn({{"topic", at.topic}, {"partition", at.partition}, {"file", s->log_path().string()}}, "storage: index of {} missing or corrupt; rebuilding", s->log_path().string());
    }
    if (recover_tail || !index_ok) {
        if (auto e = s->recover(full_scan || !index_ok); e != error_code::none) return e;
        s->flush_indexes(); // what the scan rebuilt or added, so the next open need not redo it
    } else {
        s->next_ = next_base.value_or(base);
        if (!s->time_index_.empty()) {
            s->max_ts_ = timestamp_ms(s->time_index_.back().timestamp);
            s->offset_of_max_ts_ = base + s->time_index_.back().relative_offset;
        }
        s->bytes_since_index_ = 0;
    }
    if (s->size_ > 0) {
        auto first = s->header_at(0);
        if (!first) return first.error();
        s->roll_base_ = first->max_timestamp;
    }
    return s;
}

void segment::index_batch(const records::batch_header& h, uint64_t pos, size_t size) {
    if (h.max_timestamp > max_ts_) {
        max_ts_ = h.max_timestamp;
        offset_of_max_ts_ = h.last_offset();
    }
    if (pos > 0 && bytes_since_index_ >= uint64_t(std::max(cfg_.index_interval_bytes, 1))) {
        auto rel = static_cast<uint32_t>(h.base_offset - base_);
        if (index_.empty() || index_.back().relative_offset < rel) {
            index_.append({rel, static_cast<uint32_t>(pos)});
        }
        if (max_ts_() >= 0 && (time_index_.empty() || time_index_.back().timestamp < max_ts_())) {
            auto trel = static_cast<uint32_t>(offset_of_max_ts_ - base_);
            time_index_.append({max_ts_(), trel});
        }
        bytes_since_index_ = 0;
    }
    bytes_since_index_ += size;
}

error_code segment::recover(bool full) {
    uint64_t start = 0;
    if (full) {
        if (auto e = index_.reset(); e != error_code::none) return e;
        if (auto e = time_index_.reset(); e != error_code::none) return e;
        max_ts_ = timestamp_ms(-1);
    } else {
        if (!index_.empty()) start = index_.back().position;
        if (!time_index_.empty()) {
            max_ts_ = timestamp_ms(time_index_.back().timestamp);
            offset_of_max_ts_ = base_ + time_index_.back().relative_offset;
        }
    }
    bytes_since_index_ = 0;
    next_ = base_;
    offset expected = full || index_.empty() ? base_ : base_ + index_.back().relative_offset;
    bool first = true;
    auto scanned = scan_file(*log_, start, size_, [&](const records::batch_view& v, uint64_t pos) {
        const auto& h = v.header;
        // Offsets must grow, and (for the batch the index points at) match the index.
        bool ok = h.last_offset_delta >= 0 && (first && !full && start > 0 ? h.base_offset == expected
                                                                            : h.base_offset >= expected);
        ok = ok && h.last_offset() - base_ <= int64_t(UINT32_MAX) && pos <= UINT32_MAX;
        if (!ok) return false;
        first = false;
        expected = h.last_offset() + 1;
        next_ = expected;
        index_batch(h, pos, v.bytes.size());
        return true;
    });
    if (!scanned) return scanned.error();
    if (scanned->valid_end < size_) {
        if (!full) return recover(true); // redo from the start so the indexes match what stays
        cut_ = cut_info{scanned->valid_end, size_ - scanned->valid_end, scanned->stop};
        if (auto e = log_->truncate(scanned->valid_end); e != error_code::none) return e;
        size_ = scanned->valid_end;
    }
    return error_code::none;
}

error_code segment::append(std::span<const uint8_t> head, std::span<const uint8_t> body, const records::batch_header& h,
                           timestamp_ms now) {
    uint64_t pos = size_;
    const size_t len = head.size() + body.size();
    if (!log_) {
        // An idle active segment let go of its descriptor (partition_log::maybe_roll): take it
        // back from the cache and hold it until the data is synced, so that the write and its
        // fdatasync go through one open file (an error seen by another would be missed).
        auto f = files_->get(log_path());
        if (!f) return f.error();
        log_ = std::move(*f);
    }
    if (auto e = log_->pwrite_all(head, body, pos); e != error_code::none) {
        // Leave no partial batch behind: the next append must start at a batch boundary.
        (void)log_->truncate(pos);
        return e;
    }
    size_ += len;
    next_ = h.last_offset() + 1;
    // Wall clock, not the client's timestamp: a producer with a skewed clock (or none, -1)
    // must not make every append roll a new segment.
    if (pos == 0) roll_base_ = now;
    // The batch is in the log from here on: nothing below may fail the append (index.h).
    index_batch(h, pos, len);
    return error_code::none;
}

result<std::vector<uint8_t>> segment::read(uint64_t pos, size_t len) const {
    if (pos >= size_) return std::vector<uint8_t>{};
    auto f = log_file();
    if (!f) return f.error();
    len = static_cast<size_t>(std::min<uint64_t>(len, size_ - pos));
    std::vector<uint8_t> out(len);
    auto n = (*f)->pread_some(out, pos);
    if (!n) return n.error();
    out.resize(*n);
    return out;
}

result<records::batch_header> segment::header_at(uint64_t pos) const {
    auto f = log_file();
    if (!f) return f.error();
    header_walker w(**f, pos, size_);
    auto h = w.next();
    if (!h) return h.error();
    if (!*h) return error_code::corrupt_message;
    return (*h)->header;
}

uint64_t segment::index_floor(offset o) const {
    if (o <= base_) return 0;
    auto rel = static_cast<uint32_t>(std::min<int64_t>(o - base_, UINT32_MAX));
    if (auto e = floor_entry(index_, rel)) return e->position;
    return 0;
}

std::optional<std::pair<uint64_t, uint64_t>> segment::uncached_span(offset o, size_t max_bytes,
                                                                   uint64_t hot_tail) const {
    const uint64_t pos = index_floor(o);
    if (pos >= size_ || size_ - pos <= hot_tail) return std::nullopt;
    // From the index entry to `o` is at most one index interval plus a batch; the run itself
    // is max_bytes, or one batch more when the first is bigger (KIP-74): a margin covers both
    // for the common sizes, and a miss only means part of the read blocks, as before.
    const uint64_t margin = uint64_t(std::max(cfg_.index_interval_bytes, 0)) + (uint64_t(1) << 20);
    const uint64_t len = std::min<uint64_t>(size_ - pos, uint64_t(max_bytes) + margin);
    auto f = log_file();
    if (!f) return std::nullopt; // the read itself reports it
    for (uint64_t at : {pos, pos + len - 1}) {
        auto c = (*f)->cached(at);
        if (!c) return std::nullopt;
        if (!*c) return std::pair{pos, len};
    }
    return std::nullopt;
}

result<std::optional<uint64_t>> segment::lookup(offset o) const {
    auto f = log_file();
    if (!f) return f.error();
    header_walker w(**f, index_floor(o), size_);
    for (;;) {
        auto h = w.next();
        if (!h) return h.error();
        if (!*h) return std::optional<uint64_t>{};
        if ((*h)->header.last_offset() >= o) return std::optional<uint64_t>((*h)->position);
    }
}

result<std::optional<segment::batch_run>> segment::read_run(offset o, size_t max_bytes, offset max_offset) const {
    // One walker for both the lookup and the extent: the headers are read once.
    auto f = log_file();
    if (!f) return f.error();
    header_walker w(**f, index_floor(o), size_);
    std::optional<batch_run> run;
    for (;;) {
        auto h = w.next();
        if (!h) return h.error();
        if (!*h) return run; // end of segment
        const auto& hdr = (*h)->header;
        if (!run) {
            if (hdr.last_offset() < o) continue;
            run = batch_run{(*h)->position, 0, hdr.base_offset};
        }
        if (hdr.base_offset >= max_offset) return run;
        if (run->length > 0 && run->length + hdr.size_bytes() > max_bytes) return run;
        run->length += hdr.size_bytes();
        run->next = hdr.last_offset() + 1;
    }
}

result<std::optional<offset>> segment::find_timestamp(timestamp_ms ts) const {
    if (max_ts_ < ts) return std::optional<offset>{};
    uint64_t start = 0;
    // Every batch up to the entry's offset has max timestamp <= entry.timestamp < ts.
    if (auto te = last_before(time_index_, ts())) {
        if (auto e = floor_entry(index_, te->relative_offset)) start = e->position;
    }
    auto f = log_file();
    if (!f) return f.error();
    header_walker w(**f, start, size_);
    for (;;) {
        auto h = w.next();
        if (!h) return h.error();
        if (!*h) return std::optional<offset>{};
        if ((*h)->header.max_timestamp >= ts) return std::optional<offset>((*h)->header.base_offset);
    }
}

error_code segment::for_each_header(
    uint64_t pos, const std::function<error_code(const records::batch_header&, uint64_t)>& fn) const {
    auto f = log_file();
    if (!f) return f.error();
    header_walker w(**f, pos, size_);
    for (;;) {
        auto h = w.next();
        if (!h) return h.error();
        if (!*h) return error_code::none;
        if (auto e = fn((*h)->header, (*h)->position); e != error_code::none) return e;
    }
}

void segment::sync_indexes() {
    index_.sync();
    time_index_.sync();
}

std::vector<std::shared_ptr<file_handle>> segment::index_files() {
    std::vector<std::shared_ptr<file_handle>> out;
    if (auto f = index_.file_for_sync()) out.push_back(std::move(f));
    if (auto f = time_index_.file_for_sync()) out.push_back(std::move(f));
    return out;
}

error_code segment::seal() {
    if (max_ts_() >= 0 && (time_index_.empty() || time_index_.back().timestamp < max_ts_())) {
        time_index_.append({max_ts_(), static_cast<uint32_t>(offset_of_max_ts_ - base_)});
    }
    flush_indexes();
    return error_code::none;
}

void segment::flush_indexes() {
    index_.flush();
    time_index_.flush();
}

void segment::remove_files() {
    files_->forget(log_path());
    std::error_code ec;
    txns_.remove_file();
    for (const char* ext : {".log", ".index", ".timeindex"}) {
        std::filesystem::remove(path_with(ext), ec);
        if (ec) spdlog::warn("storage: cannot remove {}: {}", path_with(ext).string(), ec.message());
    }
}

} // namespace brook::storage
