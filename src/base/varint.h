#pragma once
// Zig-zag varints (record fields) and unsigned varints (flexible protocol versions),
// as in protobuf / Kafka. Decoders never read past `end` and report failure instead.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace brook {

struct varint_read {
    int64_t value;
    size_t length; // bytes consumed
};

// Unsigned LEB128, at most 10 bytes (uint64) — Kafka uses it for up to 5 (uint32).
inline std::optional<std::pair<uint64_t, size_t>> read_uvarint(std::span<const uint8_t> in, size_t max_bytes = 10) {
    uint64_t v = 0;
    for (size_t i = 0; i < in.size() && i < max_bytes; ++i) {
        v |= uint64_t(in[i] & 0x7f) << (7 * i);
        if ((in[i] & 0x80) == 0) return std::pair{v, i + 1};
    }
    return std::nullopt;
}

inline std::optional<varint_read> read_varint(std::span<const uint8_t> in) {
    auto u = read_uvarint(in, 5);
    if (!u) return std::nullopt;
    uint32_t z = static_cast<uint32_t>(u->first);
    return varint_read{static_cast<int32_t>((z >> 1) ^ -(z & 1)), u->second};
}

inline std::optional<varint_read> read_varlong(std::span<const uint8_t> in) {
    auto u = read_uvarint(in, 10);
    if (!u) return std::nullopt;
    uint64_t z = u->first;
    return varint_read{static_cast<int64_t>((z >> 1) ^ -(z & 1)), u->second};
}

inline void write_uvarint(std::vector<uint8_t>& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
}
inline void write_varint(std::vector<uint8_t>& out, int32_t v) {
    write_uvarint(out, static_cast<uint32_t>((uint32_t(v) << 1) ^ uint32_t(v >> 31)));
}
inline void write_varlong(std::vector<uint8_t>& out, int64_t v) {
    write_uvarint(out, (uint64_t(v) << 1) ^ uint64_t(v >> 63));
}
inline size_t uvarint_size(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) { v >>= 7; ++n; }
    return n;
}

} // namespace brook
