#pragma once
// Logging: spdlog with one logger per component name. Hot paths log only on errors.
#include <spdlog/spdlog.h>

namespace brook {
void init_logging(std::string_view level);
} // namespace brook
