#pragma once
// offset_map: the log cleaner's key -> latest offset table (Kafka's SkimpyOffsetMap). Keys are
// not stored: each slot holds a 128-bit digest of the key (MurmurHash3 x64-128) and the offset
// of the key's latest record, 24 bytes, in one open-addressing array with linear probing.
// Two distinct keys share a digest with probability ~n^2 / 2^129 (10^9 keys: ~10^-21); Kafka
// accepts the same risk with MD5.
//
// Guarantees: memory is bounded by the byte budget given at construction (the slot array is
// sized per pass, never above it, and never grows otherwise); put() of a new key into a map
// at its load limit is refused (false) and changes nothing, so the caller can stop the pass
// there and clean what it has mapped; a put() of a known key always succeeds. Offsets kept
// per key only grow (the later of two puts wins, as the cleaner walks in offset order).
// Owned by one cleaner thread; not thread-safe.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/named_type.h"

namespace brook::storage {

struct key_digest {
    uint64_t lo = 0;
    uint64_t hi = 0;
    bool operator==(const key_digest&) const = default;
};

// MurmurHash3 x64-128 of `key` (seed 0).
key_digest digest_key(std::span<const uint8_t> key);

class offset_map {
public:
    static constexpr size_t slot_bytes = 24;

    // `memory_bytes`: the most the slot array may take; `load_factor` (0, 1]: the share of
    // slots that may be used before put() refuses new keys (Kafka: log.cleaner.io.buffer.load.factor).
    explicit offset_map(size_t memory_bytes, double load_factor = 0.9);

    // Empties the map for a pass expected to see about `expected_keys` keys: sizes the slot
    // array to hold them (within the budget) so that a small partition does not touch the
    // whole budget.
    void reset(size_t expected_keys);
    // Records `o` as the latest offset of the key; false (and no change) when the key is new
    // and the map is at its load limit.
    bool put(const key_digest& k, offset o);
    std::optional<offset> get(const key_digest& k) const;

    size_t size() const { return used_; }
    // Keys the map takes before put() refuses (at the current slot count).
    size_t capacity() const { return limit_; }
    // Keys the map could take at the full budget.
    size_t max_capacity() const;
    bool full() const { return used_ >= limit_; }
    // Bytes of the slot array now allocated (<= the budget).
    size_t memory_bytes() const { return slots_.capacity() * sizeof(slot); }
    size_t budget_bytes() const { return budget_; }

private:
    struct slot {
        uint64_t lo;
        uint64_t hi;
        int64_t off; // -1: empty
    };
    static_assert(sizeof(slot) == slot_bytes);
    size_t index_of(const key_digest& k) const;

    size_t budget_;
    double load_factor_;
    std::vector<slot> slots_;
    size_t used_ = 0;
    size_t limit_ = 0;
};

} // namespace brook::storage
