#pragma once
// The published meta-schemas of the drafts Brook validates (minified JSON text, static storage).
#include <string_view>

namespace brook::registry::json {

std::string_view meta_schema_draft4();
std::string_view meta_schema_draft6();
std::string_view meta_schema_draft7();

} // namespace brook::registry::json
