#include "net/admission.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"

namespace brook::net {

admission::ticket admission::admit(const boost::asio::ip::address& peer) {
    {
        std::lock_guard lock(mu_);
        const bool total_full = max_total_ > 0 && open_ >= max_total_;
        auto it = per_ip_.find(peer);
        const bool ip_full = !total_full && max_per_ip_ > 0 && it != per_ip_.end() && it->second >= max_per_ip_;
        if (!total_full && !ip_full) {
            ++open_;
            if (it == per_ip_.end()) per_ip_.emplace(peer, 1);
            else ++it->second;
            // The ticket owns nothing but the promise to leave: its deleter gives the place back.
            // (It points at this gate only so that it is non-null.)
            auto self = shared_from_this();
            return ticket(static_cast<void*>(this), [self, peer](void*) { self->leave(peer); });
        }
        log_refusal(peer, ip_full);
    }
    return nullptr;
}

int64_t admission::open() const {
    std::lock_guard lock(mu_);
    return open_;
}

void admission::leave(const boost::asio::ip::address& peer) {
    std::lock_guard lock(mu_);
    --open_;
    auto it = per_ip_.find(peer);
    if (it != per_ip_.end() && --it->second <= 0) per_ip_.erase(it);
}

// Called with mu_ held. A client reconnecting in a loop would otherwise write a line per try.
void admission::log_refusal(const boost::asio::ip::address& peer, bool per_ip) {
    ++refused_since_log_;
    auto now = std::chrono::steady_clock::now();
    if (last_log_ != std::chrono::steady_clock::time_point{} && now - last_log_ < std::chrono::seconds(10)) return;
    if (per_ip)
        spdlog::warn("refusing connection from {}: it already has {} (max.connections.per.ip); {} refused since the "
                     "last such line",
                     peer.to_string(), max_per_ip_, refused_since_log_);
    else
        spdlog::warn("refusing connection from {}: {} connections open (max.connections, or half of RLIMIT_NOFILE); "
                     "{} refused since the last such line",
                     peer.to_string(), open_, refused_since_log_);
    last_log_ = now;
    refused_since_log_ = 0;
}

fd_limit raise_fd_limit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        spdlog::warn("cannot read RLIMIT_NOFILE: {}; assuming 1024 descriptors", std::strerror(errno));
        return {1024, 1024};
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rlimit want = rl;
        want.rlim_cur = rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
        else
            spdlog::warn("cannot raise the open-file limit (RLIMIT_NOFILE) from {} to its hard limit {}: {}; "
                         "connections and open segments share {} descriptors",
                         rl.rlim_cur, rl.rlim_max, std::strerror(errno), rl.rlim_cur);
    }
    const uint64_t inf = static_cast<uint64_t>(RLIM_INFINITY);
    return {rl.rlim_cur == RLIM_INFINITY ? inf : rl.rlim_cur, rl.rlim_max == RLIM_INFINITY ? inf : rl.rlim_max};
}

int64_t connection_cap_for(uint64_t nofile) {
    constexpr uint64_t most = uint64_t(1) << 30; // RLIM_INFINITY: no useful bound from the limit
    return static_cast<int64_t>(std::max<uint64_t>(1, std::min(nofile, most) / 2));
}

} // namespace brook::net
