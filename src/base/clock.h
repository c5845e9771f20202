#pragma once
// The wall clock in Kafka's unit (milliseconds since the epoch), for record timestamps,
// segment ages and coordinator timers. Components that must be testable take `now` as a
// parameter instead of calling this.
#include <chrono>

#include "base/named_type.h"

namespace brook {

inline timestamp_ms wall_clock_now() {
    return timestamp_ms(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

} // namespace brook
