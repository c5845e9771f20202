#pragma once
// Recursive-descent parser for the SQL surface of `brook sql` (see src/stream/README.md):
// SET 'k' = 'v'; CREATE TABLE ...; INSERT INTO sink SELECT ... [EMIT CHANGES]. The first
// syntax error ends parsing and names the token it found and what was expected there.
#include <string_view>
#include <vector>

#include "stream/ast.h"

namespace brook::stream {

checked<std::vector<statement>> parse_script(std::string_view sql);
// One expression (tests and the watermark of a CREATE TABLE use the same grammar).
checked<expr_ptr> parse_expression(std::string_view sql);

} // namespace brook::stream
