#pragma once
// Request and response headers (RequestHeader.json / ResponseHeader.json) and the rules that
// pick their versions. Pure functions, safe from any thread.
//
// Request header v0: key, version, correlation id (only ControlledShutdown v0).
//                v1: + ClientId as a classic nullable string (int16 length) — even in v2.
//                v2: + tagged fields; used by every flexible request version.
// Response header v0: correlation id. v1: + tagged fields (flexible versions), except that
// ApiVersions responses always use v0 (KIP-511) so a client can parse them before it knows
// which versions the broker speaks.
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/wire.h"

namespace brook::protocol {

struct request_header {
    int16_t RequestApiKey{0};
    int16_t RequestApiVersion{0};
    int32_t CorrelationId{0};
    std::optional<std::string> ClientId;
    // Header tagged fields (v2) are kept so nothing a client sent is silently lost.
    tagged_fields unknown_tags;
};

// Whether (key, version) is a flexible version per the upstream specs, for every API Kafka
// defines (not only the ones we serve). Unknown keys are treated as non-flexible.
bool is_flexible_version(int16_t api_key, int16_t api_version);

int16_t request_header_version(int16_t api_key, int16_t api_version);
int16_t response_header_version(int16_t api_key, int16_t api_version);

// Reads a request header whose version is derived from the key and version it contains, so it
// works for APIs and versions we do not serve (the caller then answers UNSUPPORTED_VERSION).
// On success the reader is positioned at the request body. False on truncated/malformed input.
bool decode_request_header(reader& r, request_header& out);
void encode_request_header(writer& w, const request_header& h);

void encode_response_header(writer& w, int32_t correlation_id, int16_t header_version);

} // namespace brook::protocol
