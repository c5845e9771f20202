#pragma once
// Structured logging on top of spdlog (base/log.h): a component and typed fields per line
// where they matter to operators.
//
// Call sites name their component and pass the facts an operator filters on as fields:
//
//     log::group.warn({{"group", id}, {"reasons", reasons}}, "group {}: rebalance storm ({})", id, reasons);
//
// Text lines read `ts level [thread] group: message`; `--log-format json` lines are one object
// {ts, level, logger, component, thread, msg, fields} where fields keep their types (numbers
// stay numbers). Plain spdlog:: calls still work and carry a null component and no fields.
//
// The component and fields reach the formatter through a thread-local set for the duration
// of one call, so they need the logger to format on the calling thread (the sync stderr
// logger init_logging installs). Nothing is formatted unless the level is enabled, so hot
// paths may keep debug lines.
#include <spdlog/spdlog.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace brook {

// The formatter init_logging installs for `format` ("text" or "json"), for tests and for
// sinks added later.
std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format);

namespace log {

// One structured fact of a log line: a key and a string, integer, floating or boolean value.
// Holds views: it lives only for the call it is passed to.
class field {
public:
    using value_type = std::variant<std::string_view, int64_t, uint64_t, double, bool>;

    field(std::string_view key, std::string_view v) : key_(key), value_(v) {}
    field(std::string_view key, const std::string& v) : key_(key), value_(std::string_view(v)) {}
    field(std::string_view key, const char* v) : key_(key), value_(std::string_view(v)) {}
    field(std::string_view key, bool v) : key_(key), value_(v) {}
    template <class T>
        requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
    field(std::string_view key, T v) {
        key_ = key;
        if constexpr (std::is_signed_v<T>) value_ = static_cast<int64_t>(v);
        else value_ = static_cast<uint64_t>(v);
    }
    template <class T>
        requires std::is_floating_point_v<T>
    field(std::string_view key, T v) : key_(key), value_(static_cast<double>(v)) {}

    std::string_view key() const { return key_; }
    const value_type& value() const { return value_; }

private:
    std::string_view key_;
    value_type value_;
};

using fields = std::initializer_list<field>;

// What the formatters see of the line being logged (empty component: a plain spdlog call).
struct context {
    std::string_view component;
    std::span<const field> fields;
};
const context& current_context();

// A component's logger: cheap to construct (a name), usable from any thread.
class component {
public:
    constexpr explicit component(std::string_view name) : name_(name) {}
    std::string_view name() const { return name_; }

    template <class... A> void debug(fields f, fmt::format_string<A...> s, A&&... a) const { emit(spdlog::level::debug, f, s, std::forward<A>(a)...); }
    template <class... A> void info(fields f, fmt::format_string<A...> s, A&&... a) const { emit(spdlog::level::info, f, s, std::forward<A>(a)...); }
    template <class... A> void warn(fields f, fmt::format_string<A...> s, A&&... a) const { emit(spdlog::level::warn, f, s, std::forward<A>(a)...); }
    template <class... A> void error(fields f, fmt::format_string<A...> s, A&&... a) const { emit(spdlog::level::err, f, s, std::forward<A>(a)...); }
    template <class... A> void debug(fmt::format_string<A...> s, A&&... a) const { emit(spdlog::level::debug, {}, s, std::forward<A>(a)...); }
    template <class... A> void info(fmt::format_string<A...> s, A&&... a) const { emit(spdlog::level::info, {}, s, std::forward<A>(a)...); }
    template <class... A> void warn(fmt::format_string<A...> s, A&&... a) const { emit(spdlog::level::warn, {}, s, std::forward<A>(a)...); }
    template <class... A> void error(fmt::format_string<A...> s, A&&... a) const { emit(spdlog::level::err, {}, s, std::forward<A>(a)...); }
    template <class... A> void critical(fields f, fmt::format_string<A...> s, A&&... a) const { emit(spdlog::level::critical, f, s, std::forward<A>(a)...); }
    // For a level chosen at run time.
    template <class... A> void log(spdlog::level::level_enum lvl, fields f, fmt::format_string<A...> s, A&&... a) const { emit(lvl, f, s, std::forward<A>(a)...); }

private:
    template <class... A>
    void emit(spdlog::level::level_enum lvl, fields f, fmt::format_string<A...> s, A&&... a) const {
        auto* l = spdlog::default_logger_raw();
        if (!l->should_log(lvl)) return;
        write(*l, lvl, f, fmt::format(s, std::forward<A>(a)...));
    }
    void write(spdlog::logger& l, spdlog::level::level_enum lvl, fields f, const std::string& msg) const;

    std::string_view name_;
};

// The components a line can name; operators filter on these (docs/runbook.md), so add one
// here rather than inventing a name at a call site.
inline constexpr component storage{"storage"};
inline constexpr component net{"net"};
inline constexpr component broker{"broker"};
inline constexpr component group{"group"};
inline constexpr component txn{"txn"};
inline constexpr component coord{"coord"};
inline constexpr component http{"http"};
inline constexpr component registry{"registry"};
inline constexpr component app{"app"};

} // namespace log
} // namespace brook
