#pragma once
// Big-endian (network order) loads and stores for wire and on-disk formats.
#include <bit>
#include <cstdint>
#include <cstring>

namespace brook {

template <class T>
inline T load_be(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        using U = std::make_unsigned_t<T>;
        v = static_cast<T>(__builtin_bswap64(static_cast<uint64_t>(static_cast<U>(v))) >> (64 - 8 * sizeof(T)));
    }
    return v;
}

template <class T>
inline void store_be(uint8_t* p, T v) {
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        using U = std::make_unsigned_t<T>;
        v = static_cast<T>(__builtin_bswap64(static_cast<uint64_t>(static_cast<U>(v))) >> (64 - 8 * sizeof(T)));
    }
    std::memcpy(p, &v, sizeof v);
}

} // namespace brook
