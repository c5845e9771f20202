// libFuzzer target for the record batch parser: input = a produce payload (record batches).
// The first byte picks a mode; with bit 0 set the CRC of the first batch is fixed up before
// parsing, so the fuzzer reaches the codecs and record framing instead of stopping at the
// checksum. Invariants: nothing crashes or reads out of bounds (ASan), every decoded size is
// bounded, and whatever validate_batches accepts, decode_batch decodes to the same count and
// scan_batches splits the same way.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "records/compression.h"
#include "records/patch.h"
#include "records/record.h"
#include "records/record_stream.h"
#include "records/validate.h"

using namespace brook::records;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    std::vector<uint8_t> payload(data + 1, data + size);
    if ((mode & 1) && payload.size() >= batch_header_size) {
        // Fix the first batch's CRC over what its batchLength claims (clamped to the input).
        auto len = brook::load_be<int32_t>(payload.data() + batch_length_offset);
        size_t end = len < 0 ? payload.size() : std::min(payload.size(), batch_log_overhead + size_t(len));
        if (end > batch_attributes_offset) recompute_crc(std::span(payload).first(end));
    }

    validate_limits limits;
    limits.produce = (mode & 2) != 0;
    constexpr size_t max_decoded = 1 << 20; // keep the fuzzer fast; the bound is what we test
    auto views = validate_batches(payload, limits);
    auto scanned = scan_batches(payload);
    if (views) {
        if (scanned.batches.size() != views->size() || scanned.valid_bytes != payload.size()) std::abort();
        for (const auto& v : *views) {
            // Validation has no size bound; decoding does, and may refuse only over it.
            auto d = decode_batch(v.bytes, max_decoded);
            if (d && d->records.size() != size_t(v.header.records_count)) std::abort();
        }
    } else {
        for (const auto& v : scanned.batches) (void)decode_batch(v.bytes, max_decoded);
    }
    // The streaming record walk agrees with decompressing whole and walking the bytes.
    for (const auto& v : scanned.batches) {
        if (v.header.codec() == compression::none || !is_known_codec(v.header.attributes & 0x7)) continue;
        auto body = v.bytes.subspan(batch_header_size);
        auto whole = decompress(v.header.codec(), body, max_decoded);
        if (!whole) continue; // over the bound, or corrupt: nothing to compare within it
        record_timestamps d1, d2;
        const uint64_t base = static_cast<uint64_t>(v.header.base_timestamp.value()); // any value: wrap, never overflow
        d1.bounds = d2.bounds = record_timestamps::window{int64_t(base), int64_t(base - 1000), int64_t(base + 1000)};
        auto e1 = check_records(*whole, v.header.records_count, limits.produce, &d1);
        auto e2 = check_compressed_records(v.header.codec(), body, v.header.records_count, limits.produce, &d2);
        if (e1 != e2 || (e1 == brook::error_code::none && (d1.max_delta != d2.max_delta || d1.out_of_range != d2.out_of_range)))
            std::abort();
    }
    (void)validate_for_produce(payload, limits);
    return 0;
}
