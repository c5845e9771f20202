#pragma once
// Kafka wire primitives shared by the generated message codecs and the headers.
//
// reader: a cursor over an immutable byte span. Every read is bounds-checked; the first
// overrun or malformed length sets ok() to false for good and later reads return zero values
// without touching memory. Length prefixes (strings, bytes, arrays) are checked against
// remaining() before any allocation, so a hostile length cannot make us allocate gigabytes.
//
// writer: appends big-endian / varint encodings to a caller-owned std::vector<uint8_t>. Given
// a splice list too, it accepts file-backed records (records_data.h): it writes their length
// prefix and appends one file_splice per range (its bytes belong at that point of the body)
// instead of the bytes, so the connection can send them from the file. Without a splice list, file-backed
// records are a programming error (std::logic_error): the output would be missing bytes.
// Neither type is thread-safe; both are cheap, short-lived values used on the owning shard.
#include <array>
#include <cstdint>
#include <stdexcept>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/endian.h"
#include "base/file_range.h"
#include "base/varint.h"
#include "protocol/records_data.h"

namespace brook::protocol {

using uuid = std::array<uint8_t, 16>;
using bytes = std::vector<uint8_t>;

// A tagged field we do not know (or that is not valid at the decoded version), kept verbatim
// so that it is re-emitted on encode.
struct tagged_field {
    uint32_t tag{0};
    bytes data;
    bool operator==(const tagged_field&) const = default;
};
using tagged_fields = std::vector<tagged_field>;

class reader {
public:
    explicit reader(std::span<const uint8_t> in) : in_(in) {}

    bool ok() const { return ok_; }
    size_t position() const { return pos_; }
    size_t remaining() const { return ok_ ? in_.size() - pos_ : 0; }
    // Marks the input malformed (e.g. a semantic check in generated code failed).
    void fail() { ok_ = false; }

    // Memory the decoded message holds beyond its own struct: array and tagged-field elements
    // (counted as the array is reserved) and copied strings and bytes. A few bytes on the wire
    // can decode to far more (a one-byte string is a 32-byte std::string), so a decoder may be
    // given a bound: passing it fails the decode like malformed input. 0 = no bound.
    void limit_decoded(size_t max_bytes) { max_decoded_ = max_bytes; }
    size_t decoded() const { return decoded_; }
    size_t decoded_limit() const { return max_decoded_; }
    bool charge(size_t bytes) {
        decoded_ += bytes;
        if (max_decoded_ != 0 && decoded_ > max_decoded_) ok_ = false;
        return ok_;
    }

    int8_t i8() { return fixed<int8_t>(); }
    int16_t i16() { return fixed<int16_t>(); }
    int32_t i32() { return fixed<int32_t>(); }
    int64_t i64() { return fixed<int64_t>(); }
    uint16_t u16() { return fixed<uint16_t>(); }
    uint32_t u32() { return fixed<uint32_t>(); }
    double f64() {
        uint64_t bits = fixed<uint64_t>();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return d;
    }
    bool boolean() { return i8() != 0; }
    uuid read_uuid() {
        uuid u{};
        if (take(16)) std::memcpy(u.data(), in_.data() + pos_ - 16, 16);
        return u;
    }

    // Unsigned varint of at most 5 bytes (Kafka's uint32 varint).
    uint32_t uvarint() {
        if (!ok_) return 0;
        auto r = read_uvarint(in_.subspan(pos_), 5);
        if (!r || r->first > UINT32_MAX) { ok_ = false; return 0; }
        pos_ += r->second;
        return static_cast<uint32_t>(r->first);
    }

    // Length of a string/bytes/array: -1 means null. Classic: int16 (strings) or int32
    // (bytes, arrays); flexible: uvarint N+1. Fails if the length is below -1 or larger than
    // what remains (every element/byte takes at least one byte on the wire), and for a string
    // longer than 32767 bytes even where the flexible encoding could carry it: Kafka's readers
    // refuse those too, so every string fits the classic int16 length wherever it is written
    // back (a transactional id in __transaction_state's key, say).
    int32_t length(bool flexible, bool is_string) {
        int64_t n;
        if (flexible) n = int64_t(uvarint()) - 1;
        else n = is_string ? i16() : i32();
        if (!ok_ || n < -1 || n > int64_t(remaining()) || (is_string && n > INT16_MAX)) { ok_ = false; return -1; }
        return static_cast<int32_t>(n);
    }

    bool string(std::string& out, bool flexible) {
        int32_t n = length(flexible, true);
        if (n < 0) { ok_ = false; return false; }
        return take_into(out, n);
    }
    bool nullable_string(std::optional<std::string>& out, bool flexible) {
        int32_t n = length(flexible, true);
        if (!ok_) return false;
        if (n < 0) { out.reset(); return true; }
        return take_into(out.emplace(), n);
    }
    // T = bytes (copied) or records_data (a view of the input, never copied: records_data.h).
    template <class T>
    bool bytes_field(T& out, bool flexible) {
        int32_t n = length(flexible, false);
        if (n < 0) { ok_ = false; return false; }
        return take_into(out, n);
    }
    template <class T>
    bool nullable_bytes(std::optional<T>& out, bool flexible) {
        int32_t n = length(flexible, false);
        if (!ok_) return false;
        if (n < 0) { out.reset(); return true; }
        return take_into(out.emplace(), n);
    }

    // A flexible-version tagged-field section, kept verbatim (tag order as received).
    bool tags(tagged_fields& out) {
        out.clear();
        const uint32_t count = uvarint();
        if (!ok_ || count > remaining() / 2 || !charge(size_t(count) * sizeof(tagged_field))) {
            ok_ = false; // every tagged field takes at least two bytes (tag, size)
            return false;
        }
        for (uint32_t i = 0; i < count; ++i) {
            const uint32_t tag = uvarint();
            const auto data = raw(uvarint());
            if (!ok_) return false;
            out.push_back({tag, bytes(data.begin(), data.end())});
        }
        return true;
    }

    // Consumes n bytes and returns them as a span (empty and !ok() on overrun).
    std::span<const uint8_t> raw(size_t n) {
        if (!take(n)) return {};
        return in_.subspan(pos_ - n, n);
    }

private:
    bool take(size_t n) {
        if (!ok_ || in_.size() - pos_ < n) { ok_ = false; return false; }
        pos_ += n;
        return true;
    }
    template <class T>
    T fixed() {
        if (!take(sizeof(T))) return T{};
        return load_be<T>(in_.data() + pos_ - sizeof(T));
    }
    bool take_into(records_data& out, int32_t n) {
        auto v = raw(static_cast<size_t>(n));
        if (!ok_) return false;
        out = records_data::view_of(v);
        return true;
    }
    template <class C>
    bool take_into(C& out, int32_t n) {
        auto s = raw(static_cast<size_t>(n));
        if (!ok_) return false;
        if (n > 15 && !charge(static_cast<size_t>(n))) return false; // shorter strings fit in place (SSO)
        out.assign(s.begin(), s.end());
        return true;
    }

    std::span<const uint8_t> in_;
    size_t pos_{0};
    bool ok_{true};
    size_t decoded_{0};
    size_t max_decoded_{0};
};

class writer {
public:
    explicit writer(std::vector<uint8_t>& out, std::vector<file_splice>* splices = nullptr)
        : out_(out), splices_(splices) {}

    std::vector<uint8_t>& buffer() { return out_; }
    size_t size() const { return out_.size(); }

    void i8(int8_t v) { out_.push_back(static_cast<uint8_t>(v)); }
    void i16(int16_t v) { fixed(v); }
    void i32(int32_t v) { fixed(v); }
    void i64(int64_t v) { fixed(v); }
    void u16(uint16_t v) { fixed(v); }
    void u32(uint32_t v) { fixed(v); }
    void f64(double d) {
        uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        fixed(bits);
    }
    void boolean(bool b) { i8(b ? 1 : 0); }
    void write_uuid(const uuid& u) { raw(u); }
    void uvarint(uint32_t v) { write_uvarint(out_, v); }

    // Length prefix; n == -1 writes null.
    void length(int64_t n, bool flexible, bool is_string) {
        if (flexible) uvarint(static_cast<uint32_t>(n + 1));
        else if (is_string) i16(static_cast<int16_t>(n));
        else i32(static_cast<int32_t>(n));
    }
    void string(std::string_view s, bool flexible) {
        length(int64_t(s.size()), flexible, true);
        raw({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
    }
    void nullable_string(const std::optional<std::string>& s, bool flexible) {
        if (!s) length(-1, flexible, true);
        else string(*s, flexible);
    }
    void bytes_field(std::span<const uint8_t> b, bool flexible) {
        length(int64_t(b.size()), flexible, false);
        raw(b);
    }
    void nullable_bytes(const std::optional<bytes>& b, bool flexible) {
        if (!b) length(-1, flexible, false);
        else bytes_field(*b, flexible);
    }
    void bytes_field(const records_data& b, bool flexible) {
        if (!b.file_backed()) return bytes_field(b.bytes(), flexible);
        if (!splices_) throw std::logic_error("file-backed records written without a splice list");
        length(int64_t(b.size()), flexible, false);
        for (const auto& f : b.files()) splices_->push_back({out_.size(), f});
    }
    void nullable_bytes(const std::optional<records_data>& b, bool flexible) {
        if (!b) length(-1, flexible, false);
        else bytes_field(*b, flexible);
    }
    // A tagged-field section; the caller keeps `t` sorted by tag.
    void tags(const tagged_fields& t) {
        uvarint(static_cast<uint32_t>(t.size()));
        for (const auto& f : t) {
            uvarint(f.tag);
            uvarint(static_cast<uint32_t>(f.data.size()));
            raw(f.data);
        }
    }
    void raw(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }

private:
    template <class T>
    void fixed(T v) {
        size_t at = out_.size();
        out_.resize(at + sizeof(T));
        store_be<T>(out_.data() + at, v);
    }
    std::vector<uint8_t>& out_;
    std::vector<file_splice>* splices_;
};

// Empty value for an optional member encoded at a version where it may not be null.
template <class T>
const T& value_or_empty(const std::optional<T>& o) {
    static const T empty{};
    return o ? *o : empty;
}

} // namespace brook::protocol
