// The schema types linked into this build: each type library (src/registry/<type>) that
// exists defines BROOK_REGISTRY_HAS_<TYPE> for this file (src/registry/CMakeLists.txt).
#include "registry/store.h"

namespace brook::registry {

std::vector<std::unique_ptr<schema_type>> builtin_types() {
    std::vector<std::unique_ptr<schema_type>> out;
#ifdef BROOK_REGISTRY_HAS_AVRO
    out.push_back(make_avro_type());
#endif
#ifdef BROOK_REGISTRY_HAS_JSON
    out.push_back(make_json_type());
#endif
#ifdef BROOK_REGISTRY_HAS_PROTOBUF
    out.push_back(make_protobuf_type());
#endif
    return out;
}

} // namespace brook::registry
