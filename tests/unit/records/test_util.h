#pragma once
// Shared helpers for the records tests.
#include <cstdint>
#include <span>
#include <vector>

#include "records/patch.h"
#include "records/record.h"

namespace brook::records::testing {

// A batch with `n` records, keys "k<i>", values "v<i>" (record 1 has a null key).
inline std::vector<uint8_t> make_batch(compression c, int n = 3, int64_t ts0 = 1000) {
    batch_builder b(c);
    b.producer(producer_id(42), producer_epoch(3), sequence(7));
    for (int i = 0; i < n; ++i) {
        std::string k = "k" + std::to_string(i), v = "v" + std::to_string(i);
        b.add(i == 1 ? std::nullopt : std::optional<std::string_view>(k), v, timestamp_ms(ts0 + i),
              i == 0 ? std::vector<record_header>{{"h", to_bytes("x")}, {"n", std::nullopt}} : std::vector<record_header>{});
    }
    return b.build();
}

inline void put_i32(std::vector<uint8_t>& b, size_t at, int32_t v) { store_be<int32_t>(b.data() + at, v); }
inline void fix_crc(std::vector<uint8_t>& b) { recompute_crc(b); }

inline std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

} // namespace brook::records::testing
