#include "base/crc32c.h"

#include <array>
#include <cstring>
#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace brook {
namespace {

constexpr uint32_t poly = 0x82F63B78u; // reflected Castagnoli

constexpr std::array<uint32_t, 256> make_table() {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
        t[i] = c;
    }
    return t;
}
constexpr auto table = make_table();

uint32_t crc_table(uint32_t crc, const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc_hw(uint32_t crc, const uint8_t* p, size_t n) {
    uint64_t c = crc;
    while (n >= 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = static_cast<uint32_t>(c);
    while (n--) c32 = _mm_crc32_u8(c32, *p++);
    return c32;
}
const bool have_sse42 = __builtin_cpu_supports("sse4.2");
#endif

} // namespace

uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> data) {
    crc = ~crc;
#if defined(__x86_64__)
    if (have_sse42) return ~crc_hw(crc, data.data(), data.size());
#endif
    return ~crc_table(crc, data.data(), data.size());
}

} // namespace brook
