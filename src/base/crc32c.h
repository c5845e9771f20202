#pragma once
// CRC-32C (Castagnoli), as used by Kafka record batch v2. Uses the SSE4.2 crc32
// instruction when the CPU has it (checked once at start-up), a table otherwise.
#include <cstddef>
#include <cstdint>
#include <span>

namespace brook {

uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> data);
inline uint32_t crc32c(std::span<const uint8_t> data) { return crc32c_extend(0, data); }

} // namespace brook
