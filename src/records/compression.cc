#include "records/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "base/endian.h"

namespace brook::records {
namespace {

using bytes = std::vector<uint8_t>;

// Grows `out` by one step (bounded by max_output) and returns the writable tail.
// Returns an empty span when the bound is reached.
std::span<uint8_t> grow(bytes& out, size_t used, size_t max_output) {
    if (used >= max_output) return {};
    size_t want = std::max<size_t>(64 * 1024, used); // double, starting at 64 KiB
    want = std::min(want, max_output - used);
    out.resize(used + want);
    return {out.data() + used, want};
}

// ---- gzip -------------------------------------------------------------------------
result<bytes> gunzip(std::span<const uint8_t> in, size_t max_output) {
    z_stream zs{};
    // 15 + 32: zlib or gzip header, detected automatically.
    if (inflateInit2(&zs, 15 + 32) != Z_OK) return error_code::unknown_server_error;
    std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, &inflateEnd);
    bytes out;
    size_t used = 0;
    if (in.size() > UINT32_MAX) return error_code::corrupt_message;
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(in.size());
    for (;;) {
        if (used == out.size()) {
            auto tail = grow(out, used, max_output);
            if (tail.empty()) return error_code::corrupt_message; // bound reached
        }
        zs.next_out = out.data() + used;
        zs.avail_out = static_cast<uInt>(out.size() - used);
        int rc = inflate(&zs, Z_NO_FLUSH);
        used = out.size() - zs.avail_out;
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0) break;
            // Another gzip member follows (gzip allows concatenation).
            if (inflateReset(&zs) != Z_OK) return error_code::corrupt_message;
            continue;
        }
        if (rc == Z_BUF_ERROR && zs.avail_in == 0 && zs.avail_out != 0) return error_code::corrupt_message; // truncated
        if (rc != Z_OK && rc != Z_BUF_ERROR) return error_code::corrupt_message;
    }
    out.resize(used);
    return out;
}

result<bytes> gzip(std::span<const uint8_t> in) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return error_code::unknown_server_error;
    std::unique_ptr<z_stream, decltype(&deflateEnd)> guard(&zs, &deflateEnd);
    bytes out(deflateBound(&zs, static_cast<uLong>(in.size())));
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) return error_code::unknown_server_error;
    out.resize(zs.total_out);
    return out;
}

// ---- snappy -----------------------------------------------------------------------
constexpr std::array<uint8_t, 8> xerial_magic{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00};
constexpr size_t xerial_header_size = 16; // magic + int32 version + int32 compatible version

// Appends one raw snappy block to `out`, respecting the bound.
error_code unsnappy_raw_append(std::span<const uint8_t> in, bytes& out, size_t max_output) {
    size_t n = 0;
    auto src = reinterpret_cast<const char*>(in.data());
    if (!snappy::GetUncompressedLength(src, in.size(), &n)) return error_code::corrupt_message;
    if (n > max_output - out.size()) return error_code::corrupt_message;
    size_t at = out.size();
    out.resize(at + n);
    // RawUncompress validates the stream as it goes and never writes past n bytes.
    if (!snappy::RawUncompress(src, in.size(), reinterpret_cast<char*>(out.data() + at)))
        return error_code::corrupt_message;
    return error_code::none;
}

result<bytes> unsnappy(std::span<const uint8_t> in, size_t max_output) {
    bytes out;
    if (in.size() >= xerial_header_size && std::equal(xerial_magic.begin(), xerial_magic.end(), in.begin())) {
        size_t pos = xerial_header_size;
        while (pos < in.size()) {
            if (in.size() - pos < 4) return error_code::corrupt_message;
            int32_t len = load_be<int32_t>(in.data() + pos);
            pos += 4;
            if (len < 0 || size_t(len) > in.size() - pos) return error_code::corrupt_message;
            if (auto e = unsnappy_raw_append(in.subspan(pos, size_t(len)), out, max_output); e != error_code::none)
                return e;
            pos += size_t(len);
        }
        return out;
    }
    if (auto e = unsnappy_raw_append(in, out, max_output); e != error_code::none) return e;
    return out;
}

result<bytes> snappy_compress(std::span<const uint8_t> in) {
    bytes out(snappy::MaxCompressedLength(in.size()));
    size_t n = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(in.data()), in.size(), reinterpret_cast<char*>(out.data()), &n);
    out.resize(n);
    return out;
}

// ---- lz4 frame --------------------------------------------------------------------
result<bytes> unlz4(std::span<const uint8_t> in, size_t max_output) {
    LZ4F_dctx* raw = nullptr;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) return error_code::unknown_server_error;
    std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> ctx(raw, &LZ4F_freeDecompressionContext);
    bytes out;
    size_t used = 0, pos = 0;
    for (;;) {
        if (used == out.size() && grow(out, used, max_output).empty()) return error_code::corrupt_message;
        size_t dst_size = out.size() - used;
        size_t src_size = in.size() - pos;
        size_t hint = LZ4F_decompress(ctx.get(), out.data() + used, &dst_size, in.data() + pos, &src_size, nullptr);
        if (LZ4F_isError(hint)) return error_code::corrupt_message;
        used += dst_size;
        pos += src_size;
        if (hint == 0) break; // frame complete
        // No progress possible: input exhausted mid-frame.
        if (pos == in.size() && dst_size == 0 && used < out.size()) return error_code::corrupt_message;
    }
    if (pos != in.size()) return error_code::corrupt_message; // trailing bytes after the frame
    out.resize(used);
    return out;
}

result<bytes> lz4_compress(std::span<const uint8_t> in) {
    LZ4F_preferences_t prefs{};
    prefs.frameInfo.blockSizeID = LZ4F_max64KB; // what the Java client uses
    bytes out(LZ4F_compressFrameBound(in.size(), &prefs));
    size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
    if (LZ4F_isError(n)) return error_code::unknown_server_error;
    out.resize(n);
    return out;
}

// ---- zstd -------------------------------------------------------------------------
result<bytes> unzstd(std::span<const uint8_t> in, size_t max_output) {
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
    if (!ctx) return error_code::unknown_server_error;
    // Bound the window a hostile frame header can make us allocate (clients use far less).
    ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 25);
    bytes out;
    size_t used = 0;
    ZSTD_inBuffer src{in.data(), in.size(), 0};
    size_t last = 1;
    while (src.pos < src.size || last != 0) {
        if (used == out.size() && grow(out, used, max_output).empty()) return error_code::corrupt_message;
        ZSTD_outBuffer dst{out.data() + used, out.size() - used, 0};
        size_t before_in = src.pos;
        last = ZSTD_decompressStream(ctx.get(), &dst, &src);
        if (ZSTD_isError(last)) return error_code::corrupt_message;
        used += dst.pos;
        // Input consumed but the frame is unfinished and nothing more came out: truncated.
        if (last != 0 && src.pos == src.size && dst.pos == 0 && src.pos == before_in) return error_code::corrupt_message;
    }
    out.resize(used);
    return out;
}

result<bytes> zstd_compress(std::span<const uint8_t> in) {
    bytes out(ZSTD_compressBound(in.size()));
    size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
    if (ZSTD_isError(n)) return error_code::unknown_server_error;
    out.resize(n);
    return out;
}

} // namespace

result<std::vector<uint8_t>> decompress(compression codec, std::span<const uint8_t> in, size_t max_output) {
    switch (codec) {
    case compression::none:
        if (in.size() > max_output) return error_code::corrupt_message;
        return bytes(in.begin(), in.end());
    case compression::gzip: return gunzip(in, max_output);
    case compression::snappy: return unsnappy(in, max_output);
    case compression::lz4: return unlz4(in, max_output);
    case compression::zstd: return unzstd(in, max_output);
    }
    return error_code::unsupported_compression_type;
}

result<std::vector<uint8_t>> compress(compression codec, std::span<const uint8_t> in) {
    switch (codec) {
    case compression::none: return bytes(in.begin(), in.end());
    case compression::gzip: return gzip(in);
    case compression::snappy: return snappy_compress(in);
    case compression::lz4: return lz4_compress(in);
    case compression::zstd: return zstd_compress(in);
    }
    return error_code::unsupported_compression_type;
}

} // namespace brook::records
