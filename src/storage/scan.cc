#include "storage/scan.h"

#include <algorithm>

#include "base/endian.h"

namespace brook::storage {

namespace {
constexpr size_t scan_chunk = size_t(1) << 20;
constexpr size_t walk_window = size_t(16) << 10;
// Batch size from which reading just the next header beats a window: one small pread per
// batch costs less than copying a few KiB of data we do not need.
constexpr uint64_t header_only_after = uint64_t(4) << 10;
constexpr int32_t min_batch_length = int32_t(records::batch_header_size - records::batch_log_overhead);
} // namespace

result<scan_end> scan_file(const file_handle& f, uint64_t pos, uint64_t end,
                           const std::function<bool(const records::batch_view&, uint64_t)>& fn) {
    std::vector<uint8_t> buf;
    size_t want = scan_chunk;
    while (pos < end) {
        size_t len = static_cast<size_t>(std::min<uint64_t>(want, end - pos));
        buf.resize(len);
        auto n = f.pread_some(buf, pos);
        if (!n) return n.error();
        buf.resize(*n);
        bool file_has_more = pos + buf.size() < end;
        auto r = records::scan_batches(buf);
        for (const auto& v : r.batches) {
            uint64_t at = pos + static_cast<uint64_t>(v.bytes.data() - buf.data());
            if (!fn(v, at)) return scan_end{at, error_code::corrupt_message};
        }
        pos += r.valid_bytes;
        want = scan_chunk;
        if (r.stop == error_code::none) {
            if (*n < len) return scan_end{pos, error_code::corrupt_message}; // file shorter than `end`
            continue;
        }
        if (!file_has_more) return scan_end{pos, r.stop};
        // The chunk may just have cut the next batch: re-read from it, big enough to hold it.
        std::span<const uint8_t> rest(buf.data() + r.valid_bytes, buf.size() - r.valid_bytes);
        if (rest.size() >= records::batch_log_overhead) {
            auto blen = load_be<int32_t>(rest.data() + records::batch_length_offset);
            uint64_t total = records::batch_log_overhead + uint64_t(std::max(blen, 0));
            if (blen < min_batch_length || total <= rest.size() || pos + total > end)
                return scan_end{pos, r.stop}; // really broken, not just cut
            want = std::max<size_t>(scan_chunk, total);
        }
    }
    return scan_end{pos, error_code::none};
}

result<std::optional<header_walker::item>> header_walker::next() {
    if (pos_ >= end_) return std::optional<item>{};
    if (end_ - pos_ < records::batch_header_size) return error_code::corrupt_message;
    if (pos_ < buf_pos_ || pos_ + records::batch_header_size > buf_pos_ + buf_len_) {
        // A window holds several small batches' headers; past a big batch the next header is
        // all we need (the data in between is never looked at).
        size_t want = last_size_ >= header_only_after ? records::batch_header_size : walk_window;
        want = static_cast<size_t>(std::min<uint64_t>(want, end_ - pos_));
        if (buf_.size() < walk_window) buf_ = buffer(walk_window);
        auto n = f_.pread_some(buf_.span().first(want), pos_);
        if (!n) return n.error();
        buf_len_ = *n;
        buf_pos_ = pos_;
        if (buf_len_ < records::batch_header_size) return error_code::corrupt_message;
    }
    auto h = records::read_batch_header(buf_.span().subspan(pos_ - buf_pos_, buf_len_ - (pos_ - buf_pos_)));
    if (h.batch_length < min_batch_length || pos_ + h.size_bytes() > end_) return error_code::corrupt_message;
    item it{h, pos_};
    pos_ += h.size_bytes();
    last_size_ = h.size_bytes();
    return std::optional<item>(it);
}

} // namespace brook::storage
