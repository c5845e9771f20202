#include <gtest/gtest.h>

#include "registry/log_format.h"

namespace brook::registry {
namespace {

TEST(LogFormat, KeysAreConfluentsBytes) {
    // Compaction compares keys as bytes: these must be exactly what Confluent writes.
    EXPECT_EQ(encode(schema_record{"s", 3, std::nullopt}).key, R"({"keytype":"SCHEMA","subject":"s","version":3,"magic":1})");
    EXPECT_EQ(encode(config_record{std::nullopt, std::nullopt}).key, R"({"keytype":"CONFIG","subject":null,"magic":0})");
    EXPECT_EQ(encode(config_record{"s", std::nullopt}).key, R"({"keytype":"CONFIG","subject":"s","magic":0})");
    EXPECT_EQ(encode(mode_record{"s", std::nullopt}).key, R"({"keytype":"MODE","subject":"s","magic":0})");
    EXPECT_EQ(encode(delete_subject_record{"s", 2}).key, R"({"keytype":"DELETE_SUBJECT","subject":"s","magic":0})");
    EXPECT_EQ(encode(noop_record{}).key, R"({"keytype":"NOOP","magic":0})");
}

TEST(LogFormat, Values) {
    schema_record avro{"s", 1, schema_record::body{7, schema_kind::avro, {}, R"({"type":"string"})", false}};
    auto e = encode(avro);
    EXPECT_EQ(*e.value, R"({"subject":"s","version":1,"id":7,"schema":"{\"type\":\"string\"}","deleted":false})");
    schema_record json{"s", 2, schema_record::body{8, schema_kind::json, {{"r", "other", 1}}, "{}", true}};
    EXPECT_EQ(*encode(json).value,
              R"({"subject":"s","version":2,"id":8,"schemaType":"JSON","references":[{"name":"r","subject":"other","version":1}],"schema":"{}","deleted":true})");
    EXPECT_FALSE(encode(schema_record{"s", 1, std::nullopt}).value) << "tombstone";
    EXPECT_EQ(*encode(config_record{std::nullopt, config_record::body{"FULL", std::nullopt}}).value,
              R"({"compatibilityLevel":"FULL"})");
    EXPECT_EQ(*encode(config_record{"s", config_record::body{"NONE", true}}).value,
              R"({"compatibilityLevel":"NONE","normalize":true})");
    EXPECT_EQ(*encode(mode_record{std::nullopt, "READONLY"}).value, R"({"mode":"READONLY"})");
    EXPECT_EQ(*encode(delete_subject_record{"s", 2}).value, R"({"subject":"s","version":2})");
    EXPECT_FALSE(encode(noop_record{}).value);
}

TEST(LogFormat, RoundTrip) {
    std::vector<log_record> all = {
        schema_record{"s", 1, schema_record::body{7, schema_kind::protobuf, {{"a.proto", "a", 2}}, "syntax", true}},
        schema_record{"s", 1, std::nullopt},
        config_record{"s", config_record::body{"FULL", false}},
        config_record{std::nullopt, std::nullopt},
        mode_record{"s", "IMPORT"},
        delete_subject_record{"x", 4},
    };
    for (const auto& r : all) {
        auto e = encode(r);
        auto d = decode(e.key, e.value);
        ASSERT_TRUE(d.record) << d.error;
        EXPECT_EQ(encode(*d.record).key, e.key);
        EXPECT_EQ(encode(*d.record).value, e.value);
    }
}

TEST(LogFormat, ReadsWhatOtherToolsWrite) {
    // Key fields in another order, extra value fields, no "deleted", magic 0 (Karapace, old Confluent).
    auto d = decode(R"({"subject":"s","magic":0,"keytype":"SCHEMA","version":2})",
                    R"({"schema":"\"int\"","id":3,"subject":"s","version":2,"metadata":null,"ruleSet":null})");
    ASSERT_TRUE(d.record) << d.error;
    const auto& s = std::get<schema_record>(*d.record);
    EXPECT_EQ(s.subject, "s");
    EXPECT_EQ(s.version, 2);
    EXPECT_EQ(s.value->id, 3);
    EXPECT_EQ(s.value->kind, schema_kind::avro);
    EXPECT_FALSE(s.value->deleted);
    auto c = decode(R"({"keytype":"CONFIG","magic":0})", R"({"compatibility":"FORWARD"})");
    ASSERT_TRUE(c.record);
    EXPECT_EQ(*std::get<config_record>(*c.record).value->compatibility, "FORWARD");
    EXPECT_FALSE(std::get<config_record>(*c.record).subject);
    EXPECT_TRUE(decode(R"({"keytype":"NOOP","magic":0})", std::string("{}")).record);
}

TEST(LogFormat, UnreadableRecordsSayWhy) {
    EXPECT_NE(decode("nope", std::nullopt).error, "");
    EXPECT_NE(decode(R"({"magic":0})", std::nullopt).error.find("keytype"), std::string::npos);
    EXPECT_NE(decode(R"({"keytype":"OFFSETS","magic":0})", std::nullopt).error.find("unknown keytype"), std::string::npos);
    EXPECT_FALSE(decode(R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})", std::string(R"({"id":1})")).record);
    EXPECT_FALSE(decode(R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})",
                        std::string(R"({"id":1,"schema":"x","schemaType":"XML"})")).record);
    EXPECT_FALSE(decode(R"({"keytype":"DELETE_SUBJECT","subject":"s","magic":0})", std::nullopt).record);
    EXPECT_FALSE(decode(R"({"keytype":"MODE","subject":"s","magic":0})", std::string("{\"mode\":3}")).record);
    EXPECT_FALSE(decode(R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})", std::string("{not json")).record);
}

} // namespace
} // namespace brook::registry
