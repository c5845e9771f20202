#include "protocol/headers.h"

#include <array>
#include <limits>

namespace brook::protocol {
namespace {

constexpr int16_t never = std::numeric_limits<int16_t>::max();

// First flexible version of every API key 0..87 (reference specs, Kafka trunk 2024-10-25).
// Covers APIs we do not serve so their headers (and tagged fields) still parse.
constexpr std::array<int16_t, 88> first_flexible = {
    9, 12, 6, 9, 4, 2, 6, 3, 8, 6,          // 0-9
    3, 6, 4, 4, 4, 5, 3, never, 3, 5,       // 10-19
    4, 2, 2, 4, 3, 3, 3, 1, 3, 2,           // 20-29
    2, 2, 4, 2, 2, 2, 2, 2, 2, 2,           // 30-39
    2, 2, 2, 2, 1, 0, 0, never, 1, 1,       // 40-49
    0, 0, 0, 1, 1, 0, 0, 0, 0, 0,           // 50-59
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0,           // 60-69
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0,           // 70-79
    0, 0, 0, 0, 0, 0, 0, 0,                 // 80-87
};

constexpr int16_t api_versions_key = 18;
constexpr int16_t controlled_shutdown_key = 7;

} // namespace

bool is_flexible_version(int16_t api_key, int16_t api_version) {
    if (api_key < 0 || size_t(api_key) >= first_flexible.size()) return false;
    return api_version >= first_flexible[size_t(api_key)];
}

int16_t request_header_version(int16_t api_key, int16_t api_version) {
    if (api_key == controlled_shutdown_key && api_version == 0) return 0;
    return is_flexible_version(api_key, api_version) ? 2 : 1;
}

int16_t response_header_version(int16_t api_key, int16_t api_version) {
    if (api_key == api_versions_key) return 0;
    return is_flexible_version(api_key, api_version) ? 1 : 0;
}

bool decode_request_header(reader& r, request_header& out) {
    out.RequestApiKey = r.i16();
    out.RequestApiVersion = r.i16();
    out.CorrelationId = r.i32();
    out.ClientId.reset();
    out.unknown_tags.clear();
    if (!r.ok()) return false;
    const int16_t hv = request_header_version(out.RequestApiKey, out.RequestApiVersion);
    if (hv >= 1 && !r.nullable_string(out.ClientId, /*flexible=*/false)) return false;
    if (hv >= 2 && !r.tags(out.unknown_tags)) return false;
    return r.ok();
}

void encode_request_header(writer& w, const request_header& h) {
    w.i16(h.RequestApiKey);
    w.i16(h.RequestApiVersion);
    w.i32(h.CorrelationId);
    const int16_t hv = request_header_version(h.RequestApiKey, h.RequestApiVersion);
    if (hv >= 1) w.nullable_string(h.ClientId, /*flexible=*/false);
    if (hv >= 2) w.tags(h.unknown_tags);
}

void encode_response_header(writer& w, int32_t correlation_id, int16_t header_version) {
    w.i32(correlation_id);
    if (header_version >= 1) w.uvarint(0); // no header tagged fields
}

} // namespace brook::protocol
