#pragma once
// A problem in the user's SQL, pointing at where it is: the 1-based line and column of the
// token that is wrong. Returned (never thrown) by the lexer, parser and planner; `brook sql`
// prints it as FILE:LINE:COL: error: MESSAGE and exits 2.
#include <string>
#include <variant>

namespace brook::stream {

struct position {
    int line = 1;
    int col = 1;
};

struct sql_error {
    position pos;
    std::string message;
};

// A value or an sql_error, as the SQL front end returns them.
template <class T>
class [[nodiscard]] checked {
public:
    checked(T v) : v_(std::move(v)) {}          // NOLINT: implicit by design
    checked(sql_error e) : v_(std::move(e)) {}  // NOLINT
    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }
    const sql_error& err() const { return std::get<1>(v_); }
    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const T& value() const& { return std::get<0>(v_); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return std::get<0>(v_); }
    const T& operator*() const& { return std::get<0>(v_); }
    T&& operator*() && { return std::get<0>(std::move(v_)); }

private:
    std::variant<T, sql_error> v_;
};

} // namespace brook::stream
