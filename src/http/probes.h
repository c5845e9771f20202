#pragma once
// The two probe routes every Brook HTTP service answers: GET /v1/health (200
// {"status":"ok"} while the process serves HTTP) and GET /v1/ready (200 {"status":"ready"}
// once `ready()` holds, else 503 with a JSON error naming `waiting_for`). What "ready" means
// is the caller's: the broker passes "storage recovered and the Kafka listener up".
// `ready` is called on the shard of each probe's connection, so it must be thread-safe.
#include <functional>
#include <string>

#include "http/router.h"

namespace brook::http {

void add_probe_routes(router& routes, std::function<bool()> ready, std::string waiting_for);

} // namespace brook::http
