#pragma once
// The `records` field of Produce requests and Fetch responses: record batches carried as an
// opaque byte string, in one of three forms.
//
// - View: a decoded request holds a view into the request frame, so a produced batch is never
//   copied between the socket buffer and the segment write; the view is valid only while the
//   frame lives (the dispatcher keeps the frame for the whole request).
// - Owned: messages built by hand (tests, small responses) own their bytes.
// - File-backed: a fetch response names ranges of segment files (base/file_range.h) instead of
//   bytes. The writer emits only the length prefix and records where the ranges go (splices);
//   the connection sends them from the file (net::file_send). bytes() is empty for this form.
// Value type; copying a view copies the view, not the bytes; copying a file-backed value shares
// the ranges' keep-alive owners.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "base/file_range.h"

namespace brook::protocol {

class records_data {
public:
    records_data() = default;
    // Owning: the bytes move in.
    explicit records_data(std::vector<uint8_t> owned) : owned_(std::move(owned)), view_(owned_) {}
    // Non-owning: `bytes` must outlive this value (and every copy of it).
    static records_data view_of(std::span<const uint8_t> bytes) {
        records_data r;
        r.view_ = bytes;
        return r;
    }
    // File-backed: the bytes are the ranges' contents, in order. Empty ranges are dropped.
    static records_data from_files(std::vector<file_range> ranges) {
        records_data r;
        std::erase_if(ranges, [](const file_range& f) { return f.empty(); });
        for (const auto& f : ranges) r.file_bytes_ += f.length;
        r.files_ = std::move(ranges);
        return r;
    }

    records_data(const records_data& o)
        : owned_(o.owned_), view_(o.owns() ? std::span<const uint8_t>(owned_) : o.view_), files_(o.files_),
          file_bytes_(o.file_bytes_) {}
    // A moved vector keeps its buffer, so an owning view stays pointed at the right bytes.
    records_data(records_data&& o) noexcept
        : owned_(std::move(o.owned_)), view_(o.view_), files_(std::move(o.files_)), file_bytes_(o.file_bytes_) {
        o.view_ = {};
        o.files_.clear();
        o.file_bytes_ = 0;
    }
    records_data& operator=(records_data o) noexcept {
        bool owning = o.owns();
        owned_ = std::move(o.owned_);
        view_ = owning ? std::span<const uint8_t>(owned_) : o.view_;
        files_ = std::move(o.files_);
        file_bytes_ = o.file_bytes_;
        return *this;
    }

    bool file_backed() const { return !files_.empty(); }
    std::span<const file_range> files() const { return files_; }
    // In-memory bytes; empty when file_backed().
    std::span<const uint8_t> bytes() const { return view_; }
    size_t size() const { return file_backed() ? file_bytes_ : view_.size(); }
    bool empty() const { return size() == 0; }

    // File-backed values compare by range (same file, same place), never by content.
    bool operator==(const records_data& o) const {
        if (file_backed() || o.file_backed()) {
            return std::equal(files_.begin(), files_.end(), o.files_.begin(), o.files_.end(),
                              [](const file_range& a, const file_range& b) {
                                  return a.fd == b.fd && a.position == b.position && a.length == b.length;
                              });
        }
        return view_.size() == o.view_.size() && std::equal(view_.begin(), view_.end(), o.view_.begin());
    }
    bool operator==(const std::vector<uint8_t>& b) const { return *this == records_data::view_of(b); }

private:
    bool owns() const { return !owned_.empty() && view_.data() == owned_.data(); }

    std::vector<uint8_t> owned_;
    std::span<const uint8_t> view_;
    std::vector<file_range> files_;
    uint64_t file_bytes_ = 0;
};

} // namespace brook::protocol
