#pragma once
// Strong id types: an offset can never be passed where an epoch is expected.
// named_type<T, Tag> is a trivially copyable value wrapper; arithmetic is only
// offered where the domain needs it (offsets and sequences advance).
#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>

namespace brook {

template <class T, class Tag>
class named_type {
public:
    using value_type = T;
    constexpr named_type() = default;
    constexpr explicit named_type(T v) : value_(v) {}
    constexpr T operator()() const { return value_; }
    constexpr T value() const { return value_; }
    constexpr auto operator<=>(const named_type&) const = default;

    constexpr named_type operator+(T d) const { return named_type(value_ + d); }
    constexpr named_type operator-(T d) const { return named_type(value_ - d); }
    constexpr T operator-(named_type o) const { return value_ - o.value_; }
    constexpr named_type& operator+=(T d) { value_ += d; return *this; }
    constexpr named_type& operator++() { ++value_; return *this; }

    friend std::ostream& operator<<(std::ostream& os, named_type v) { return os << +v.value_; }

private:
    T value_{};
};

using offset = named_type<int64_t, struct offset_tag>;
using partition_id = named_type<int32_t, struct partition_id_tag>;
using producer_id = named_type<int64_t, struct producer_id_tag>;
using producer_epoch = named_type<int16_t, struct producer_epoch_tag>;
using leader_epoch = named_type<int32_t, struct leader_epoch_tag>;
using sequence = named_type<int32_t, struct sequence_tag>;
using timestamp_ms = named_type<int64_t, struct timestamp_ms_tag>;

inline constexpr producer_id no_producer_id{-1};
inline constexpr producer_epoch no_producer_epoch{-1};
inline constexpr sequence no_sequence{-1};

} // namespace brook

template <class T, class Tag>
struct std::hash<brook::named_type<T, Tag>> {
    size_t operator()(brook::named_type<T, Tag> v) const noexcept { return std::hash<T>{}(v.value()); }
};
