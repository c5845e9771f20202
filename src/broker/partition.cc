#include "broker/partition.h"

#include <boost/asio/post.hpp>

namespace brook::broker {

void partition::add_waiter(const std::shared_ptr<fetch_wakeup>& w) {
    // Fetches that finished without an append leave expired entries: prune so an idle
    // partition with long-polling consumers does not grow this list.
    std::erase_if(waiters_, [](const auto& x) { return x.expired(); });
    waiters_.push_back(w);
}

void partition::notify_appended() {
    if (waiters_.empty()) return;
    for (auto& weak : waiters_) {
        if (auto w = weak.lock()) {
            asio::post(w->timer.get_executor(), [w] {
                w->woken = true;
                w->timer.cancel();
            });
        }
    }
    waiters_.clear();
}

} // namespace brook::broker
