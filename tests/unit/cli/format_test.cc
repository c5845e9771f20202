// Offset specs, key=value arguments, format strings and record JSON: the CLI's pure parts.
#include <gtest/gtest.h>

#include "cli/format.h"

using namespace brook;
using brook::cli::parse_key_value;
using brook::cli::parse_offset_spec;
using brook::cli::render;

TEST(cli_offset_spec, names_and_numbers) {
    EXPECT_EQ(parse_offset_spec("start"), client::offset_beginning);
    EXPECT_EQ(parse_offset_spec("beginning"), client::offset_beginning);
    EXPECT_EQ(parse_offset_spec("end"), client::offset_end);
    EXPECT_EQ(parse_offset_spec("0"), 0);
    EXPECT_EQ(parse_offset_spec("1234567890123"), 1234567890123);
    EXPECT_FALSE(parse_offset_spec(""));
    EXPECT_FALSE(parse_offset_spec("-1"));
    EXPECT_FALSE(parse_offset_spec("12x"));
    EXPECT_FALSE(parse_offset_spec("first"));
}

TEST(cli_key_value, splits_at_the_first_equals) {
    EXPECT_EQ(parse_key_value("a=b"), (std::pair<std::string, std::string>{"a", "b"}));
    EXPECT_EQ(parse_key_value("a=b=c"), (std::pair<std::string, std::string>{"a", "b=c"}));
    EXPECT_EQ(parse_key_value("a="), (std::pair<std::string, std::string>{"a", ""}));
    EXPECT_FALSE(parse_key_value("a"));
    EXPECT_FALSE(parse_key_value("=b"));
}

namespace {
client::record sample() {
    client::record r;
    r.topic = "t";
    r.partition = 2;
    r.offset = 41;
    r.timestamp_ms = 1700000000000;
    r.key = "k1";
    r.value = "v1";
    r.headers = {{"h1", "x"}, {"h2", std::nullopt}};
    return r;
}
} // namespace

TEST(cli_format_string, every_field) {
    EXPECT_EQ(render("%T|%p|%o|%t|%k|%v|%s|%h\\n", sample()), "t|2|41|1700000000000|k1|v1|v1|h1=x,h2=\n");
    EXPECT_EQ(render("%K %S 100%% \\t%q", sample()), "2 2 100% \t%q");
}

TEST(cli_format_string, null_key_and_value_render_empty) {
    auto r = sample();
    r.key.reset();
    r.value.reset();
    EXPECT_EQ(render("[%k][%v] %K %S", r), "[][] -1 -1");
}

TEST(cli_record_json, fields_and_nulls) {
    auto r = sample();
    r.key.reset();
    EXPECT_EQ(cli::dump_line(cli::to_json(r)),
              R"({"topic":"t","partition":2,"offset":41,"timestamp":1700000000000,"key":null,"value":"v1",)"
              R"("headers":[{"key":"h1","value":"x"},{"key":"h2","value":null}]})");
}

TEST(cli_record_json, invalid_utf8_does_not_throw) {
    auto r = sample();
    r.value = std::string("\xff\xfe", 2);
    EXPECT_NO_THROW((void)cli::dump_line(cli::to_json(r)));
}
