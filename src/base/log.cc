#include "base/log.h"
#include "base/logger.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <nlohmann/json.hpp>

namespace brook {
namespace {

thread_local log::context current{};

nlohmann::json to_json(const log::field::value_type& v) {
    return std::visit([](const auto& x) -> nlohmann::json {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::string_view>) return std::string(x);
        else return x;
    }, v);
}

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
        const auto& ctx = log::current_context();
        nlohmann::json fields = nlohmann::json::object();
        for (const auto& f : ctx.fields) fields[std::string(f.key())] = to_json(f.value());
        nlohmann::json j = {
            {"ts", std::string(ts)},
            {"level", std::string(level.data(), level.size())},
            {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
            {"component", ctx.component.empty() ? nlohmann::json(nullptr) : nlohmann::json(std::string(ctx.component))},
            {"thread", msg.thread_id},
            {"msg", std::string(msg.payload.data(), msg.payload.size())},
            {"fields", std::move(fields)},
        };
        auto line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        dest.append(line.data(), line.data() + line.size());
        dest.push_back('\n');
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_formatter>(); }
};

// %C in the text pattern: "component: " for a component's line, nothing for a plain one.
class component_flag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
        const auto c = log::current_context().component;
        if (c.empty()) return;
        dest.append(c.data(), c.data() + c.size());
        dest.push_back(':');
        dest.push_back(' ');
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<component_flag>(); }
};

} // namespace

namespace log {

const context& current_context() { return current; }

void component::write(spdlog::logger& l, spdlog::level::level_enum lvl, fields f, const std::string& msg) const {
    // Restored rather than cleared: a field's value may itself have logged (nested call).
    const context saved = current;
    current = {name_, std::span<const field>(f.begin(), f.size())};
    l.log(lvl, "{}", msg);
    current = saved;
}

} // namespace log

bool valid_log_format(std::string_view format) { return format == "text" || format == "json"; }

std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format) {
    if (format == "json") return std::make_unique<json_formatter>();
    auto f = std::make_unique<spdlog::pattern_formatter>();
    f->add_flag<component_flag>('C').set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%t] %C%v");
    return f;
}

void init_logging(std::string_view level, std::string_view format) {
    auto logger = spdlog::stderr_color_mt("brook");
    spdlog::set_default_logger(logger);
    spdlog::set_formatter(make_log_formatter(format));
    spdlog::set_level(spdlog::level::from_str(std::string(level)));
    spdlog::flush_on(spdlog::level::info);
}
} // namespace brook
