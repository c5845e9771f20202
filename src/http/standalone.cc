#include "http/standalone.h"

#include "http/server.h"
#include "net/server.h"
#include "net/shard_set.h"

namespace brook::http {

standalone_server::standalone_server(const std::string& host_port, const router& routes)
    : shards_(std::make_unique<net::shard_set>(1)) {
    server_ = std::make_unique<server>(*shards_, net::parse_endpoint(host_port), routes);
    server_->start(); // binds now, so a bad address fails here, before the thread starts
    shards_->start();
}

standalone_server::~standalone_server() { stop(); }

uint16_t standalone_server::port() const { return server_->port(); }

void standalone_server::stop() {
    if (stopped_) return;
    stopped_ = true;
    server_->stop();
    shards_->stop();
    shards_->join();
}

} // namespace brook::http
