// Text forms: Confluent's canonical string (Avro Java's Schema.toString), Confluent's
// normalized form, the spec's Parsing Canonical Form and its CRC-64-AVRO fingerprint.
#include <gtest/gtest.h>

#include <cstdint>

#include "registry/avro/canonical.h"
#include "registry/avro/json_text.h"
#include "test_util.h"

namespace brook::registry::avro::test {
namespace {

TEST(AvroCanonical, JavaAttributeOrderAndNoWhitespace) {
    const std::string text = R"({
        "namespace": "com.acme", "doc": "a user", "name": "User", "type": "record",
        "aliases": ["Old", "x.Y"], "z": 1, "a": "b",
        "fields": [
            {"type": "long", "name": "id", "doc": "the id"},
            {"default": null, "name": "email", "type": ["null", "string"], "aliases": ["mail"], "order": "descending", "custom": [1, 2]},
            {"name": "kind", "type": {"symbols": ["A", "B"], "type": "enum", "name": "Kind", "default": "A", "doc": "k"}},
            {"name": "day", "type": {"type": "int", "logicalType": "date"}},
            {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
            {"name": "hash", "type": {"size": 16, "type": "fixed", "name": "MD5", "namespace": "crypto"}},
            {"name": "tags", "type": {"type": "map", "values": {"type": "array", "items": "string"}}}
        ]})";
    EXPECT_EQ(canonical(text),
              R"({"type":"record","name":"User","namespace":"com.acme","doc":"a user","fields":[)"
              R"({"name":"id","type":"long","doc":"the id"},)"
              R"({"name":"email","type":["null","string"],"default":null,"order":"descending","aliases":["mail"],"custom":[1,2]},)"
              R"({"name":"kind","type":{"type":"enum","name":"Kind","doc":"k","symbols":["A","B"],"default":"A"}},)"
              R"({"name":"day","type":{"type":"int","logicalType":"date"}},)"
              R"({"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},)"
              R"({"name":"hash","type":{"type":"fixed","name":"MD5","namespace":"crypto","size":16}},)"
              R"({"name":"tags","type":{"type":"map","values":{"type":"array","items":"string"}}}],)"
              R"("z":1,"a":"b","aliases":["Old","x.Y"]})");
}

TEST(AvroCanonical, TypesNestedInReferencesAreWrittenByName) {
    // The reference defines Address and, inside it, Country; both are the reference's types.
    const std::string address = R"({"type":"record","name":"Address","namespace":"geo","fields":[
        {"name":"country","type":{"type":"enum","name":"Country","symbols":["NL","DE"]}}]})";
    const std::string user = R"({"type":"record","name":"User","fields":[{"name":"a","type":"geo.Address"},{"name":"c","type":"geo.Country"}]})";
    EXPECT_EQ(canonical(user, {address}),
              R"({"type":"record","name":"User","fields":[{"name":"a","type":"geo.Address"},{"name":"c","type":"geo.Country"}]})");
    auto s = parse_ok(user, {address});
    ASSERT_TRUE(s);
    EXPECT_EQ(s->text(), s->canonical());
    EXPECT_TRUE(avro().parse(s->canonical(), refs({address})).schema) << "the canonical text parses back with its references";
}

TEST(AvroCanonical, WhitespaceAndReservedKeyOrderDoNotMatter) {
    const std::string a = R"({"type":"record","name":"R","fields":[{"name":"a","type":"int","default":1}]})";
    const std::string b = "{ \"fields\" : [ { \"default\" : 1 ,\n \"type\" : { \"type\" : \"int\" } , \"name\" : \"a\" } ] ,\n\t\"name\":\"R\", \"type\" : \"record\" }";
    EXPECT_EQ(canonical(a), canonical(b));
    EXPECT_EQ(canonical(b), a);
}

TEST(AvroCanonical, NamesAndNamespacesAsJavaWritesThem) {
    // Second mention by name; the namespace is written only where it changes, "" for a null
    // namespace inside a non-null one; a name that is a type name keeps its namespace.
    EXPECT_EQ(canonical(R"({"type":"record","name":"a.R","fields":[
        {"name":"x","type":{"type":"fixed","name":"F","size":1}},
        {"name":"y","type":"F"},
        {"name":"z","type":{"type":"enum","name":"b.E","symbols":["S"]}},
        {"name":"w","type":"b.E"},
        {"name":"v","type":{"type":"fixed","name":"G","namespace":"","size":2}},
        {"name":"u","type":{"type":"fixed","name":"record","size":3}},
        {"name":"t","type":"a.record"}]})"),
              R"({"type":"record","name":"R","namespace":"a","fields":[)"
              R"({"name":"x","type":{"type":"fixed","name":"F","size":1}},{"name":"y","type":"F"},)"
              R"({"name":"z","type":{"type":"enum","name":"E","namespace":"b","symbols":["S"]}},{"name":"w","type":"b.E"},)"
              R"({"name":"v","type":{"type":"fixed","name":"G","namespace":"","size":2}},)"
              R"({"name":"u","type":{"type":"fixed","name":"record","size":3}},{"name":"t","type":"a.record"}]})");
    // Aliases are written relative to the type's own namespace.
    EXPECT_EQ(canonical(R"({"type":"fixed","name":"n.F","size":1,"aliases":["G","n.H","m.I"]})"),
              R"({"type":"fixed","name":"F","namespace":"n","size":1,"aliases":["G","H","m.I"]})");
}

TEST(AvroCanonical, ValuesAsJacksonWritesThem) {
    EXPECT_EQ(canonical(R"({"type":"record","name":"R","fields":[
        {"name":"a","type":"double","default":1e3},
        {"name":"b","type":"float","default":"1.5"},
        {"name":"c","type":"double","default":"NaN"},
        {"name":"d","type":"string","default":"\u0001\t\"\\/é"},
        {"name":"e","type":"double","default":0.0001},
        {"name":"f","type":"double","default":12345678.5}]})"),
              R"({"type":"record","name":"R","fields":[)"
              R"({"name":"a","type":"double","default":1000.0},{"name":"b","type":"float","default":1.5},)"
              R"({"name":"c","type":"double","default":"NaN"},{"name":"d","type":"string","default":"\u0001\t\"\\/é"},)"
              R"({"name":"e","type":"double","default":1.0E-4},{"name":"f","type":"double","default":1.23456785E7}]})");
}

TEST(AvroCanonical, JavaNumberText) {
    EXPECT_EQ(java_double(1.0), "1.0");
    EXPECT_EQ(java_double(-2.5), "-2.5");
    EXPECT_EQ(java_double(100.0), "100.0");
    EXPECT_EQ(java_double(1234567.0), "1234567.0");
    EXPECT_EQ(java_double(1e7), "1.0E7");
    EXPECT_EQ(java_double(0.001), "0.001");
    EXPECT_EQ(java_double(0.0001), "1.0E-4");
    EXPECT_EQ(java_double(1.5e-5), "1.5E-5");
    EXPECT_EQ(java_double(1e21), "1.0E21");
    EXPECT_EQ(java_double(0.1), "0.1");
    EXPECT_EQ(java_double(-0.0), "-0.0");
    EXPECT_EQ(java_float(1.1f), "1.1");
    EXPECT_EQ(java_float(0.1f), "0.1");
    EXPECT_EQ(java_float(3.4028235e38f), "3.4028235E38");
}

TEST(AvroNormalized, ConfluentNormalForm) {
    const std::string text = R"({"namespace":"com.acme","name":"User","type":"record","doc":"d",
        "aliases":["x.Y","Old"],"z":1,"a":"b",
        "fields":[{"name":"id","type":"long","doc":"i"},
                  {"name":"f","type":"float","default":1,"aliases":["g","e"]},
                  {"name":"day","type":{"type":"int","logicalType":"date"}},
                  {"name":"k","type":{"type":"enum","name":"K","symbols":["A","B"],"default":"B"}},
                  {"name":"k2","type":"K"},
                  {"name":"o","type":["null","string"],"default":null,"order":"ignore"}]})";
    EXPECT_EQ(normalized(text),
              R"({"name":"com.acme.User","type":"record","fields":[)"
              R"({"name":"id","type":"long","order":"ASCENDING","doc":"i"},)"
              R"({"name":"f","type":"float","order":"ASCENDING","aliases":["e","g"],"default":1.0},)"
              R"({"name":"day","type":{"type":"int","logicalType":"date"},"order":"ASCENDING"},)"
              R"({"name":"k","type":{"name":"com.acme.K","type":"enum","symbols":["A","B"],"default":"B"},"order":"ASCENDING"},)"
              R"({"name":"k2","type":"com.acme.K","order":"ASCENDING"},)"
              R"({"name":"o","type":["null","string"],"order":"IGNORE","default":null}],)"
              R"("doc":"d","aliases":["com.acme.Old","x.Y"],"a":"b","z":1})");
    // Equivalent texts (namespace spelled differently, props reordered) normalize alike.
    EXPECT_EQ(normalized(R"({"type":"record","name":"a.R","fields":[{"name":"x","type":"int"}],"p":1,"q":2})"),
              normalized(R"({"type":"record","name":"R","namespace":"a","q":2,"p":1,"fields":[{"name":"x","type":{"type":"int"}}]})"));
    EXPECT_EQ(normalized(R"({"type":"bytes","logicalType":"decimal","precision":4,"scale":2,"x":true})"),
              R"({"type":"bytes","logicalType":"decimal","precision":4,"scale":2,"x":true})");
    EXPECT_EQ(normalized(R"({"type":"string","logicalType":"date"})"), R"({"type":"string","logicalType":"date"})")
        << "an invalid logical type is an ordinary property";
}

TEST(AvroNormalized, DefaultsConvertedThroughTheirType) {
    EXPECT_EQ(normalized(R"({"type":"record","name":"R","fields":[
        {"name":"d","type":"double","default":1},
        {"name":"f","type":"float","default":0.1},
        {"name":"l","type":"long","default":7},
        {"name":"b","type":"bytes","default":"\u00ff\u20ac"},
        {"name":"u","type":["null","int"],"default":null},
        {"name":"a","type":{"type":"array","items":"double"},"default":[1,2.5]},
        {"name":"m","type":{"type":"map","values":"float"},"default":{"k":3}},
        {"name":"s","type":{"type":"record","name":"S","fields":[{"name":"x","type":"double"}]},"default":{"x":4}}]})"),
              R"({"name":"R","type":"record","fields":[)"
              R"({"name":"d","type":"double","order":"ASCENDING","default":1.0},)"
              R"({"name":"f","type":"float","order":"ASCENDING","default":0.1},)"
              R"({"name":"l","type":"long","order":"ASCENDING","default":7},)"
              R"({"name":"b","type":"bytes","order":"ASCENDING","default":"ÿ?"},)"
              R"({"name":"u","type":["null","int"],"order":"ASCENDING","default":null},)"
              R"({"name":"a","type":{"type":"array","items":"double"},"order":"ASCENDING","default":[1.0,2.5]},)"
              R"({"name":"m","type":{"type":"map","values":"float"},"order":"ASCENDING","default":{"k":3.0}},)"
              R"({"name":"s","type":{"name":"S","type":"record","fields":[{"name":"x","type":"double","order":"ASCENDING"}]},"order":"ASCENDING","default":{"x":4.0}}]})");
    // An error record is normalized as a record; an empty doc is left out.
    EXPECT_EQ(normalized(R"({"type":"error","name":"E","doc":"","fields":[]})"), R"({"name":"E","type":"record","fields":[]})");
    EXPECT_EQ(normalized(R"({"type":"fixed","name":"D","size":8,"logicalType":"decimal","precision":18,"scale":3})"),
              R"({"name":"D","type":"fixed","size":8,"logicalType":"decimal","precision":18,"scale":3})");
    EXPECT_EQ(normalized(R"({"type":"fixed","name":"D","size":8,"logicalType":"decimal","precision":19})"),
              R"({"name":"D","type":"fixed","size":8,"logicalType":"decimal","precision":19})")
        << "precision 19 does not fit 8 bytes: not a logical type, the properties are kept as written";
}

TEST(AvroNormalized, ReferencedTypesByFullName) {
    const std::string address = R"({"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"}]})";
    EXPECT_EQ(normalized(R"({"type":"record","name":"U","fields":[{"name":"a","type":"com.acme.Address"}]})", {address}),
              R"({"name":"U","type":"record","fields":[{"name":"a","type":"com.acme.Address","order":"ASCENDING"}]})");
}

TEST(AvroParsingCanonicalForm, SpecTransformations) {
    auto pcf = [](const std::string& text) {
        auto s = parse_ok(text);
        return s ? parsing_canonical_form(dynamic_cast<const avro_parsed_schema&>(*s).root()) : std::string();
    };
    EXPECT_EQ(pcf(R"({"type":"int","logicalType":"date"})"), R"("int")");
    EXPECT_EQ(pcf(R"({"type":"record","namespace":"x.y","name":"Foo","doc":"d","aliases":["Q"],"fields":[
                    {"name":"a","type":{"type":"int","logicalType":"date"},"default":1,"doc":"x"},
                    {"name":"b","type":{"type":"enum","name":"E","symbols":["A"],"default":"A"}},
                    {"name":"c","type":{"type":"array","items":"E"}},
                    {"name":"d","type":{"type":"map","values":{"type":"fixed","name":"z.F","size":10}}},
                    {"name":"e","type":"Foo"}]})"),
              R"({"name":"x.y.Foo","type":"record","fields":[{"name":"a","type":"int"},)"
              R"({"name":"b","type":{"name":"x.y.E","type":"enum","symbols":["A"]}},)"
              R"({"name":"c","type":{"type":"array","items":"x.y.E"}},)"
              R"({"name":"d","type":{"type":"map","values":{"name":"z.F","type":"fixed","size":10}}},)"
              R"({"name":"e","type":"x.y.Foo"}]})");
    EXPECT_EQ(pcf(R"({"type":"error","name":"Err","fields":[]})"), R"({"name":"Err","type":"record","fields":[]})");
    EXPECT_EQ(pcf(R"(["null",{"type":"string","avro.java.string":"String"}])"), R"(["null","string"])");
}

TEST(AvroParsingCanonicalForm, Fingerprint64FromTheAvroTestSuite) {
    // Values from Avro's share/test/data/schema-tests.txt (as Java's signed longs).
    auto fp = [](const char* s) { return static_cast<int64_t>(fingerprint64(s)); };
    EXPECT_EQ(fp("\"null\""), 7195948357588979594LL);
    EXPECT_EQ(fp("\"boolean\""), -6970731678124411036LL);
    EXPECT_EQ(fp("\"int\""), 8247732601305521295LL);
    EXPECT_EQ(fp("\"long\""), -3434872931120570953LL);
    EXPECT_EQ(fp("\"float\""), 5583340709985441680LL);
    EXPECT_EQ(fp("\"double\""), -8181574048448539266LL);
    EXPECT_EQ(fp("\"bytes\""), 5746618253357095269LL);
    EXPECT_EQ(fp("\"string\""), -8142146995180207161LL);
    EXPECT_EQ(fingerprint64(""), 0xc15d213aa4d7a795ULL) << "the empty fingerprint";
}

} // namespace
} // namespace brook::registry::avro::test
