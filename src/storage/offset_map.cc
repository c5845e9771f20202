#include "storage/offset_map.h"

#include <algorithm>
#include <cstring>

namespace brook::storage {
namespace {

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline uint64_t fmix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

inline uint64_t load_le64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v; // x86-64 and arm64 Linux: little-endian, as MurmurHash3 reads blocks
}

} // namespace

key_digest digest_key(std::span<const uint8_t> key) {
    const uint8_t* data = key.data();
    const size_t len = key.size();
    const size_t nblocks = len / 16;
    uint64_t h1 = 0, h2 = 0;
    const uint64_t c1 = 0x87c37b91114253d5ULL;
    const uint64_t c2 = 0x4cf5ad432745937fULL;
    for (size_t i = 0; i < nblocks; ++i) {
        uint64_t k1 = load_le64(data + i * 16);
        uint64_t k2 = load_le64(data + i * 16 + 8);
        k1 *= c1; k1 = rotl(k1, 31); k1 *= c2; h1 ^= k1;
        h1 = rotl(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729;
        k2 *= c2; k2 = rotl(k2, 33); k2 *= c1; h2 ^= k2;
        h2 = rotl(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5;
    }
    const uint8_t* tail = data + nblocks * 16;
    uint64_t k1 = 0, k2 = 0;
    switch (len & 15) {
    case 15: k2 ^= uint64_t(tail[14]) << 48; [[fallthrough]];
    case 14: k2 ^= uint64_t(tail[13]) << 40; [[fallthrough]];
    case 13: k2 ^= uint64_t(tail[12]) << 32; [[fallthrough]];
    case 12: k2 ^= uint64_t(tail[11]) << 24; [[fallthrough]];
    case 11: k2 ^= uint64_t(tail[10]) << 16; [[fallthrough]];
    case 10: k2 ^= uint64_t(tail[9]) << 8; [[fallthrough]];
    case 9:
        k2 ^= uint64_t(tail[8]);
        k2 *= c2; k2 = rotl(k2, 33); k2 *= c1; h2 ^= k2;
        [[fallthrough]];
    case 8: k1 ^= uint64_t(tail[7]) << 56; [[fallthrough]];
    case 7: k1 ^= uint64_t(tail[6]) << 48; [[fallthrough]];
    case 6: k1 ^= uint64_t(tail[5]) << 40; [[fallthrough]];
    case 5: k1 ^= uint64_t(tail[4]) << 32; [[fallthrough]];
    case 4: k1 ^= uint64_t(tail[3]) << 24; [[fallthrough]];
    case 3: k1 ^= uint64_t(tail[2]) << 16; [[fallthrough]];
    case 2: k1 ^= uint64_t(tail[1]) << 8; [[fallthrough]];
    case 1:
        k1 ^= uint64_t(tail[0]);
        k1 *= c1; k1 = rotl(k1, 31); k1 *= c2; h1 ^= k1;
        break;
    default: break;
    }
    h1 ^= len;
    h2 ^= len;
    h1 += h2;
    h2 += h1;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 += h2;
    h2 += h1;
    return {h1, h2};
}

offset_map::offset_map(size_t memory_bytes, double load_factor)
    : budget_(memory_bytes), load_factor_(std::clamp(load_factor, 0.01, 1.0)) {}

size_t offset_map::max_capacity() const {
    return static_cast<size_t>(double(budget_ / slot_bytes) * load_factor_);
}

void offset_map::reset(size_t expected_keys) {
    const size_t max_slots = std::max<size_t>(budget_ / slot_bytes, 1);
    // Room for the expected keys at the load factor, plus slack so a pass that finds a few
    // more keys than offsets suggested is not cut short.
    size_t want = static_cast<size_t>(double(expected_keys) / load_factor_) + 16;
    want = std::min(want, max_slots);
    if (slots_.size() != want) {
        // Release first: the old and new arrays never coexist, so the budget holds.
        std::vector<slot>().swap(slots_);
        slots_.resize(want);
    }
    std::fill(slots_.begin(), slots_.end(), slot{0, 0, -1});
    used_ = 0;
    // At least one slot stays empty, so every probe walk ends.
    limit_ = std::min(want - 1, static_cast<size_t>(double(want) * load_factor_));
}

size_t offset_map::index_of(const key_digest& k) const { return static_cast<size_t>(k.hi % slots_.size()); }

bool offset_map::put(const key_digest& k, offset o) {
    if (slots_.empty()) return false;
    for (size_t i = index_of(k);; i = (i + 1 == slots_.size() ? 0 : i + 1)) {
        slot& s = slots_[i];
        if (s.off < 0) {
            if (used_ >= limit_) return false;
            s = slot{k.lo, k.hi, o()};
            ++used_;
            return true;
        }
        if (s.lo == k.lo && s.hi == k.hi) {
            s.off = std::max(s.off, o());
            return true;
        }
    }
}

std::optional<offset> offset_map::get(const key_digest& k) const {
    if (slots_.empty()) return std::nullopt;
    for (size_t i = index_of(k);; i = (i + 1 == slots_.size() ? 0 : i + 1)) {
        const slot& s = slots_[i];
        if (s.off < 0) return std::nullopt;
        if (s.lo == k.lo && s.hi == k.hi) return offset(s.off);
    }
}

} // namespace brook::storage
