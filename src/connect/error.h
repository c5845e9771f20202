#pragma once
// Errors as values for the connectors: a message that says what went wrong and what to do,
// and whether it is the user's to fix (bad DSN, server settings, a missing slot: the command
// exits 2) or a failure of a running pipeline (exit 1). `expected<T>` holds a T or such an error.
#include <string>
#include <utility>

#include "base/expected.h"

namespace brook::connect {

struct failure {
    std::string message;
    bool usage = false; // true: the user must change something before running again (exit 2)
};

inline failure usage_error(std::string m) { return {std::move(m), true}; }
inline failure runtime_error(std::string m) { return {std::move(m), false}; }

template <class T>
using expected = brook::expected<T, failure>;

struct done {};
using status = expected<done>;

} // namespace brook::connect
