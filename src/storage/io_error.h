#pragma once
// The last I/O failure storage logged on the calling thread ("open <path>: <strerror>"), so that
// a caller that gets KAFKA_STORAGE_ERROR back can say why in its own log line or answer (the
// partition opener does). Cleared by the caller before the operation it wants to explain.
#include <string>

namespace brook::storage {

void clear_last_io_error();
// Empty when nothing failed on this thread since the last clear.
const std::string& last_io_error();

} // namespace brook::storage
