// Compatibility: schema resolution as Avro Java's SchemaCompatibility decides it (types,
// locations and messages as Java reports them; Confluent's additionalInfo is the message).
#include <gtest/gtest.h>

#include "registry/avro/compatibility.h"
#include "test_util.h"

namespace brook::registry::avro::test {
namespace {

std::vector<incompatibility> check(const std::string& reader, const std::string& writer) {
    auto r = parse_ok(reader);
    auto w = parse_ok(writer);
    if (!r || !w) return {{"PARSE", "", "", ""}};
    return avro().check(*r, *w, {});
}

std::string rec(const std::string& name, const std::string& fields, const std::string& extra = "") {
    return R"({"type":"record","name":")" + name + R"(")" + extra + R"(,"fields":[)" + fields + "]}";
}

void expect_one(const std::vector<incompatibility>& got, const std::string& type, const std::string& path,
                const std::string& info) {
    ASSERT_EQ(got.size(), 1u) << (got.empty() ? "compatible" : got[0].type + " " + got[0].path + " " + got[0].info);
    EXPECT_EQ(got[0].type, type);
    EXPECT_EQ(got[0].path, path);
    EXPECT_EQ(got[0].info, info);
    EXPECT_FALSE(got[0].description.empty());
}

TEST(AvroCompat, SameSchemaIsCompatible) {
    for (const char* s : {R"("int")", R"(["null","string"])", R"({"type":"map","values":{"type":"array","items":"long"}})"})
        EXPECT_TRUE(check(s, s).empty()) << s;
}

TEST(AvroCompat, PromotionsAndDemotions) {
    const std::pair<const char*, const char*> promotions[] = {
        {"long", "int"}, {"float", "int"}, {"double", "int"}, {"float", "long"},
        {"double", "long"}, {"double", "float"}, {"bytes", "string"}, {"string", "bytes"}};
    for (const auto& [reader, writer] : promotions)
        EXPECT_TRUE(check(std::string("\"") + reader + "\"", std::string("\"") + writer + "\"").empty()) << reader << " <- " << writer;
    const std::pair<const char*, const char*> demotions[] = {
        {"int", "long"}, {"int", "float"}, {"long", "double"}, {"float", "double"}, {"boolean", "int"},
        {"null", "string"}, {"int", "string"}, {"string", "int"}};
    for (const auto& [reader, writer] : demotions) {
        auto got = check(std::string("\"") + reader + "\"", std::string("\"") + writer + "\"");
        std::string upper_r = reader, upper_w = writer;
        for (auto& c : upper_r) c = static_cast<char>(std::toupper(c));
        for (auto& c : upper_w) c = static_cast<char>(std::toupper(c));
        expect_one(got, "TYPE_MISMATCH", "/", "reader type: " + upper_r + " not compatible with writer type: " + upper_w);
    }
}

TEST(AvroCompat, FieldsAddedAndRemoved) {
    const std::string v1 = rec("R", R"({"name":"a","type":"int"})");
    EXPECT_TRUE(check(rec("R", R"({"name":"a","type":"int"},{"name":"b","type":"string","default":"x"})"), v1).empty());
    EXPECT_TRUE(check(rec("R", R"({"name":"b","type":["null","int"],"default":null})"), v1).empty()) << "removed + added with default";
    auto got = check(rec("R", R"({"name":"a","type":"int"},{"name":"b","type":"string"})"), v1);
    expect_one(got, "READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/1", "b");
    EXPECT_NE(got[0].description.find("'b'"), std::string::npos) << got[0].description;
    EXPECT_NE(got[0].description.find("'string'"), std::string::npos) << got[0].description;
    // The writer may have fields the reader does not know.
    EXPECT_TRUE(check(rec("R", ""), v1).empty());
}

TEST(AvroCompat, FieldTypeChangeNamesTheFieldAndBothTypes) {
    auto got = check(rec("R", R"({"name":"a","type":"int"},{"name":"b","type":"int"})"),
                     rec("R", R"({"name":"a","type":"int"},{"name":"b","type":"string"})"));
    expect_one(got, "TYPE_MISMATCH", "/fields/1/type", "reader type: INT not compatible with writer type: STRING");
    EXPECT_NE(got[0].description.find("Field 'b'"), std::string::npos) << got[0].description;
    EXPECT_NE(got[0].description.find("'int'"), std::string::npos) << got[0].description;
    EXPECT_NE(got[0].description.find("'string'"), std::string::npos) << got[0].description;
}

TEST(AvroCompat, NestedLocations) {
    auto inner = [](const char* t) {
        return std::string(R"({"name":"xs","type":{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"v","type":")") + t +
               R"("}]}}})";
    };
    auto got = check(rec("R", inner("int")), rec("R", inner("long")));
    expect_one(got, "TYPE_MISMATCH", "/fields/0/type/items/fields/0/type", "reader type: INT not compatible with writer type: LONG");
    EXPECT_NE(got[0].description.find("Field 'xs.v'"), std::string::npos) << got[0].description;
    got = check(R"({"type":"map","values":"int"})", R"({"type":"map","values":"double"})");
    expect_one(got, "TYPE_MISMATCH", "/values", "reader type: INT not compatible with writer type: DOUBLE");
}

TEST(AvroCompat, NamedTypesMatchByShortNameOrAlias) {
    expect_one(check(rec("A", ""), rec("B", "")), "NAME_MISMATCH", "/name", "expected: B");
    EXPECT_TRUE(check(rec("A", "", R"(,"aliases":["B"])"), rec("B", "")).empty());
    EXPECT_TRUE(check(rec("x.A", ""), rec("y.A", "")).empty()) << "Java compares short names";
    // Aliases resolve against the reader's namespace.
    EXPECT_TRUE(check(rec("n.A", "", R"(,"aliases":["B"])"), rec("n.B", "")).empty());
    expect_one(check(rec("n.A", "", R"(,"aliases":["B"])"), rec("m.B", "")), "NAME_MISMATCH", "/name", "expected: m.B");
    EXPECT_TRUE(check(rec("n.A", "", R"(,"aliases":["m.B"])"), rec("m.B", "")).empty());
    expect_one(check(R"({"type":"enum","name":"E","symbols":["A"]})", R"({"type":"enum","name":"F","symbols":["A"]})"),
               "NAME_MISMATCH", "/name", "expected: F");
}

TEST(AvroCompat, FixedSize) {
    expect_one(check(R"({"type":"fixed","name":"F","size":16})", R"({"type":"fixed","name":"F","size":8})"),
               "FIXED_SIZE_MISMATCH", "/size", "expected: 8, found: 16");
    auto both = check(R"({"type":"fixed","name":"F","size":16})", R"({"type":"fixed","name":"G","size":8})");
    ASSERT_EQ(both.size(), 2u);
    EXPECT_EQ(both[0].type, "NAME_MISMATCH");
    EXPECT_EQ(both[1].type, "FIXED_SIZE_MISMATCH");
}

TEST(AvroCompat, EnumSymbolsAndDefault) {
    const std::string abc = R"({"type":"enum","name":"E","symbols":["A","B","C","D"]})";
    EXPECT_TRUE(check(abc, R"({"type":"enum","name":"E","symbols":["A"]})").empty()) << "reader has more symbols";
    expect_one(check(R"({"type":"enum","name":"E","symbols":["A","B"]})", abc), "MISSING_ENUM_SYMBOLS", "/symbols", "[C, D]");
    EXPECT_TRUE(check(R"({"type":"enum","name":"E","symbols":["A","B"],"default":"A"})", abc).empty())
        << "the reader's default reads unknown symbols";
}

TEST(AvroCompat, MissingFieldWithEnumDefaultIsCheckedAgainstTheWriterRecord) {
    // Java's quirk (SchemaCompatibility.checkReaderWriterRecordFields): an enum-typed reader
    // field without a field default, whose enum has a default, is checked as that enum against
    // the writer's record, a TYPE_MISMATCH.
    auto got = check(rec("R", R"({"name":"a","type":"int"},{"name":"e","type":{"type":"enum","name":"E","symbols":["X"],"default":"X"}})"),
                     rec("R", R"({"name":"a","type":"int"})"));
    expect_one(got, "TYPE_MISMATCH", "/fields/1/type", "reader type: ENUM not compatible with writer type: RECORD");
    EXPECT_TRUE(check(rec("R", R"({"name":"e","type":{"type":"enum","name":"E","symbols":["X"]},"default":"X"})"),
                      rec("R", "")).empty());
}

TEST(AvroCompat, Unions) {
    EXPECT_TRUE(check(R"(["null","int","string"])", R"(["null","int"])").empty());
    EXPECT_TRUE(check(R"(["null","long"])", R"(["null","int"])").empty()) << "a branch is read by promotion";
    EXPECT_TRUE(check(R"(["null","int"])", R"("int")").empty());
    expect_one(check(R"(["null","int"])", R"(["null","int","string"])"), "MISSING_UNION_BRANCH", "/2",
               "reader union lacking writer type: STRING");
    expect_one(check(R"(["null","string"])", R"("int")"), "MISSING_UNION_BRANCH", "/",
               "reader union lacking writer type: INT");
    // A non-union reader must read every writer branch; each branch is checked from "/".
    expect_one(check(R"("int")", R"(["int","string"])"), "TYPE_MISMATCH", "/",
               "reader type: INT not compatible with writer type: STRING");
    EXPECT_TRUE(check(R"("long")", R"(["int","long"])").empty());
}

TEST(AvroCompat, FieldAliases) {
    EXPECT_TRUE(check(rec("R", R"({"name":"b","type":"int","aliases":["a"]})"), rec("R", R"({"name":"a","type":"int"})")).empty());
    auto got = check(rec("R", R"({"name":"b","type":"int","aliases":["a"]})"),
                     rec("R", R"({"name":"a","type":"int"},{"name":"b","type":"int"})"));
    expect_one(got, "READER_FIELD_MATCHES_MULTIPLE_WRITER_FIELDS", "/",
               "Reader record field b matches multiple fields in writer record schema R");
}

TEST(AvroCompat, RecursiveTypesTerminate) {
    const std::string v1 = R"({"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]})";
    const std::string v2 = R"({"type":"record","name":"Node","fields":[{"name":"v","type":"long"},{"name":"next","type":["null","Node"]},{"name":"w","type":"int","default":0}]})";
    const std::string v3 = R"({"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]},{"name":"w","type":"int"}]})";
    EXPECT_TRUE(check(v2, v1).empty());
    EXPECT_FALSE(check(v1, v2).empty()) << "long does not narrow to int";
    auto got = check(v3, v1);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got[0].type, "READER_FIELD_MISSING_DEFAULT_VALUE");
    // Mutual recursion.
    const std::string tree = R"({"type":"record","name":"T","fields":[{"name":"kids","type":{"type":"array","items":{"type":"record","name":"K","fields":[{"name":"t","type":"T"}]}}}]})";
    EXPECT_TRUE(check(tree, tree).empty());
}

TEST(AvroCompat, ChecksTooDeepStopInsteadOfExhaustingTheStack) {
    // Two record cycles of 61 and 60 types: Java's check walks lcm(61, 60) = 3660 pairs deep
    // before the pairs repeat; Brook stops at 1000.
    auto cycle = [](int n) {
        std::string s;
        for (int i = 1; i <= n; ++i) s += R"({"type":"record","name":"A)" + std::to_string(i) + R"(","fields":[{"name":"next","type":)";
        s += "\"A1\"";
        for (int i = 1; i <= n; ++i) s += "}]}";
        return s;
    };
    auto got = check(cycle(61), cycle(60));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].type, "SCHEMA_TOO_DEEP");
    EXPECT_TRUE(check(cycle(61), cycle(61)).empty()) << "the same cycle pairs up after 61 steps";
}

TEST(AvroCompat, RepeatedIncompatibilitiesAreBounded) {
    // T1 { a: T2 {...}, b: T2 }, ..., T40 { a: Leaf { x }, b: Leaf }: every level reaches the
    // next twice, so Java lists the one incompatibility at the bottom 2^40 times. Brook shares
    // the repeated results and lists the first max_reported.
    auto chain = [](const char* leaf_type) {
        std::string s;
        for (int i = 1; i <= 40; ++i)
            s += R"({"type":"record","name":"T)" + std::to_string(i) + R"(","fields":[{"name":"a","type":)";
        s += std::string(R"({"type":"record","name":"Leaf","fields":[{"name":"x","type":")") + leaf_type + R"("}]})";
        for (int i = 40; i >= 1; --i)
            s += R"(},{"name":"b","type":")" + (i == 40 ? std::string("Leaf") : "T" + std::to_string(i + 1)) + R"("}]})";
        return s;
    };
    auto got = check(chain("int"), chain("long"));
    EXPECT_EQ(got.size(), max_reported);
    EXPECT_EQ(got.front().type, "TYPE_MISMATCH");
    EXPECT_EQ(got.front().path, "/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type/fields/0/type");
    EXPECT_TRUE(check(chain("int"), chain("int")).empty());
}

TEST(AvroCompat, TypeMismatchesBetweenKinds) {
    expect_one(check(R"({"type":"array","items":"int"})", R"({"type":"map","values":"int"})"), "TYPE_MISMATCH", "/",
               "reader type: ARRAY not compatible with writer type: MAP");
    expect_one(check(rec("R", ""), R"("string")"), "TYPE_MISMATCH", "/", "reader type: RECORD not compatible with writer type: STRING");
    EXPECT_FALSE(check(R"({"type":"fixed","name":"F","size":4})", R"("bytes")").empty()) << "no fixed <- bytes promotion";
}

TEST(AvroCompat, ConfluentWording) {
    auto got = check(rec("R", R"({"name":"a","type":"int"},{"name":"b","type":"string"})"), rec("R", R"({"name":"a","type":"long"})"));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(confluent_message(got[0], "new", "old"),
              "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the new schema does not "
              "match with the old schema', additionalInfo:'reader type: INT not compatible with writer type: LONG'}");
    EXPECT_EQ(confluent_message(got[1], "old", "new"),
              "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at path '/fields/1' in the old schema "
              "has no default value and is missing in the new schema', additionalInfo:'b'}");
    auto e = check(R"({"type":"enum","name":"E","symbols":["A"]})", R"({"type":"enum","name":"F","symbols":["A","B"]})");
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(confluent_message(e[0], "new", "old"),
              "{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path '/name')', additionalInfo:'expected: F'}");
    EXPECT_EQ(confluent_message(e[1], "new", "old"),
              "{errorType:'MISSING_ENUM_SYMBOLS', description:'The new schema is missing enum symbols '[B]' at path '/symbols' in "
              "the old schema', additionalInfo:'[B]'}");
    auto u = check(R"(["null","int"])", R"(["null","int","string"])");
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(confluent_message(u[0], "new", "old"),
              "{errorType:'MISSING_UNION_BRANCH', description:'The new schema is missing a type inside a union field at path '/2' "
              "in the old schema', additionalInfo:'reader union lacking writer type: STRING'}");
    auto f = check(R"({"type":"fixed","name":"F","size":16})", R"({"type":"fixed","name":"F","size":8})");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(confluent_message(f[0], "new", "old"),
              "{errorType:'FIXED_SIZE_MISMATCH', description:'The size of FIXED type field at path '/size' in the new schema does "
              "not match with the old schema', additionalInfo:'expected: 8, found: 16'}");
    auto a = check(rec("R", R"({"name":"b","type":"int","aliases":["a"]})"), rec("R", R"({"name":"a","type":"int"},{"name":"b","type":"int"})"));
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(confluent_message(a[0], "new", "old"),
              "Unexpected exception during compatibility check: Reader record field b matches multiple fields in writer record schema R");
}

TEST(AvroCompat, DifferentSchemaKindIsIncompatible) {
    struct other : parsed_schema {
        schema_kind kind() const override { return schema_kind::json; }
        std::string canonical() const override { return "{}"; }
        std::string normalized() const override { return "{}"; }
    } json_schema;
    auto avro_schema = parse_ok(R"("int")");
    ASSERT_TRUE(avro_schema);
    auto got = avro().check(*avro_schema, json_schema, {});
    ASSERT_EQ(got.size(), 1u);
    EXPECT_NE(got[0].info.find("different schema type"), std::string::npos);
}

} // namespace
} // namespace brook::registry::avro::test
