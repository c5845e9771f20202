#pragma once
// expected<T, E>: a value or an error of type E, for layers whose errors carry more than a Kafka
// error code (a client error with its message, a connector failure with its exit class). The
// data path's result<T> (base/result.h) stays separate: it is default-constructible for asio.
// A plain value type; any thread.
#include <cassert>
#include <utility>
#include <variant>

namespace brook {

template <class T, class E>
class [[nodiscard]] expected {
public:
    expected(T v) : v_(std::move(v)) {} // NOLINT: implicit by design
    expected(E e) : v_(std::move(e)) {} // NOLINT

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }
    const E& err() const { assert(!has_value()); return std::get<1>(v_); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, E> v_;
};

} // namespace brook
