#include "base/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <nlohmann/json.hpp>

namespace brook {
namespace {

// One JSON object per line, for log shippers that would otherwise have to parse the text
// pattern. nlohmann escapes quotes, backslashes and control characters in messages that echo
// client input; invalid UTF-8 is replaced (U+FFFD) rather than thrown from inside spdlog.
class json_formatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        // UTC with milliseconds, so lines from hosts in different zones sort together.
        auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(msg.time);
        auto secs = std::chrono::time_point_cast<std::chrono::seconds>(ms);
        std::time_t t = std::chrono::system_clock::to_time_t(secs);
        std::tm tm{};
        ::gmtime_r(&t, &tm);
        char ts[32];
        auto n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        auto frac = static_cast<int>((ms - secs).count());
        std::snprintf(ts + n, sizeof ts - n, ".%03dZ", frac);

        auto level = spdlog::level::to_string_view(msg.level);
        nlohmann::json j = {
            {"ts", std::string(ts)},
            {"level", std::string(level.data(), level.size())},
            {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
            {"thread", msg.thread_id},
            {"msg", std::string(msg.payload.data(), msg.payload.size())},
        };
        auto line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        dest.append(line.data(), line.data() + line.size());
        dest.push_back('\n');
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_formatter>(); }
};

} // namespace

bool valid_log_format(std::string_view format) { return format == "text" || format == "json"; }

void init_logging(std::string_view level, std::string_view format) {
    auto logger = spdlog::stderr_color_mt("brook");
    spdlog::set_default_logger(logger);
    if (format == "json") spdlog::set_formatter(std::make_unique<json_formatter>());
    else spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%t] %v");
    spdlog::set_level(spdlog::level::from_str(std::string(level)));
    spdlog::flush_on(spdlog::level::info);
}
} // namespace brook
