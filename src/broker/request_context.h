#pragma once
// What a handler sees of the request it serves. Lives for the duration of the handler,
// on the shard that owns the connection.
#include "broker/broker.h"
#include "net/connection.h"
#include "protocol/headers.h"

namespace brook::broker {

struct request_context {
    broker& b;
    shard_state& shard;
    const protocol::request_header& header;
    const net::connection_info& conn;
    // The dispatcher's one look at fault_injector::armed() for this request, so handlers
    // consulting the injector add no load of their own.
    bool faults_armed = false;

    int16_t version() const { return header.RequestApiVersion; }
};

} // namespace brook::broker
