// Records <-> rows by the table's formats (json, raw, key fields, upsert tombstones).
#include <gtest/gtest.h>

#include "stream/avro_format.h"
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

// The sink's schema as Flink's AvroSchemaConverter derives it: record
// org.apache.flink.avro.generated.record, nullable columns as [null, T] with default null,
// primary key and NOT NULL columns bare, Flink's defaults DECIMAL(10, 0) and TIMESTAMP(6).
TEST(Codec, AvroSchemaDerivedAsFlinkDoes) {
    auto t = table("CREATE TABLE t (id INT NOT NULL, n BIGINT, s STRING, b BYTES, f FLOAT, d DOUBLE, m DECIMAL(10, 2), "
                   "dd DECIMAL, ok BOOLEAN, t3 TIMESTAMP(3), t6 TIMESTAMP, l TIMESTAMP_LTZ(3), "
                   "p BIGINT METADATA FROM 'partition', PRIMARY KEY (s) NOT ENFORCED) "
                   "WITH ('connector' = 'upsert-kafka', 'topic' = 't', 'value.format' = 'avro-confluent', "
                   "'avro-confluent.url' = 'http://127.0.0.1:1', 'key.format' = 'raw');");
    std::vector<int> slots;
    for (int i = 0; i < 12; ++i) slots.push_back(i);
    auto f = avro_format::open(t, false, slots);
    ASSERT_TRUE(std::holds_alternative<avro_format>(f)) << std::get<std::string>(f);
    auto opt = [](const char* ty) { return nlohmann::json{{"name", ""}, {"type", {"null", ty}}, {"default", nullptr}}; };
    auto named = [](nlohmann::json j, const char* n) { j["name"] = n; return j; };
    nlohmann::json want = {
        {"type", "record"}, {"name", "record"}, {"namespace", "org.apache.flink.avro.generated"},
        {"fields", {
            {{"name", "id"}, {"type", "int"}},
            named(opt("long"), "n"),
            {{"name", "s"}, {"type", "string"}},
            named(opt("bytes"), "b"),
            named(opt("float"), "f"),
            named(opt("double"), "d"),
            {{"name", "m"}, {"type", {"null", {{"type", "bytes"}, {"logicalType", "decimal"}, {"precision", 10}, {"scale", 2}}}}, {"default", nullptr}},
            {{"name", "dd"}, {"type", {"null", {{"type", "bytes"}, {"logicalType", "decimal"}, {"precision", 10}, {"scale", 0}}}}, {"default", nullptr}},
            named(opt("boolean"), "ok"),
            {{"name", "t3"}, {"type", {"null", {{"type", "long"}, {"logicalType", "timestamp-millis"}}}}, {"default", nullptr}},
            {{"name", "t6"}, {"type", {"null", {{"type", "long"}, {"logicalType", "timestamp-micros"}}}}, {"default", nullptr}},
            {{"name", "l"}, {"type", {"null", {{"type", "long"}, {"logicalType", "timestamp-millis"}}}}, {"default", nullptr}},
        }}};
    EXPECT_EQ(nlohmann::json::parse(std::get<avro_format>(f).derived_schema()), want);
    EXPECT_EQ(t.kafka.value_avro.subject, "t-value"); // Flink's default subject
    EXPECT_EQ(t.kafka.key_avro.subject, "t-key");
}

// What the codec refuses before it asks the registry anything.
TEST(Codec, AvroConfluentRefusals) {
    auto t = table("CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'avro-confluent', "
                   "'avro-confluent.url' = 'http://127.0.0.1:1');");
    auto tc = table_codec::open(t);
    ASSERT_TRUE(std::holds_alternative<table_codec>(tc));
    auto& codec = std::get<table_codec>(tc);
    client::record rec;
    rec.value = "{\"a\": 1}";
    row r;
    EXPECT_EQ(codec.decode(rec, r).value_or("ok").rfind("the value is not in Confluent's Avro framing", 0), 0u) << *codec.decode(rec, r);
    EXPECT_FALSE(codec.skips_bad_records());
    client::record out;
    EXPECT_EQ(codec.encode(row{value(std::string("x"))}, false, out), "the value: table 't': no Avro schema registered");
    auto bad = table("CREATE TABLE t (a STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'avro-confluent', "
                     "'avro-confluent.url' = 'ftp://r');");
    auto refused = table_codec::open(bad);
    ASSERT_TRUE(std::holds_alternative<std::string>(refused));
    EXPECT_EQ(std::get<std::string>(refused).rfind("table 't': avro-confluent.url 'ftp://r': ", 0), 0u) << std::get<std::string>(refused);
}

} // namespace
} // namespace brook::stream
