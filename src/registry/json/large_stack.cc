#include "registry/json/large_stack.h"

#include <pthread.h>

namespace brook::registry::json {

bool run_on_large_stack(const std::function<void()>& fn) {
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) return false;
    pthread_t thread;
    const bool started = pthread_attr_setstacksize(&attr, large_stack_bytes) == 0 &&
                         pthread_create(
                             &thread, &attr,
                             [](void* p) -> void* {
                                 (*static_cast<const std::function<void()>*>(p))();
                                 return nullptr;
                             },
                             const_cast<std::function<void()>*>(&fn)) == 0;
    pthread_attr_destroy(&attr);
    if (!started) return false;
    pthread_join(thread, nullptr);
    return true;
}

} // namespace brook::registry::json
