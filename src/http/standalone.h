#pragma once
// An HTTP listener for a process that has no shard set of its own (a `brook sql run` worker's
// --metrics-addr): it owns a one-shard net::shard_set running on its own thread and an
// http::server on it. Client components (stream, connect) may use http but not net; this is
// their way to serve routes without knowing about shards.
// Threads: construct, start and stop from one thread (not the listener's); the router must
// outlive the listener and not change once started. Handlers run on the listener's thread.
#include <cstdint>
#include <memory>
#include <string>

#include "http/router.h"

namespace brook::net {
class shard_set;
}

namespace brook::http {

class server;

class standalone_server {
public:
    // host_port as "HOST:PORT" (port 0: any free port). Throws std::system_error /
    // std::invalid_argument when the address is bad or cannot be bound: a start-up error.
    standalone_server(const std::string& host_port, const router& routes);
    ~standalone_server(); // stops
    standalone_server(const standalone_server&) = delete;
    standalone_server& operator=(const standalone_server&) = delete;

    uint16_t port() const;
    void stop();

private:
    std::unique_ptr<net::shard_set> shards_;
    std::unique_ptr<server> server_;
    bool stopped_ = false;
};

} // namespace brook::http
