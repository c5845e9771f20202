#include "records/recompress.h"

#include <algorithm>

#include "base/endian.h"
#include "records/patch.h"

namespace brook::records {

result<std::vector<uint8_t>> recompress_batch(std::span<const uint8_t> batch, compression target,
                                              size_t max_decompressed) {
    const batch_header h = read_batch_header(batch);
    const auto body = batch.subspan(batch_header_size);
    std::vector<uint8_t> plain;
    if (h.codec() != compression::none) {
        auto d = decompress(h.codec(), body, max_decompressed);
        // The batch passed validation, whose streaming walk decompressed it to the end: what
        // fails now is the bound.
        if (!d) return error_code::message_too_large;
        plain = std::move(*d);
    }
    std::span<const uint8_t> records = h.codec() == compression::none ? body : std::span<const uint8_t>(plain);
    auto packed = compress(target, records);
    if (!packed) return packed.error();

    std::vector<uint8_t> out(batch_header_size + packed->size());
    std::copy_n(batch.begin(), batch_header_size, out.begin());
    std::copy(packed->begin(), packed->end(), out.begin() + batch_header_size);
    store_be<int32_t>(out.data() + batch_length_offset, static_cast<int32_t>(out.size() - batch_log_overhead));
    const auto attrs = static_cast<int16_t>((h.attributes & ~0x7) | static_cast<int16_t>(target));
    store_be<int16_t>(out.data() + batch_attributes_offset, attrs);
    recompute_crc(out);
    return out;
}

std::optional<compression> topic_compression(std::string_view t) {
    if (t == "uncompressed") return compression::none;
    if (t == "gzip") return compression::gzip;
    if (t == "snappy") return compression::snappy;
    if (t == "lz4") return compression::lz4;
    if (t == "zstd") return compression::zstd;
    return std::nullopt;
}

} // namespace brook::records
