#include "records/record_stream.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "base/endian.h"
#include "base/varint.h"
#include "records/record.h"

namespace brook::records {
namespace {

class plain_stream final : public decompress_stream {
public:
    explicit plain_stream(std::span<const uint8_t> in) : in_(in) {}
    result<size_t> read(std::span<uint8_t> out) override {
        size_t n = std::min(out.size(), in_.size() - pos_);
        std::memcpy(out.data(), in_.data() + pos_, n);
        pos_ += n;
        return n;
    }

private:
    std::span<const uint8_t> in_;
    size_t pos_ = 0;
};

// gzip or zlib (detected), several concatenated gzip members joined, as decompress() reads.
class gzip_stream final : public decompress_stream {
public:
    explicit gzip_stream(std::span<const uint8_t> in) {
        ok_ = in.size() <= UINT32_MAX && inflateInit2(&zs_, 15 + 32) == Z_OK;
        inited_ = ok_;
        zs_.next_in = const_cast<Bytef*>(in.data());
        zs_.avail_in = static_cast<uInt>(in.size());
    }
    ~gzip_stream() override {
        if (inited_) inflateEnd(&zs_);
    }
    result<size_t> read(std::span<uint8_t> out) override {
        if (!ok_) return error_code::corrupt_message;
        if (done_) return size_t(0);
        zs_.next_out = out.data();
        zs_.avail_out = static_cast<uInt>(std::min<size_t>(out.size(), UINT32_MAX));
        const uInt room = zs_.avail_out;
        while (zs_.avail_out > 0) {
            int rc = inflate(&zs_, Z_NO_FLUSH);
            if (rc == Z_STREAM_END) {
                if (zs_.avail_in == 0) {
                    done_ = true;
                    break;
                }
                if (inflateReset(&zs_) != Z_OK) return fail();
                continue;
            }
            // Z_BUF_ERROR with room left: no progress possible, i.e. the input ended mid-stream.
            if (rc != Z_OK) return fail();
        }
        return size_t(room - zs_.avail_out);
    }

private:
    error_code fail() {
        ok_ = false;
        return error_code::corrupt_message;
    }
    z_stream zs_{};
    bool ok_ = false, inited_ = false, done_ = false;
};

class lz4_stream final : public decompress_stream {
public:
    explicit lz4_stream(std::span<const uint8_t> in) : in_(in) {
        ok_ = !LZ4F_isError(LZ4F_createDecompressionContext(&ctx_, LZ4F_VERSION));
    }
    ~lz4_stream() override {
        if (ctx_) LZ4F_freeDecompressionContext(ctx_);
    }
    result<size_t> read(std::span<uint8_t> out) override {
        if (!ok_) return error_code::corrupt_message;
        size_t produced = 0;
        while (!done_ && produced < out.size()) {
            size_t dst = out.size() - produced, src = in_.size() - pos_;
            size_t hint = LZ4F_decompress(ctx_, out.data() + produced, &dst, in_.data() + pos_, &src, nullptr);
            if (LZ4F_isError(hint)) return fail();
            produced += dst;
            pos_ += src;
            if (hint == 0) {
                done_ = true;
                if (pos_ != in_.size()) return fail(); // trailing bytes after the frame
            }
            else if (dst == 0 && src == 0) return fail(); // the input ended mid-frame
        }
        return produced;
    }

private:
    error_code fail() {
        ok_ = false;
        return error_code::corrupt_message;
    }
    std::span<const uint8_t> in_;
    size_t pos_ = 0;
    LZ4F_dctx* ctx_ = nullptr;
    bool ok_ = false, done_ = false;
};

class zstd_stream final : public decompress_stream {
public:
    explicit zstd_stream(std::span<const uint8_t> in) : ctx_(ZSTD_createDCtx()), src_{in.data(), in.size(), 0} {
        // Bound the window a hostile frame header can make us allocate (clients use far less).
        if (ctx_) ZSTD_DCtx_setParameter(ctx_, ZSTD_d_windowLogMax, 25);
    }
    ~zstd_stream() override { ZSTD_freeDCtx(ctx_); }
    result<size_t> read(std::span<uint8_t> out) override {
        if (!ctx_ || failed_) return error_code::corrupt_message;
        ZSTD_outBuffer dst{out.data(), out.size(), 0};
        while (dst.pos < dst.size) {
            if (src_.pos == src_.size && last_ == 0) break; // every frame complete
            const size_t in_before = src_.pos, out_before = dst.pos;
            last_ = ZSTD_decompressStream(ctx_, &dst, &src_);
            if (ZSTD_isError(last_)) return fail();
            if (last_ != 0 && src_.pos == src_.size && src_.pos == in_before && dst.pos == out_before) return fail();
        }
        return dst.pos;
    }

private:
    error_code fail() {
        failed_ = true;
        return error_code::corrupt_message;
    }
    ZSTD_DCtx* ctx_;
    ZSTD_inBuffer src_;
    size_t last_ = 1; // 0 once a frame is complete and flushed
    bool failed_ = false;
};

// Raw snappy, or the xerial framing (a sequence of raw blocks) the Java client writes. The
// library decodes a block whole; a block cannot expand more than 22 times (its densest element
// is a 3-byte copy of 64 bytes), so a block claiming more is corrupt, and what is held is bounded
// by the compressed size.
class snappy_stream final : public decompress_stream {
public:
    explicit snappy_stream(std::span<const uint8_t> in) : in_(in) {
        static constexpr std::array<uint8_t, 8> magic{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00};
        xerial_ = in.size() >= 16 && std::equal(magic.begin(), magic.end(), in.begin());
        pos_ = xerial_ ? 16 : 0;
    }
    result<size_t> read(std::span<uint8_t> out) override {
        if (failed_) return error_code::corrupt_message;
        while (at_ == block_.size()) {
            if (pos_ == in_.size() && (xerial_ || raw_done_)) return size_t(0);
            if (auto e = next_block(); e != error_code::none) return e;
        }
        size_t n = std::min(out.size(), block_.size() - at_);
        std::memcpy(out.data(), block_.data() + at_, n);
        at_ += n;
        return n;
    }

private:
    error_code next_block() {
        std::span<const uint8_t> raw;
        if (xerial_) {
            if (in_.size() - pos_ < 4) return fail();
            int32_t len = load_be<int32_t>(in_.data() + pos_);
            pos_ += 4;
            if (len < 0 || size_t(len) > in_.size() - pos_) return fail();
            raw = in_.subspan(pos_, size_t(len));
            pos_ += size_t(len);
        } else {
            raw = in_;
            pos_ = in_.size();
            raw_done_ = true;
        }
        size_t n = 0;
        auto src = reinterpret_cast<const char*>(raw.data());
        if (!snappy::GetUncompressedLength(src, raw.size(), &n) || n > raw.size() * 22 + 16) return fail();
        block_.resize(n);
        at_ = 0;
        if (!snappy::RawUncompress(src, raw.size(), reinterpret_cast<char*>(block_.data()))) return fail();
        return error_code::none;
    }
    error_code fail() {
        failed_ = true;
        return error_code::corrupt_message;
    }
    std::span<const uint8_t> in_;
    size_t pos_ = 0, at_ = 0;
    std::vector<uint8_t> block_;
    bool xerial_ = false, raw_done_ = false, failed_ = false;
};

// Bytes of a decompress_stream through a 64 KiB window, with the reads the record walk needs.
// Any failure (end of stream where bytes were due, a corrupt stream) makes the walk corrupt.
class stream_cursor {
public:
    explicit stream_cursor(decompress_stream& s) : s_(s), buf_(64 * 1024) {}

    uint64_t pos() const { return pos_; }
    bool at_end() { return !fill(1); }
    // The stream itself was corrupt or truncated (not merely at its end).
    bool failed() const { return failed_; }
    bool varint(int32_t& out) {
        fill(5);
        auto v = read_varint({buf_.data() + at_, have_});
        if (!v) return false;
        consume(v->length);
        out = static_cast<int32_t>(v->value);
        return true;
    }
    bool varlong(int64_t& out) {
        fill(10);
        auto v = read_varlong({buf_.data() + at_, have_});
        if (!v) return false;
        consume(v->length);
        out = v->value;
        return true;
    }
    bool skip(uint64_t n) {
        while (n > 0) {
            if (have_ == 0 && !fill(1)) return false;
            size_t k = static_cast<size_t>(std::min<uint64_t>(n, have_));
            consume(k);
            n -= k;
        }
        return true;
    }

private:
    // Makes at least n bytes available unless the stream ends (or fails) first.
    bool fill(size_t n) {
        if (have_ >= n) return true;
        if (ended_) return false;
        if (at_ > 0) {
            std::memmove(buf_.data(), buf_.data() + at_, have_);
            at_ = 0;
        }
        while (have_ < n) {
            auto got = s_.read({buf_.data() + have_, buf_.size() - have_});
            if (!got || *got == 0) {
                ended_ = true;
                failed_ = !got;
                return false;
            }
            have_ += *got;
        }
        return true;
    }
    void consume(size_t n) {
        at_ += n;
        have_ -= n;
        pos_ += n;
    }

    decompress_stream& s_;
    std::vector<uint8_t> buf_;
    size_t at_ = 0, have_ = 0;
    uint64_t pos_ = 0;
    bool ended_ = false, failed_ = false;
};

// Smallest record body: attributes, ts delta, offset delta, key len, value len, header count.
constexpr int32_t min_record_body = 6;

} // namespace

result<std::unique_ptr<decompress_stream>> open_decompress_stream(compression codec, std::span<const uint8_t> in) {
    switch (codec) {
    case compression::none: return std::unique_ptr<decompress_stream>(std::make_unique<plain_stream>(in));
    case compression::gzip: return std::unique_ptr<decompress_stream>(std::make_unique<gzip_stream>(in));
    case compression::snappy: return std::unique_ptr<decompress_stream>(std::make_unique<snappy_stream>(in));
    case compression::lz4: return std::unique_ptr<decompress_stream>(std::make_unique<lz4_stream>(in));
    case compression::zstd: return std::unique_ptr<decompress_stream>(std::make_unique<zstd_stream>(in));
    }
    return error_code::unsupported_compression_type;
}

error_code check_compressed_records(compression codec, std::span<const uint8_t> payload, int32_t count,
                                    bool require_sequential_deltas, record_timestamps* timestamps) {
    if (count < 0) return error_code::corrupt_message;
    auto stream = open_decompress_stream(codec, payload);
    if (!stream) return stream.error();
    stream_cursor c(**stream);
    constexpr auto corrupt = error_code::corrupt_message;
    for (int32_t i = 0; i < count; ++i) {
        if (c.at_end()) return corrupt; // fewer records than claimed
        int32_t len;
        if (!c.varint(len) || len < min_record_body) return corrupt;
        const uint64_t end = c.pos() + uint64_t(len);
        // Every read stays inside the record, which must end exactly where its length says.
        auto inside = [&] { return c.pos() <= end; };
        auto skip_bytes = [&](bool allow_null) {
            int32_t n;
            if (!c.varint(n) || !inside()) return false;
            if (n == -1 && allow_null) return true;
            return n >= 0 && uint64_t(n) <= end - c.pos() && c.skip(uint64_t(n));
        };
        int32_t offset_delta, header_count;
        int64_t timestamp_delta;
        if (!c.skip(1) || !c.varlong(timestamp_delta) || !c.varint(offset_delta) || !inside() || !skip_bytes(true) ||
            !skip_bytes(true) || !c.varint(header_count) || !inside() || header_count < 0)
            return corrupt;
        for (int32_t h = 0; h < header_count; ++h)
            if (!skip_bytes(false) || !skip_bytes(true)) return corrupt;
        if (c.pos() != end) return corrupt;
        if (require_sequential_deltas && offset_delta != i) return error_code::invalid_record;
        if (timestamps) timestamps->see(i, timestamp_delta);
    }
    if (!c.at_end() || c.failed()) return corrupt; // trailing bytes, or a stream that does not end cleanly
    return error_code::none;
}

} // namespace brook::records
