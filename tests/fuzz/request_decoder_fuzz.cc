// libFuzzer target: input = one request frame without its size prefix. Decodes the request
// header, then — for every served API at any version (in range or not, to probe the codecs'
// version gating) — the body; anything that decodes must re-encode to bytes that decode and
// re-encode identically (unknown tags may be reordered once, into ascending tag order).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "protocol/headers.h"
#include "protocol/messages.h"

using namespace brook::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    reader r(std::span<const uint8_t>(data, size));
    request_header h;
    if (!decode_request_header(r, h)) return 0;
    const api_info* api = find_api(h.RequestApiKey);
    if (api == nullptr) return 0;
    // Clamp to the served range the way the dispatcher would reject others, but keep the
    // fuzzer's choice of version inside it.
    const int span = api->max_version - api->min_version + 1;
    const int16_t version = static_cast<int16_t>(api->min_version + (uint16_t(h.RequestApiVersion) % span));
    visit_api(h.RequestApiKey, [&]<class Req, class Resp>(std::type_identity<Req>, std::type_identity<Resp>) {
        Req req;
        if (!req.decode(r, version)) return;
        std::vector<uint8_t> out;
        writer w(out);
        req.encode(w, version);
        Req again;
        reader r2(out);
        if (!again.decode(r2, version) || r2.remaining() != 0) std::abort();
        std::vector<uint8_t> out2;
        writer w2(out2);
        again.encode(w2, version);
        if (out2 != out) std::abort();
    });
    return 0;
}
