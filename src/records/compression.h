#pragma once
// Record batch payload codecs (Kafka attribute bits 0-2): gzip, snappy, lz4, zstd.
//
// decompress() never allocates more than `max_output` bytes and never reads past the
// input: a corrupt stream, a truncated stream or one that would expand past the bound
// (a zip bomb) is CORRUPT_MESSAGE; codec values 5-7 are UNSUPPORTED_COMPRESSION_TYPE.
// Formats accepted, as the clients write them:
//   gzip   — RFC 1952 (also raw zlib; several concatenated gzip members are joined)
//   snappy — raw snappy *and* the xerial framing the Java client writes
//            (magic 82 'SNAPPY' 00, int32 version, int32 compat, then [int32 BE len, raw chunk]...)
//   lz4    — the LZ4 frame format (lz4frame.h), as every v2 client writes it
//   zstd   — zstd frames, content size optional (streaming decode)
// compress() writes gzip, raw snappy, an lz4 frame and a zstd frame; every Kafka client
// reads those. Pure functions: callable from any thread.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "records/batch_header.h"

namespace brook::records {

// Default bound on one batch's decompressed records (Kafka has none; 64 MiB is far above
// any sane batch and keeps a hostile 1 MiB batch from taking the broker's memory).
inline constexpr size_t default_max_decompressed_bytes = size_t(64) << 20;

result<std::vector<uint8_t>> decompress(compression codec, std::span<const uint8_t> in,
                                        size_t max_output = default_max_decompressed_bytes);

result<std::vector<uint8_t>> compress(compression codec, std::span<const uint8_t> in);

// Codec values Brook knows (0-4). Anything else is UNSUPPORTED_COMPRESSION_TYPE.
constexpr bool is_known_codec(int attributes_codec_bits) { return attributes_codec_bits >= 0 && attributes_codec_bits <= 4; }

} // namespace brook::records
