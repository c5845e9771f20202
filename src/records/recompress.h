#pragma once
// A batch re-encoded with another codec: the topic's compression.type when it names a codec
// other than the producer's (Kafka's LogValidator then rebuilds the batch; Brook keeps the
// record bytes as they are and swaps only the compression around them, which gives the same
// records: offset and timestamp deltas, keys, values and headers unchanged).
//
// Precondition: `batch` is exactly one batch that passed validate_batch(). The result keeps
// every header field but batchLength, the codec bits of attributes and the CRC (recomputed).
// The records are decompressed whole, within `max_decompressed` (over it: MESSAGE_TOO_LARGE,
// where Kafka, which streams, would take the batch). Pure; any thread.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "records/batch_header.h"
#include "records/compression.h"

namespace brook::records {

result<std::vector<uint8_t>> recompress_batch(std::span<const uint8_t> batch, compression target,
                                              size_t max_decompressed = default_max_decompressed_bytes);

// compression.type's values: "producer" (keep the producer's codec) is nullopt;
// "uncompressed", "gzip", "snappy", "lz4", "zstd" the codec; anything else nullopt too (the
// config layer refuses it before it gets here).
std::optional<compression> topic_compression(std::string_view compression_type);

} // namespace brook::records
