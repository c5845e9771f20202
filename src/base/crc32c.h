#pragma once
// CRC-32C (Castagnoli), as used by Kafka record batch v2. Picks the fastest implementation the
// CPU has (checked once at start-up): three interleaved SSE4.2 crc32 streams combined with
// PCLMULQDQ, one crc32 stream (SSE4.2 without PCLMULQDQ, and buffers too short to split), or a
// table. All give identical results; pure functions, any thread.
#include <cstddef>
#include <cstdint>
#include <span>

namespace brook {

// crc32c_extend(crc32c(a), b) == crc32c(a || b), for any split.
uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> data);
inline uint32_t crc32c(std::span<const uint8_t> data) { return crc32c_extend(0, data); }

// For tests and benchmarks: run one implementation explicitly.
enum class crc32c_impl {
    table,       // bytewise, 256-entry table: the portable reference
    sse42,       // one stream of the crc32 instruction
    sse42_clmul, // three streams, combined by carry-less multiplication (short buffers: one stream)
};
bool crc32c_supported(crc32c_impl impl);
crc32c_impl crc32c_best_impl(); // what crc32c_extend() uses on this CPU
// An implementation this CPU lacks (!crc32c_supported) runs as `table`.
uint32_t crc32c_extend_with(crc32c_impl impl, uint32_t crc, std::span<const uint8_t> data);

} // namespace brook
