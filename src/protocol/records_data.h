#pragma once
// The `records` field of Produce requests and Fetch responses: record batches carried as an
// opaque byte string.
//
// A decoded request holds a *view* into the request frame, so a produced batch is never
// copied between the socket buffer and the segment write; the view is valid only while the
// frame lives (the dispatcher keeps the frame for the whole request). Messages built by hand
// (responses, tests) own their bytes. Value type; copying a view copies the view, not the bytes.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

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

    records_data(const records_data& o) : owned_(o.owned_), view_(o.owns() ? std::span<const uint8_t>(owned_) : o.view_) {}
    records_data(records_data&& o) noexcept
        : owned_(std::move(o.owned_)), view_(o.owns() ? std::span<const uint8_t>(owned_) : o.view_) {
        o.view_ = {};
    }
    records_data& operator=(records_data o) noexcept {
        bool owning = o.owns();
        owned_ = std::move(o.owned_);
        view_ = owning ? std::span<const uint8_t>(owned_) : o.view_;
        return *this;
    }

    std::span<const uint8_t> bytes() const { return view_; }
    size_t size() const { return view_.size(); }
    bool empty() const { return view_.empty(); }

    bool operator==(const records_data& o) const {
        return view_.size() == o.view_.size() && std::equal(view_.begin(), view_.end(), o.view_.begin());
    }
    bool operator==(const std::vector<uint8_t>& b) const { return *this == records_data::view_of(b); }

private:
    bool owns() const { return !owned_.empty() && view_.data() == owned_.data(); }

    std::vector<uint8_t> owned_;
    std::span<const uint8_t> view_;
};

} // namespace brook::protocol
