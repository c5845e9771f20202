#include "base/crc32c.h"

#include <algorithm>
#include <array>
#include <cstring>
#if defined(__x86_64__)
#include <nmmintrin.h>
#include <wmmintrin.h>
#endif

// Polynomials here are bit-reflected, as the crc32 instruction and Kafka use them: bit 31 of a
// 32-bit value holds the coefficient of x^0, bit 0 that of x^31. The CRC register is kept
// uninverted inside; crc32c_extend() applies the pre- and post-inversion.

namespace brook {
namespace {

constexpr uint32_t poly = 0x82F63B78u; // reflected Castagnoli

// a(x)·x mod P: one reflected shift, with the x^32 term folded back in as P's low terms.
constexpr uint32_t times_x(uint32_t a) { return (a & 1) ? (a >> 1) ^ poly : a >> 1; }

constexpr std::array<uint32_t, 256> make_table() {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = times_x(c);
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

uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

__attribute__((target("sse4.2"))) uint32_t crc_serial(uint32_t crc, const uint8_t* p, size_t n) {
    uint64_t c = crc;
    while (n >= 8) {
        c = _mm_crc32_u64(c, load64(p));
        p += 8;
        n -= 8;
    }
    uint32_t c32 = static_cast<uint32_t>(c);
    while (n--) c32 = _mm_crc32_u8(c32, *p++);
    return c32;
}

// Three streams. crc32 has a latency of 3 cycles but the core can start one every cycle, so a
// single dependent chain (crc_serial) leaves two thirds of it idle. Split the input into three
// adjacent blocks A, B, C of L bytes each, run an independent chain over each (B and C from 0),
// and combine. The uninverted register is linear in (start value, message), and appending
// n bytes multiplies what is already there by x^(8n), so
//     crc(s, A||B||C) = crc(s, A)·x^(16L) + crc(0, B)·x^(8L) + crc(0, C)     (mod P).
//
// Multiplying a CRC c by x^(8n) mod P with two instructions: crc32 of a 64-bit word v from a
// zero register returns v(x)·x^32 mod P, v read as a reflected 64-bit polynomial (bit 0 =
// x^63). The carry-less product of two reflected 32-bit values c and k sits in bits 0..62 with
// bit i = coefficient of x^(62-i); read as a reflected 64-bit word that is c(x)k(x)·x. So
// crc32(0, clmul(c, k)) = c·k·x^33 mod P, and k = x^(8n-33) mod P moves c over n bytes.
//
// Below 3 * min_block bytes the combine costs more than the parallel chains save (measured on
// calls chained one after another: three chains were 17-27% slower at 48 and 64 bytes, 1.15x
// faster at 96, 2.2x at 512, 2.7-2.9x from 4 KiB); above 3 * max_block the input is taken
// 3 * max_block bytes at a time, so one small constant table (4 KiB) serves every length.
constexpr size_t min_block = 32;
constexpr size_t max_block = 4096;

// shift_const[j] = x^(64j - 33) mod P: multiplies by x^(64j), i.e. moves a CRC over 8j bytes.
// Entry 0 is unused (blocks are at least 8 bytes).
constexpr auto make_shift_consts() {
    std::array<uint32_t, 2 * max_block / 8 + 1> k{};
    uint32_t v = 1; // x^31: bit 0
    k[1] = v;
    for (size_t j = 2; j < k.size(); ++j) {
        for (int b = 0; b < 64; ++b) v = times_x(v);
        k[j] = v;
    }
    return k;
}
constexpr auto shift_const = make_shift_consts();

__attribute__((target("sse4.2,pclmul"))) uint64_t clmul(uint64_t a, uint32_t k) {
    const __m128i prod = _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(a)),
                                              _mm_cvtsi32_si128(static_cast<int>(k)), 0x00);
    return static_cast<uint64_t>(_mm_cvtsi128_si64(prod));
}

__attribute__((target("sse4.2,pclmul"))) uint32_t crc_clmul(uint32_t crc, const uint8_t* p, size_t n) {
    while (n >= 3 * min_block) {
        const size_t len = std::min(max_block, n / 24 * 8); // a multiple of 8, 3·len <= n
        uint64_t a = crc, b = 0, c = 0;
        for (size_t i = 0; i < len; i += 8) {
            a = _mm_crc32_u64(a, load64(p + i));
            b = _mm_crc32_u64(b, load64(p + len + i));
            c = _mm_crc32_u64(c, load64(p + 2 * len + i));
        }
        // Both products reduce in one crc32: it is linear, so reduce their xor.
        const uint64_t folded = clmul(a, shift_const[2 * len / 8]) ^ clmul(b, shift_const[len / 8]);
        crc = static_cast<uint32_t>(_mm_crc32_u64(0, folded) ^ c);
        p += 3 * len;
        n -= 3 * len;
    }
    return crc_serial(crc, p, n);
}

// __builtin_cpu_init first: these may be evaluated before libgcc's own constructor has run.
const bool have_sse42 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
}();
const bool have_clmul = [] {
    __builtin_cpu_init();
    return have_sse42 && __builtin_cpu_supports("pclmul") != 0;
}();

#else
constexpr bool have_sse42 = false;
constexpr bool have_clmul = false;
#endif

uint32_t run(crc32c_impl impl, uint32_t crc, std::span<const uint8_t> data) {
#if defined(__x86_64__)
    if (impl == crc32c_impl::sse42_clmul && have_clmul) return crc_clmul(crc, data.data(), data.size());
    if (impl == crc32c_impl::sse42 && have_sse42) return crc_serial(crc, data.data(), data.size());
#endif
    return crc_table(crc, data.data(), data.size());
}

} // namespace

bool crc32c_supported(crc32c_impl impl) {
    switch (impl) {
    case crc32c_impl::table: return true;
    case crc32c_impl::sse42: return have_sse42;
    case crc32c_impl::sse42_clmul: return have_clmul;
    }
    return false;
}

crc32c_impl crc32c_best_impl() {
    return have_clmul ? crc32c_impl::sse42_clmul : have_sse42 ? crc32c_impl::sse42 : crc32c_impl::table;
}

uint32_t crc32c_extend_with(crc32c_impl impl, uint32_t crc, std::span<const uint8_t> data) {
    return ~run(impl, ~crc, data);
}

uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> data) {
    crc = ~crc;
#if defined(__x86_64__)
    if (have_clmul) return ~crc_clmul(crc, data.data(), data.size());
    if (have_sse42) return ~crc_serial(crc, data.data(), data.size());
#endif
    return ~crc_table(crc, data.data(), data.size());
}

} // namespace brook
