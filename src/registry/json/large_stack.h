#pragma once
// Runs a function on a thread of its own with a large stack (reserved address space, committed
// as used) and waits for it: for the valijson work whose recursion depth follows its input
// (std::regex over long strings, compiling or validating very large or deep schemas). Returns
// false when no such thread could be started. `fn` must not throw.
#include <cstddef>
#include <functional>

namespace brook::registry::json {

inline constexpr std::size_t large_stack_bytes = std::size_t{512} << 20;

bool run_on_large_stack(const std::function<void()>& fn);

} // namespace brook::registry::json
