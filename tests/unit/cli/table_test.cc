// The one printer every command renders through: aligned text columns or JSON lines.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "cli/common.h"

using brook::cli::global_options;
using brook::cli::table;

namespace {
std::string printed(const table& t, const std::string& format) {
    global_options g;
    g.format = format;
    std::ostringstream out;
    auto* old = std::cout.rdbuf(out.rdbuf());
    t.print(g);
    std::cout.rdbuf(old);
    return out.str();
}

table sample() {
    return {{"topic", "partition", "log_end", "member"},
            {{{"topic", "orders"}, {"partition", 0}, {"log_end", 1234}, {"member", nullptr}},
             {{"topic", "t"}, {"partition", 11}, {"log_end", 5}, {"member", "m-1"}}}};
}
} // namespace

TEST(cli_table, text_is_aligned_with_upper_case_headers) {
    EXPECT_EQ(printed(sample(), "text"),
              "TOPIC   PARTITION  LOG-END  MEMBER\n"
              "orders  0          1234     -\n"
              "t       11         5        m-1\n");
}

TEST(cli_table, json_is_one_object_per_row) {
    EXPECT_EQ(printed(sample(), "json"),
              "{\"topic\":\"orders\",\"partition\":0,\"log_end\":1234,\"member\":null}\n"
              "{\"topic\":\"t\",\"partition\":11,\"log_end\":5,\"member\":\"m-1\"}\n");
}

TEST(cli_table, arrays_print_comma_separated) {
    table t{{"isr"}, {{{"isr", {0, 1, 2}}}}};
    EXPECT_EQ(printed(t, "text"), "ISR\n0,1,2\n");
}
