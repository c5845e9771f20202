// Expressions: SQL null logic, casts, string and time functions, and the value formats.
#include <gtest/gtest.h>

#include "stream/expr.h"
#include "stream/parser.h"

namespace brook::stream {
namespace {

std::string run(const std::string& sql) {
    auto e = parse_expression(sql);
    if (!e) return "parse error: " + e.err().message;
    scope s;
    s.column = [](const std::string& n) -> std::optional<std::pair<int, type_id>> {
        if (n == "n") return std::make_pair(0, type_id::bigint);
        if (n == "s") return std::make_pair(1, type_id::string);
        if (n == "t") return std::make_pair(2, type_id::timestamp);
        if (n == "z") return std::make_pair(3, type_id::bigint);
        return std::nullopt;
    };
    auto b = bind(**e, s);
    if (!b) return "error: " + b.err().message;
    row r{int64_t(7), std::string("Hello"), timestamp_ms{86400000 + 3723004}, value()};
    return to_text(eval(*b, r));
}

TEST(Expr, ArithmeticAndNulls) {
    EXPECT_EQ(run("n * 2 + 1"), "15");
    EXPECT_EQ(run("n / 2"), "3");
    EXPECT_EQ(run("n / 2.0"), "3.5");
    EXPECT_EQ(run("n / 0"), "NULL");
    EXPECT_EQ(run("z + 1"), "NULL");
    EXPECT_EQ(run("z > 1 OR n = 7"), "TRUE");
    EXPECT_EQ(run("z > 1 AND n = 7"), "NULL");
    EXPECT_EQ(run("z > 1 AND n = 8"), "FALSE");
    EXPECT_EQ(run("z IS NULL AND n IS NOT NULL"), "TRUE");
    EXPECT_EQ(run("n BETWEEN 1 AND 7"), "TRUE");
    EXPECT_EQ(run("n IN (1, 2, 7)"), "TRUE");
    EXPECT_EQ(run("n NOT IN (1, z)"), "NULL");
    EXPECT_EQ(run("COALESCE(z, n, 1)"), "7");
}

TEST(Expr, StringsAndCase) {
    EXPECT_EQ(run("UPPER(s) || LOWER(s)"), "HELLOhello");
    EXPECT_EQ(run("SUBSTRING(s, 2, 3)"), "ell");
    EXPECT_EQ(run("SUBSTRING(s FROM 2)"), "ello");
    EXPECT_EQ(run("CHAR_LENGTH(s)"), "5");
    EXPECT_EQ(run("REPLACE(s, 'l', 'L')"), "HeLLo");
    EXPECT_EQ(run("TRIM('  x  ')"), "x");
    EXPECT_EQ(run("CONCAT(s, '-', CAST(n AS STRING))"), "Hello-7");
    EXPECT_EQ(run("CONCAT_WS('/', s, z, 'x')"), "Hello/x");
    EXPECT_EQ(run("s LIKE 'H%o'"), "TRUE");
    EXPECT_EQ(run("s LIKE 'h%'"), "FALSE");
    EXPECT_EQ(run("s NOT LIKE '_ello'"), "FALSE");
    EXPECT_EQ(run("CASE WHEN n > 5 THEN 'big' WHEN n > 1 THEN 'mid' ELSE 'small' END"), "big");
    EXPECT_EQ(run("CASE n WHEN 1 THEN 'one' WHEN 7 THEN 'seven' END"), "seven");
    EXPECT_EQ(run("CASE n WHEN 1 THEN 'one' END"), "NULL");
    EXPECT_EQ(run("IF(n > 1, 'y', 'n')"), "y");
}

TEST(Expr, CastsAndTime) {
    EXPECT_EQ(run("CAST('42' AS INT) + 1"), "43");
    EXPECT_EQ(run("CAST('x' AS BIGINT)"), "NULL");
    EXPECT_EQ(run("TRY_CAST('x' AS BIGINT)"), "NULL");
    EXPECT_EQ(run("CAST(n AS DOUBLE)"), "7.0");
    EXPECT_EQ(run("CAST(2.9 AS BIGINT)"), "2");
    EXPECT_EQ(run("t"), "1970-01-02 01:02:03.004");
    EXPECT_EQ(run("t - INTERVAL '5' SECOND"), "1970-01-02 01:01:58.004");
    EXPECT_EQ(run("t + INTERVAL '1' DAY"), "1970-01-03 01:02:03.004");
    EXPECT_EQ(run("HOUR(t) * 100 + MINUTE(t)"), "102");
    EXPECT_EQ(run("DATE_FORMAT(t, 'yyyy-MM-dd HH:mm:ss')"), "1970-01-02 01:02:03");
    EXPECT_EQ(run("TO_TIMESTAMP('2024-02-29 12:30:00')"), "2024-02-29 12:30:00.000");
    EXPECT_EQ(run("TO_TIMESTAMP('2024-02-29T12:30:00.5Z')"), "2024-02-29 12:30:00.500");
    EXPECT_EQ(run("TO_TIMESTAMP('yesterday')"), "NULL");
    EXPECT_EQ(run("TO_TIMESTAMP_LTZ(1700000000, 0)"), "2023-11-14 22:13:20.000");
    EXPECT_EQ(run("TO_TIMESTAMP_LTZ(1700000000123, 3)"), "2023-11-14 22:13:20.123");
    EXPECT_EQ(run("CAST('2024-01-01 00:00:00' AS TIMESTAMP(3)) < t"), "FALSE");
}

TEST(Expr, BindErrors) {
    EXPECT_EQ(run("UPPER(n)"), "error: UPPER takes a STRING as argument 1, not BIGINT");
    EXPECT_EQ(run("UPPER(s, s)"), "error: UPPER takes 1 argument(s), got 2");
    EXPECT_EQ(run("t + 1"), "error: cannot apply + to TIMESTAMP(3) and BIGINT (a TIMESTAMP takes + or - INTERVAL)");
    EXPECT_EQ(run("COUNT(n)"), "error: aggregate function COUNT is only allowed in the SELECT list or HAVING of a query with GROUP BY window_start, window_end");
    EXPECT_EQ(run("CASE WHEN n THEN 1 END"), "error: WHEN needs a BOOLEAN condition, not BIGINT");
    EXPECT_EQ(run("TO_TIMESTAMP_LTZ(n, 6)"), "error: TO_TIMESTAMP_LTZ's precision must be the literal 0 (seconds) or 3 (milliseconds)");
}

} // namespace
} // namespace brook::stream
