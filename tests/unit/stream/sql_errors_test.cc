// Bad SQL gets a message with the line and column of the offending token.
#include <gtest/gtest.h>

#include "stream/parser.h"
#include "stream/planner.h"

namespace brook::stream {
namespace {

// The first problem of a script: "LINE:COL: message".
std::string first_error(const std::string& sql) {
    auto stmts = parse_script(sql);
    if (!stmts) return std::to_string(stmts.err().pos.line) + ":" + std::to_string(stmts.err().pos.col) + ": " + stmts.err().message;
    auto plan = plan_script(*stmts, "localhost:9092");
    if (!plan) return std::to_string(plan.err().pos.line) + ":" + std::to_string(plan.err().pos.col) + ": " + plan.err().message;
    return "ok";
}

// Line:col of the first occurrence of needle in sql (1-based), so expectations stay readable.
std::string at(const std::string& sql, const std::string& needle) {
    auto i = sql.find(needle);
    EXPECT_NE(i, std::string::npos) << needle;
    int line = 1, col = 1;
    for (size_t k = 0; k < i; ++k) {
        if (sql[k] == '\n') { ++line; col = 1; } else { ++col; }
    }
    return std::to_string(line) + ":" + std::to_string(col) + ": ";
}

const std::string tables =
    "CREATE TABLE src (\n"
    "  k STRING, v BIGINT, ts TIMESTAMP(3),\n"
    "  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND\n"
    ") WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');\n"
    "CREATE TABLE nowm (k STRING, ts TIMESTAMP(3)) WITH ('connector' = 'kafka', 'topic' = 'in2', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');\n"
    "CREATE TABLE out (k STRING, ws TIMESTAMP(3), c BIGINT) WITH ('connector' = 'kafka', 'topic' = 'out', 'format' = 'json');\n";

TEST(SqlErrors, Syntax) {
    std::string sql = tables + "INSERT INTO out SELECT k, window_start COUNT(*)\nFROM src;";
    // `window_start COUNT` reads as a column and its alias, so the parser stops at the '('.
    EXPECT_EQ(first_error(sql), at(sql, "(*)") + "expected FROM, found '('");
    sql = "SELEKT 1;";
    EXPECT_EQ(first_error(sql), "1:1: expected SET, CREATE TABLE or INSERT INTO, found 'SELEKT'");
    sql = "CREATE TABLE t (a STRING) WITH ('topic' = 'x);";
    EXPECT_EQ(first_error(sql), at(sql, "'x);") + "unterminated string literal: ' has no closing quote");
    sql = "CREATE TABLE t (a STRNG) WITH ('connector' = 'kafka');";
    EXPECT_EQ(first_error(sql).rfind(at(sql, "STRNG") + "unknown type (supported: STRING", 0), 0u);
    sql = "SELECT 1;";
    EXPECT_EQ(first_error(sql), "1:1: a bare SELECT has nowhere to write its rows: use INSERT INTO <sink table> SELECT ..., found 'SELECT'");
}

TEST(SqlErrors, UnknownColumn) {
    std::string sql = tables + "INSERT INTO out\nSELECT k, window_start, COUNT(*)\nFROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE))\nWHERE colour = 'red'\nGROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "colour") + "unknown column 'colour' (columns here: k, v, ts)");
    sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(tss), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "tss") + "unknown column 'tss' in DESCRIPTOR (columns of src: k, v, ts)");
    sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, nope;";
    EXPECT_EQ(first_error(sql), at(sql, "nope") + "unknown column 'nope' (columns here: k, v, ts)");
}

TEST(SqlErrors, UnknownFunction) {
    std::string sql = tables + "INSERT INTO out SELECT SHOUT(k), window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "SHOUT") + "unknown function 'SHOUT'");
    sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(TUMBEL(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "TUMBEL") + "unknown window function 'TUMBEL' (TUMBLE, HOP, CUMULATE or SESSION)");
}

TEST(SqlErrors, WindowOverTableWithoutWatermark) {
    std::string sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*)\n  FROM TABLE(TUMBLE(TABLE nowm, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "ts), INTERVAL '1' MINUTE))") +
              "TUMBLE needs a time attribute, but table 'nowm' declares no watermark: add WATERMARK FOR ts AS ts - INTERVAL '5' SECOND to its CREATE TABLE");
    sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(v), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "v), INTERVAL") + "column 'v' is not a time attribute of 'src' (its WATERMARK is declared for 'ts')");
}

TEST(SqlErrors, HopSizeNotAMultipleOfSlide) {
    std::string sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*)\nFROM TABLE(\n   HOP(TABLE src, DESCRIPTOR(ts), INTERVAL '3' SECOND, INTERVAL '10' SECOND))\nGROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "HOP(") + "HOP size (10000 ms) must be an integral multiple of its slide (3000 ms)");
    sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(CUMULATE(TABLE src, DESCRIPTOR(ts), INTERVAL '4' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "CUMULATE(") + "CUMULATE size (10000 ms) must be an integral multiple of its step (4000 ms)");
}

TEST(SqlErrors, WindowArguments) {
    std::string sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(DATA => TABLE src, TIMECOL => DESCRIPTOR(ts), WIDTH => INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "WIDTH") + "TUMBLE has no parameter WIDTH (it takes DATA, TIMECOL, SIZE, OFFSET, GRACE)");
    sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts))) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "TUMBLE(") + "TUMBLE needs its SIZE argument");
    sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), 60)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "60)") + "TUMBLE's SIZE must be an INTERVAL literal, e.g. INTERVAL '10' MINUTES");
    sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src PARTITION BY k, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "k, DESCRIPTOR") + "PARTITION BY is only allowed in SESSION windows");
}

TEST(SqlErrors, GroupingRules) {
    std::string sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, k;";
    EXPECT_EQ(first_error(sql), at(sql, "window_start, k;") + "GROUP BY of a window aggregation must contain window_start and window_end");
    sql = tables + "INSERT INTO out SELECT k, window_start, v FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "window_start, window_end, k;") + "a GROUP BY over a window table function needs aggregates (COUNT, SUM, MIN, MAX, AVG)");
    sql = tables + "INSERT INTO out SELECT k, window_start, 1 FROM TABLE(SESSION(TABLE src PARTITION BY k, DESCRIPTOR(ts), INTERVAL '1' MINUTE));";
    EXPECT_EQ(first_error(sql), at(sql, "SESSION(") + "SESSION is supported as a window aggregation only: add GROUP BY window_start, window_end and aggregates");
    sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) + v FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "v FROM") + "column 'v' is neither in GROUP BY nor inside an aggregate function");
}

TEST(SqlErrors, SinkShapeAndOptions) {
    std::string sql = tables + "INSERT INTO out SELECT k, window_start FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_NE(first_error(sql), "ok");
    sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*), 1 FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "1 FROM") + "the query has 4 column(s) but sink 'out' takes 3 (k, ws, c)");
    sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k\n  EMIT CHANGES;";
    EXPECT_EQ(first_error(sql), at(sql, "EMIT") + "EMIT CHANGES produces updates and deletes: sink 'out' must use 'connector' = 'upsert-kafka' with a PRIMARY KEY");
    sql = "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json',\n  'scan.startup.mode' = 'beginning');";
    EXPECT_EQ(first_error(sql), at(sql, "'scan.startup.mode'") + "bad scan.startup.mode 'beginning' (earliest-offset, latest-offset, group-offsets, timestamp or specific-offsets)");
    sql = "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json', 'scan.colour' = 'red');";
    EXPECT_EQ(first_error(sql), at(sql, "'scan.colour'") + "unsupported option 'scan.colour' for connector 'kafka'");
    sql = "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'avro');";
    EXPECT_EQ(first_error(sql), at(sql, "'format'") + "unsupported format 'avro' (json, raw or avro-confluent)");
    sql = "CREATE TABLE t (a STRING, b STRING) WITH ('connector' = 'upsert-kafka', 'topic' = 't', 'key.format' = 'json', 'value.format' = 'json');";
    EXPECT_EQ(first_error(sql), "1:1: upsert-kafka table 't' needs a PRIMARY KEY (...) NOT ENFORCED");
    sql = "CREATE TABLE t (a STRING, ts TIMESTAMP(3), WATERMARK FOR a AS a) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');";
    EXPECT_EQ(first_error(sql), at(sql, "a AS a") + "the WATERMARK FOR column 'a' must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), not STRING");
    sql = "CREATE TABLE t (a STRING, ts TIMESTAMP(3) METADATA FROM 'timestmp') WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');";
    EXPECT_EQ(first_error(sql), at(sql, "ts TIMESTAMP") + "unknown metadata key 'timestmp' (the Kafka connector has: timestamp, partition, offset, topic)");
    sql = "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json', 'sink.delivery-guarantee' = 'exactly-once');";
    EXPECT_EQ(first_error(sql), at(sql, "'sink.delivery-guarantee'") + "sink.delivery-guarantee 'exactly-once' needs 'sink.transactional-id-prefix' (the prefix of the job's Kafka transactional.id)");
    sql = "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json', 'sink.delivery-guarantee' = 'twice');";
    EXPECT_EQ(first_error(sql), at(sql, "'sink.delivery-guarantee'") + "bad sink.delivery-guarantee 'twice' (at-least-once, exactly-once or none)");
    sql = tables + "CREATE TABLE eo (k STRING, ws TIMESTAMP(3), c BIGINT) WITH ('connector' = 'kafka', 'topic' = 'eo', 'format' = 'json',\n"
                   "  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'p');\n"
                   "INSERT INTO eo SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "TABLE src, DESCRIPTOR") + "sink 'eo' is exactly-once: its transactions commit the input offsets to the group of table 'src', which needs a 'properties.group.id'");
}

TEST(SqlErrors, AvroConfluentOptions) {
    std::string sql = "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'avro-confluent');";
    EXPECT_EQ(first_error(sql), "1:1: table 't': format 'avro-confluent' needs 'avro-confluent.url' (the schema registry, e.g. http://localhost:8081)");
    sql = "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json', 'avro-confluent.url' = 'http://r:8081');";
    EXPECT_EQ(first_error(sql), at(sql, "'avro-confluent.url'") + "option 'avro-confluent.url' needs 'format' = 'avro-confluent'");
    sql = "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'avro-confluent',\n  'avro-confluent.url' = 'http://r:8081', 'avro-confluent.colour' = 'red');";
    EXPECT_EQ(first_error(sql), at(sql, "'avro-confluent.colour'") + "unsupported option 'avro-confluent.colour' for connector 'kafka'");
    sql = "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'avro-confluent',\n  'avro-confluent.url' = 'http://r:8081', 'avro-confluent.schema-registry.url' = 'http://s:8081');";
    EXPECT_EQ(first_error(sql), at(sql, "'avro-confluent.schema-registry.url'") + "option 'avro-confluent.schema-registry.url' contradicts 'avro-confluent.url'");
    sql = "CREATE TABLE t (a STRING, b STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'value.format' = 'json',\n"
          "  'key.format' = 'avro-confluent', 'key.fields' = 'a', 'avro-confluent.url' = 'http://r:8081');";
    EXPECT_EQ(first_error(sql), at(sql, "'avro-confluent.url'") + "option 'avro-confluent.url' needs 'format' = 'avro-confluent'");
    sql = "CREATE TABLE t (a STRING, b STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'value.format' = 'json',\n"
          "  'key.format' = 'avro-confluent', 'key.fields' = 'a');";
    EXPECT_EQ(first_error(sql), "1:1: table 't': key.format 'avro-confluent' needs 'key.avro-confluent.url' (the schema registry)");
    // Flink's names, the 1.15+ alias and the per-part prefixes all plan.
    for (const char* opts : {"'format' = 'avro-confluent', 'avro-confluent.url' = 'http://r:8081'",
                             "'format' = 'avro-confluent', 'avro-confluent.schema-registry.url' = 'http://r:8081', 'avro-confluent.subject' = 's'",
                             "'value.format' = 'avro-confluent', 'value.avro-confluent.url' = 'http://r:8081', 'key.format' = 'avro-confluent', "
                             "'key.fields' = 'a', 'key.avro-confluent.url' = 'http://r:8081', 'key.avro-confluent.subject' = 'k'"}) {
        sql = std::string("CREATE TABLE t (a STRING, b STRING) WITH ('connector' = 'kafka', 'topic' = 't', ") + opts + ");";
        EXPECT_EQ(first_error(sql), "ok") << opts;
    }
}

TEST(SqlErrors, SelectStar) {
    // * expands to k, v, ts: v does not fit the sink's ws, and the error points at the *.
    std::string sql = tables + "INSERT INTO out SELECT * FROM src;";
    EXPECT_EQ(first_error(sql), at(sql, "* FROM") + "column 2 of the query is BIGINT but sink column 'ws' is TIMESTAMP(3)");
    sql = tables + "INSERT INTO out SELECT *, 1 FROM src;";
    EXPECT_EQ(first_error(sql), at(sql, "1 FROM") + "the query has 4 column(s) but sink 'out' takes 3 (k, ws, c)");
    sql = tables + "INSERT INTO out SELECT * FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "* FROM") + "SELECT * is not allowed in a window aggregation: name the grouped columns and aggregates");
}

TEST(SqlErrors, GroupOffsetsNeedAGroup) {
    std::string sql = "CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');\n"
                      "CREATE TABLE o (a STRING) WITH ('connector' = 'kafka', 'topic' = 'o', 'format' = 'json');\n"
                      "INSERT INTO o SELECT a FROM t;";
    // Checked last: the query's own problems come first.
    EXPECT_EQ(first_error(sql), at(sql, "t;") + "table 't' starts from the group's offsets (scan.startup.mode 'group-offsets', Flink's default) but has no 'properties.group.id'; set one, or 'scan.startup.mode' = 'earliest-offset'");
}

TEST(SqlErrors, MaxParallelism) {
    for (const std::string bad : {"0", "-1", "16x", "", "40000"}) {
        std::string sql = "SET 'pipeline.max-parallelism' = '" + bad + "';\n" + tables;
        EXPECT_EQ(first_error(sql), "1:1: 'pipeline.max-parallelism' must be a whole number from 1 to 32768, not '" + bad + "'");
    }
    std::string sql = "SET 'pipeline.max-parallelism' = '64';\n" + tables +
                      "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' SECOND)) "
                      "GROUP BY window_start, window_end, k;";
    auto stmts = parse_script(sql);
    ASSERT_TRUE(stmts);
    auto plan = plan_script(*stmts, "localhost:9092");
    ASSERT_TRUE(plan) << plan.err().message;
    EXPECT_EQ(plan->jobs.at(0).max_parallelism, 64);
    EXPECT_TRUE(plan->warnings.empty());
}

TEST(SqlErrors, TypeErrors) {
    std::string sql = tables + "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) WHERE k > 3 GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "k > 3") + "cannot compare STRING with BIGINT (use CAST)");
    sql = tables + "INSERT INTO out SELECT k, window_start, SUM(k) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "k) FROM") + "SUM needs a numeric argument, not STRING");
    sql = tables + "INSERT INTO out SELECT k, k, COUNT(*) FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), at(sql, "k, COUNT") + "column 2 of the query is STRING but sink column 'ws' is TIMESTAMP(3)");
}

TEST(SqlErrors, ValidScriptPlans) {
    std::string sql = "SET 'table.exec.source.idle-timeout' = '2 s';\n" + tables +
                      "INSERT INTO out SELECT k, window_start, COUNT(*) FROM TABLE(HOP(TABLE src, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND)) GROUP BY window_start, window_end, k;";
    EXPECT_EQ(first_error(sql), "ok");
    auto plan = plan_script(*parse_script(sql), "b:9092");
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->jobs[0].source.kafka.idle_timeout_ms, 2000);
    EXPECT_EQ(plan->jobs[0].source.kafka.bootstrap, "b:9092");
    EXPECT_EQ(plan->jobs[0].spec.size, 10000);
    EXPECT_EQ(plan->jobs[0].spec.slide, 5000);
}

} // namespace
} // namespace brook::stream
