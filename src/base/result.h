#pragma once
// result<T>: a value or a Kafka error code. Used on the data path instead of
// exceptions; exceptions are reserved for start-up failures.
#include <cassert>
#include <utility>
#include <variant>

#include "base/error_code.h"

namespace brook {

template <class T>
class [[nodiscard]] result {
public:
    // Default: "no result yet" (asio needs default-constructible results for co_spawn).
    result() : v_(error_code::unknown_server_error) {}
    result(T v) : v_(std::move(v)) {}                       // NOLINT: implicit by design
    result(error_code e) : v_(e) { assert(e != error_code::none); } // NOLINT

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }
    error_code error() const { return has_value() ? error_code::none : std::get<1>(v_); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, error_code> v_;
};

} // namespace brook
