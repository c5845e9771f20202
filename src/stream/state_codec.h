#pragma once
// Byte encodings of operator state for the state store (state_store.h): values, accumulators
// and window panes, little-endian with length prefixes. A reader never trusts its input:
// decoding returns false on truncated or malformed bytes instead of reading past them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stream/aggregate.h"
#include "stream/value.h"

namespace brook::stream {

void put_i64(std::string& out, int64_t v);
void put_value(std::string& out, const value& v);
void put_values(std::string& out, const std::vector<value>& vs);
void put_accumulators(std::string& out, const std::vector<accumulator>& accs);

// Consumes from the front of in; false (and in unspecified) when the bytes do not decode.
bool get_i64(std::string_view& in, int64_t& v);
bool get_value(std::string_view& in, value& v);
bool get_values(std::string_view& in, std::vector<value>& vs);
bool get_accumulators(std::string_view& in, std::vector<accumulator>& accs);

} // namespace brook::stream
