#include "registry/rest.h"

#include "registry/rest_util.h"

namespace brook::registry {

void add_routes(http::router& r, store& s) {
    rest::add_schema_routes(r, s);
    rest::add_subject_routes(r, s);
    rest::add_config_routes(r, s);
}

} // namespace brook::registry
