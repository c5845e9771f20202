// Records <-> rows by the table's formats (json, raw, key fields, upsert tombstones).
#include <gtest/gtest.h>

#include "stream/codec.h"
#include "stream/parser.h"
#include "stream/planner.h"

namespace brook::stream {
namespace {

table_def table(const std::string& ddl) {
    auto st = parse_script(ddl);
    EXPECT_TRUE(st) << st.err().message;
    auto plan = plan_script(*st, "b:9092");
    EXPECT_TRUE(plan) << plan.err().message;
    return plan->cat.tables.begin()->second;
}

TEST(Codec, JsonValueWithKeyFieldsAndMetadata) {
    auto t = table("CREATE TABLE t (id BIGINT, name STRING, score DOUBLE, ok BOOLEAN, ts TIMESTAMP(3), "
                   "p BIGINT METADATA FROM 'partition', at TIMESTAMP_LTZ(3) METADATA FROM 'timestamp') "
                   "WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json', 'key.format' = 'json', "
                   "'key.fields' = 'id', 'value.fields-include' = 'EXCEPT_KEY');");
    client::record rec;
    rec.topic = "t";
    rec.partition = 3;
    rec.timestamp_ms = 1000;
    rec.key = R"({"id": 42})";
    rec.value = R"({"name": 7, "score": "2.5", "ok": true, "ts": "1970-01-01T00:00:01.5Z", "extra": 1})";
    row r;
    ASSERT_EQ(decode_record(t, rec, r), std::nullopt);
    EXPECT_EQ(to_text(r[0]), "42");
    EXPECT_EQ(to_text(r[1]), "7"); // a number read into a STRING column keeps its text
    EXPECT_EQ(to_text(r[2]), "2.5");
    EXPECT_EQ(to_text(r[3]), "TRUE");
    EXPECT_EQ(to_text(r[4]), "1970-01-01 00:00:01.500");
    EXPECT_EQ(to_text(r[5]), "3");
    EXPECT_EQ(to_text(r[6]), "1970-01-01 00:00:01.000");

    auto out = encode_row(t, r, false);
    EXPECT_EQ(out.key, R"({"id":42})");
    EXPECT_EQ(out.value, R"({"name":"7","score":2.5,"ok":true,"ts":"1970-01-01 00:00:01.500"})");
    EXPECT_EQ(out.timestamp_ms, 1000);
}

TEST(Codec, MissingFieldsAreNullAndBadOnesAreErrors) {
    auto t = table("CREATE TABLE t (id BIGINT, ts TIMESTAMP(3)) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');");
    client::record rec;
    rec.value = R"({})";
    row r;
    ASSERT_EQ(decode_record(t, rec, r), std::nullopt);
    EXPECT_TRUE(is_null(r[0]) && is_null(r[1]));
    rec.value = R"({"id": "x"})";
    EXPECT_EQ(decode_record(t, rec, r), "the value: field 'id' is string \"x\", not BIGINT");
    rec.value = R"({"ts": "noon"})";
    EXPECT_EQ(decode_record(t, rec, r), "the value: field 'ts' is string \"noon\", not TIMESTAMP(3)");
    rec.value = R"([1])";
    EXPECT_EQ(decode_record(t, rec, r), "the value is JSON array, not an object");
    rec.value = "{";
    EXPECT_EQ(decode_record(t, rec, r), "the value is not valid JSON");
}

TEST(Codec, UpsertDeleteIsATombstoneAndRawIsText) {
    auto t = table("CREATE TABLE t (k STRING, n BIGINT, PRIMARY KEY (k) NOT ENFORCED) "
                   "WITH ('connector' = 'upsert-kafka', 'topic' = 't', 'key.format' = 'raw', 'value.format' = 'json');");
    row r{std::string("a"), int64_t(5)};
    auto up = encode_row(t, r, false);
    EXPECT_EQ(up.key, "a");
    EXPECT_EQ(up.value, R"({"k":"a","n":5})");
    auto del = encode_row(t, r, true);
    EXPECT_EQ(del.key, "a");
    EXPECT_FALSE(del.value.has_value());
    auto raw = table("CREATE TABLE r (line STRING) WITH ('connector' = 'kafka', 'topic' = 'r', 'format' = 'raw');");
    client::record rec;
    rec.value = "hello {";
    row rr;
    ASSERT_EQ(decode_record(raw, rec, rr), std::nullopt);
    EXPECT_EQ(to_text(rr[0]), "hello {");
    EXPECT_EQ(encode_row(raw, rr, false).value, "hello {");
}

} // namespace
} // namespace brook::stream
