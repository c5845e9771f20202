#pragma once
// Internal-topic records in Kafka's framing: an int16 version, then the generated struct at that
// version (__consumer_offsets keys and values, __transaction_state keys and values). Shared by the
// coordinators that write and replay those topics. Pure functions; any thread.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "protocol/wire.h"

namespace brook::protocol {

template <class T>
std::vector<uint8_t> encode_versioned(const T& v, int16_t version) {
    std::vector<uint8_t> out;
    writer w(out);
    w.i16(version);
    v.encode(w, version);
    return out;
}

// Decodes `T` at the version read from the first two bytes; the whole span must be consumed.
// nullopt for a version outside T's range, truncated input or trailing bytes.
template <class T>
std::optional<T> decode_versioned(std::span<const uint8_t> in) {
    reader r(in);
    const int16_t version = r.i16();
    if (!r.ok() || version < T::min_version || version > T::max_version) return std::nullopt;
    T v;
    if (!v.decode(r, version) || r.remaining() != 0) return std::nullopt;
    return v;
}

} // namespace brook::protocol
