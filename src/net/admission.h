#pragma once
// Connection caps (Kafka's max.connections and max.connections.per.ip) and the descriptor
// limit they must respect.
//
// admission::admit() is called by every shard's acceptor: it counts the connection against
// the broker-wide total and its peer address, and returns a ticket that gives the place back
// when the connection is destroyed, or nothing when a cap is reached (the caller closes the
// socket; the refusal is logged here, at most once per 10 s with a count of the others).
// Thread-safe (one mutex, taken per accept and per close only).
//
// raise_fd_limit() lifts RLIMIT_NOFILE's soft limit to the hard limit at start-up; the
// broker keeps half of the descriptors for connections and the rest for segment files,
// indexes and its other sockets (connection_cap_for).
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace brook::net {

class admission : public std::enable_shared_from_this<admission> {
public:
    // max_total, max_per_ip: <= 0 means no cap of that kind.
    admission(int64_t max_total, int64_t max_per_ip) : max_total_(max_total), max_per_ip_(max_per_ip) {}

    // A held place; destroyed with the connection.
    using ticket = std::shared_ptr<void>;
    ticket admit(const boost::asio::ip::address& peer);

    int64_t open() const;
    int64_t max_total() const { return max_total_; }
    int64_t max_per_ip() const { return max_per_ip_; }

private:
    void leave(const boost::asio::ip::address& peer);
    void log_refusal(const boost::asio::ip::address& peer, bool per_ip);

    const int64_t max_total_;
    const int64_t max_per_ip_;
    mutable std::mutex mu_;
    int64_t open_ = 0;
    std::map<boost::asio::ip::address, int64_t> per_ip_;
    std::chrono::steady_clock::time_point last_log_{};
    int64_t refused_since_log_ = 0;
};

struct fd_limit {
    uint64_t soft = 0; // in force after raise_fd_limit
    uint64_t hard = 0;
};
// Raises the soft RLIMIT_NOFILE to the hard one; logs one warning if that fails.
fd_limit raise_fd_limit();
// Connections the broker accepts with `nofile` descriptors: half of them, the other half left
// for segment files, indexes and listeners.
int64_t connection_cap_for(uint64_t nofile);

} // namespace brook::net
