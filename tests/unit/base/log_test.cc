// Structured logging: with the JSON formatter every line is one valid JSON object carrying the
// component and typed fields, whatever the message or field values hold (quotes, newlines,
// control characters, invalid UTF-8); a plain spdlog call has a null component and no fields;
// the text format names the component; disabled levels format nothing.
#include "base/log.h"
#include "base/logger.h"

#include <spdlog/sinks/ostream_sink.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <vector>

namespace brook {
namespace {

using nlohmann::json;

// Routes the default logger into a string for one test, with the given format.
class captured {
public:
    explicit captured(std::string_view format) {
        saved_ = spdlog::default_logger();
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
        auto l = std::make_shared<spdlog::logger>("brook", sink);
        l->set_formatter(make_log_formatter(format));
        l->set_level(spdlog::level::info);
        spdlog::set_default_logger(l);
    }
    ~captured() { spdlog::set_default_logger(saved_); }
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        std::istringstream in(out_.str());
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }

private:
    std::ostringstream out_;
    std::shared_ptr<spdlog::logger> saved_;
};

constexpr log::component group_log{"group"};

TEST(log_json, one_object_per_line_with_component_and_typed_fields) {
    captured cap("json");
    const std::string nasty = "a \"quoted\"\nline\t\\ \x01 \xff end";
    group_log.warn({{"group", nasty}, {"partition", int32_t{3}}, {"offset", int64_t{-1}}, {"lag", uint64_t{18446744073709551615u}},
                    {"ratio", 0.5}, {"stable", false}},
                   "group {}: storm", nasty);
    spdlog::info("plain {}", 1);
    const auto lines = cap.lines();
    ASSERT_EQ(lines.size(), 2u); // the newline in the message stayed escaped inside its line
    const auto j = json::parse(lines[0]);
    EXPECT_EQ(j["level"], "warning");
    EXPECT_EQ(j["component"], "group");
    EXPECT_EQ(j["logger"], "brook");
    EXPECT_TRUE(j["ts"].get<std::string>().ends_with("Z"));
    const auto& f = j["fields"];
    EXPECT_EQ(f["group"].get<std::string>().substr(0, 16), "a \"quoted\"\nline\t");
    EXPECT_NE(f["group"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos); // invalid UTF-8 replaced
    EXPECT_TRUE(f["partition"].is_number_integer());
    EXPECT_EQ(f["partition"], 3);
    EXPECT_EQ(f["offset"], -1);
    EXPECT_TRUE(f["lag"].is_number_unsigned());
    EXPECT_EQ(f["lag"].get<uint64_t>(), 18446744073709551615u);
    EXPECT_TRUE(f["ratio"].is_number_float());
    EXPECT_TRUE(f["stable"].is_boolean());
    EXPECT_EQ(j["msg"].get<std::string>().substr(0, 12), "group a \"quo");

    const auto p = json::parse(lines[1]);
    EXPECT_TRUE(p["component"].is_null());
    EXPECT_TRUE(p["fields"].is_object() && p["fields"].empty());
    EXPECT_EQ(p["msg"], "plain 1");
}

TEST(log_json, fields_do_not_leak_into_the_next_line_and_disabled_levels_write_nothing) {
    captured cap("json");
    group_log.debug({{"x", 1}}, "hidden {}", 1); // below the logger's level
    group_log.info({{"member", "m-1"}}, "joined");
    spdlog::warn("after");
    const auto lines = cap.lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(json::parse(lines[0])["fields"]["member"], "m-1");
    EXPECT_TRUE(json::parse(lines[1])["fields"].empty());
    EXPECT_TRUE(json::parse(lines[1])["component"].is_null());
}

TEST(log_text, names_the_component) {
    captured cap("text");
    group_log.warn({{"group", "g"}}, "storm in {}", "g");
    spdlog::warn("plain");
    const auto lines = cap.lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(lines[0].ends_with("] group: storm in g")) << lines[0];
    EXPECT_TRUE(lines[1].ends_with("] plain")) << lines[1];
}

} // namespace
} // namespace brook
