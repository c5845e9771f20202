#pragma once
// Logging: spdlog with one logger per component name. Hot paths log only on errors.
#include <spdlog/spdlog.h>

#include <string_view>

namespace brook {

// `format` is "text" (human-readable lines) or "json" (one object per line:
// ts, level, logger, component, thread, msg, fields: base/logger.h), already checked with
// valid_log_format.
void init_logging(std::string_view level, std::string_view format = "text");

bool valid_log_format(std::string_view format);

} // namespace brook
