#pragma once
// Errors as values for the connectors: a message that says what went wrong and what to do,
// and whether it is the user's to fix (bad DSN, server settings, a missing slot: the command
// exits 2) or a failure of a running pipeline (exit 1). `expected<T>` holds a T or such an error.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace brook::connect {

struct failure {
    std::string message;
    bool usage = false; // true: the user must change something before running again (exit 2)
};

inline failure usage_error(std::string m) { return {std::move(m), true}; }
inline failure runtime_error(std::string m) { return {std::move(m), false}; }

template <class T>
class [[nodiscard]] expected {
public:
    expected(T v) : v_(std::move(v)) {}       // NOLINT: implicit by design
    expected(failure e) : v_(std::move(e)) {} // NOLINT

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }
    const failure& err() const { assert(!has_value()); return std::get<1>(v_); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, failure> v_;
};

struct done {};
using status = expected<done>;

} // namespace brook::connect
