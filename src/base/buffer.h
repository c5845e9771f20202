#pragma once
// A heap byte buffer that is not zero-filled when allocated: for buffers that are overwritten
// at once (a socket read of a request frame, a file read). std::vector<uint8_t>(n)
// value-initialises, which showed up as a measurable memset on the produce path.
// Move-only value type; any thread.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace brook {

class buffer {
public:
    buffer() = default;
    explicit buffer(size_t size) : data_(std::make_unique_for_overwrite<uint8_t[]>(size)), size_(size) {}

    uint8_t* data() { return data_.get(); }
    const uint8_t* data() const { return data_.get(); }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::span<uint8_t> span() { return {data_.get(), size_}; }
    std::span<const uint8_t> span() const { return {data_.get(), size_}; }
    operator std::span<const uint8_t>() const { return span(); }

private:
    std::unique_ptr<uint8_t[]> data_;
    size_t size_ = 0;
};

} // namespace brook
