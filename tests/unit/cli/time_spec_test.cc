// "@time" specs: epoch ms, RFC 3339 date-times with zones, dates, and durations before now.
#include <gtest/gtest.h>

#include "cli/time_spec.h"

using brook::cli::parse_time_spec;

namespace {
constexpr int64_t now = 1'700'000'000'000;
}

TEST(cli_time_spec, epoch_milliseconds) {
    EXPECT_EQ(parse_time_spec("@0", now), 0);
    EXPECT_EQ(parse_time_spec("@1700000000123", now), 1700000000123);
    EXPECT_FALSE(parse_time_spec("@12x", now));
    EXPECT_FALSE(parse_time_spec("@", now));
    EXPECT_FALSE(parse_time_spec("1700000000000", now)); // no '@'
}

TEST(cli_time_spec, rfc3339_and_dates) {
    EXPECT_EQ(parse_time_spec("@1970-01-01", now), 0);
    EXPECT_EQ(parse_time_spec("@2023-11-14T22:13:20Z", now), 1700000000000);
    EXPECT_EQ(parse_time_spec("@2023-11-14T22:13:20", now), 1700000000000); // no zone: UTC
    EXPECT_EQ(parse_time_spec("@2023-11-14 22:13:20z", now), 1700000000000);
    EXPECT_EQ(parse_time_spec("@2023-11-14T22:13:20.25Z", now), 1700000000250);
    EXPECT_EQ(parse_time_spec("@2023-11-14T22:13:20.123456789Z", now), 1700000000123);
    EXPECT_EQ(parse_time_spec("@2023-11-15T00:13:20+02:00", now), 1700000000000);
    EXPECT_EQ(parse_time_spec("@2023-11-14T16:43:20-0530", now), 1700000000000);
    EXPECT_EQ(parse_time_spec("@2023-11-14T22:13Z", now), 1699999980000);
    EXPECT_EQ(parse_time_spec("@2024-02-29", now), 1709164800000); // a leap day
    EXPECT_EQ(parse_time_spec("@1969-12-31T23:59:59Z", now), -1000);
}

TEST(cli_time_spec, bad_dates_are_refused) {
    for (const char* bad : {"@2023-13-01", "@2023-02-29", "@2023-11-31", "@2023-11-14T24:00", "@2023-11-14T22:60",
                            "@2023-11-14T22:13:61", "@2023-11-14T22", "@2023-11-14T22:13:20+2", "@2023-11-14T22:13:20Q",
                            "@2023-11-14T22:13:20.Z", "@23-11-14", "@2023/11/14", "@2023-11-14T22:13:20Z junk"})
        EXPECT_FALSE(parse_time_spec(bad, now)) << bad;
}

TEST(cli_time_spec, durations_before_now) {
    EXPECT_EQ(parse_time_spec("@-1h", now), now - 3'600'000);
    EXPECT_EQ(parse_time_spec("@-30m", now), now - 1'800'000);
    EXPECT_EQ(parse_time_spec("@-90s", now), now - 90'000);
    EXPECT_EQ(parse_time_spec("@-2d", now), now - 172'800'000);
    EXPECT_EQ(parse_time_spec("@-500ms", now), now - 500);
    EXPECT_EQ(parse_time_spec("@-1h30m", now), now - 5'400'000);
    for (const char* bad : {"@-", "@-1", "@-h", "@-1x", "@-1h30", "@--1h", "@-99999999999999999d"})
        EXPECT_FALSE(parse_time_spec(bad, now)) << bad;
}
