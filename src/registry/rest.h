#pragma once
// The Confluent Schema Registry REST API on an http::router: the routes, their parameters,
// status codes and JSON bodies (src/registry/README.md lists them). Handlers run on the
// shard of their connection; reads take the store's shared lock briefly, writes are handed
// to the store's writer thread and the handler resumes on its own executor when the write
// is durable and applied, so a shard never blocks on the store.
//
// Every answer has the content type application/vnd.schemaregistry.v1+json; errors are
// {"error_code": N, "message": "..."}. Until the store has replayed `_schemas`, every route
// but `/` and `/v1/metadata/id` answers 503 with error_code 50002.
#include "http/router.h"
#include "registry/store.h"

namespace brook::registry {

// Adds every registry route to `r`; `s` must outlive the router's use.
void add_routes(http::router& r, store& s);

} // namespace brook::registry
