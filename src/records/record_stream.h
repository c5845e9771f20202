#pragma once
// Walking the records of a compressed batch without holding them: the payload is
// decompressed a window at a time (as Kafka does, record by record from a stream) and each
// record is checked as it passes, so a legal batch may decompress to any size and a
// decompression bomb costs time, not memory.
//
// Memory per walk: the codec's state (zstd's window is capped at 32 MiB, lz4's at its 4 MiB
// block, gzip's at 32 KiB) plus a 64 KiB window; snappy, whose library decodes a block whole,
// holds one block — at most 22 times its compressed size (the format's largest ratio), so a
// batch under max.message.bytes bounds it.
// Pure functions over caller-owned bytes; any thread.
#include <cstdint>
#include <memory>
#include <span>

#include "base/result.h"
#include "records/batch_header.h"

namespace brook::records {

// A codec's output as a stream. read() fills up to out.size() bytes and returns how many; 0
// means the stream ended cleanly. A corrupt or truncated stream is CORRUPT_MESSAGE.
class decompress_stream {
public:
    virtual ~decompress_stream() = default;
    virtual result<size_t> read(std::span<uint8_t> out) = 0;
};

// `in` must outlive the stream. compression::none streams `in` itself.
result<std::unique_ptr<decompress_stream>> open_decompress_stream(compression codec, std::span<const uint8_t> in);

struct record_timestamps; // record.h

// check_records() (record.h) over a compressed payload: the same rules and errors, the
// decompressed bytes never held whole.
error_code check_compressed_records(compression codec, std::span<const uint8_t> payload, int32_t count,
                                    bool require_sequential_deltas, record_timestamps* timestamps = nullptr);

} // namespace brook::records
