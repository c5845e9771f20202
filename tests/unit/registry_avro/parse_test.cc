// Parsing: what Avro Java's Schema.Parser accepts and what it rejects, with the reason.
#include <gtest/gtest.h>

#include "test_util.h"

namespace brook::registry::avro::test {
namespace {

TEST(AvroParse, PrimitivesInBothForms) {
    for (const char* p : {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}) {
        EXPECT_EQ(canonical(std::string("\"") + p + "\""), std::string("\"") + p + "\"");
        EXPECT_EQ(canonical(std::string("{\"type\":\"") + p + "\"}"), std::string("\"") + p + "\"");
    }
}

TEST(AvroParse, AllComplexTypes) {
    auto s = parse_ok(R"({"type":"record","name":"R","namespace":"n","fields":[
        {"name":"a","type":{"type":"array","items":"int"}},
        {"name":"m","type":{"type":"map","values":["null","string"]}},
        {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}},
        {"name":"f","type":{"type":"fixed","name":"F","size":16}},
        {"name":"e2","type":"E"},
        {"name":"x","type":{"type":"error","name":"X","fields":[]}}]})");
    ASSERT_TRUE(s);
    const auto& root = dynamic_cast<const avro_parsed_schema&>(*s).root();
    ASSERT_EQ(root.fields.size(), 6u);
    EXPECT_EQ(root.full_name(), "n.R");
    EXPECT_EQ(root.fields[2].type, root.fields[4].type) << "a named type is one node";
    EXPECT_EQ(root.fields[3].type->full_name(), "n.F") << "namespace inherited";
    EXPECT_TRUE(root.fields[5].type->is_error);
}

TEST(AvroParse, NamespaceRules) {
    auto s = parse_ok(R"({"type":"record","name":"a.b.R","namespace":"ignored","fields":[
        {"name":"x","type":{"type":"record","name":"S","fields":[]}},
        {"name":"y","type":{"type":"enum","name":"E","namespace":"other","symbols":["Q"]}},
        {"name":"z","type":{"type":"fixed","name":"G","namespace":"","size":1}},
        {"name":"w","type":"a.b.S"},
        {"name":"v","type":"other.E"},
        {"name":"u","type":"G"}]})");
    ASSERT_TRUE(s);
    const auto& root = dynamic_cast<const avro_parsed_schema&>(*s).root();
    EXPECT_EQ(root.full_name(), "a.b.R") << "a dotted name ignores the namespace attribute";
    EXPECT_EQ(root.fields[0].type->full_name(), "a.b.S");
    EXPECT_EQ(root.fields[1].type->full_name(), "other.E");
    EXPECT_EQ(root.fields[2].type->full_name(), "G") << "\"\" is the null namespace";
    EXPECT_EQ(root.fields[5].type, root.fields[2].type) << "a short name falls back to the null namespace";
}

TEST(AvroParse, RecursiveType) {
    auto s = parse_ok(R"({"type":"record","name":"Node","fields":[
        {"name":"value","type":"int"},{"name":"next","type":["null","Node"],"default":null}]})");
    ASSERT_TRUE(s);
    const auto& root = dynamic_cast<const avro_parsed_schema&>(*s).root();
    EXPECT_EQ(root.fields[1].type->branches[1], &root);
    EXPECT_EQ(s->canonical(),
              R"({"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"],"default":null}]})");
}

TEST(AvroParse, UnionMayReferToATypeByObject) {
    auto s = parse_ok(R"({"type":"record","name":"R","fields":[{"name":"a","type":["null",{"type":"R"}],"default":null}]})");
    ASSERT_TRUE(s);
}

TEST(AvroParse, Errors) {
    struct bad {
        const char* schema;
        const char* error_has;
    };
    const bad cases[] = {
        {"{", "Invalid JSON"},
        {"\"Foo\"", "Undefined name: \"Foo\""},
        {"42", "Schema not yet supported: 42"},
        {R"({"name":"x"})", "No type"},
        {R"({"type":"frob"})", "Type not supported: frob"},
        {R"({"type":"record","fields":[]})", "No name in schema"},
        {R"({"type":"record","name":"R"})", "Record has no fields"},
        {R"({"type":"record","name":"R","fields":[{"type":"int"}]})", "No field name"},
        {R"({"type":"record","name":"R","fields":[{"name":"a"}]})", "No field type"},
        {R"({"type":"record","name":"R","fields":[{"name":"a","type":"Nope"}]})", "\"Nope\" is not a defined name. The type of the \"a\" field"},
        {R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]})", "Duplicate field a in record R"},
        {R"({"type":"record","name":"1R","fields":[]})", "Illegal initial character: 1R"},
        {R"({"type":"record","name":"R-x","fields":[]})", "Illegal character in: R-x"},
        {R"({"type":"record","name":"a.","fields":[]})", "Empty name"},
        {R"({"type":"record","name":"R","fields":[{"name":"b-c","type":"int"}]})", "Illegal character in: b-c"},
        {R"({"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"R","fields":[]}}]})", "Can't redefine: R"},
        {R"({"type":"record","name":"int","fields":[]})", "Schemas may not be named after primitives: int"},
        {R"({"type":"enum","name":"E"})", "Enum has no symbols"},
        {R"({"type":"enum","name":"E","symbols":["A","A"]})", "Duplicate enum symbol: A"},
        {R"({"type":"enum","name":"E","symbols":["A","1"]})", "Illegal initial character: 1"},
        {R"({"type":"enum","name":"E","symbols":["A","B"],"default":"C"})", "The Enum Default: C is not in the enum symbol set: [A, B]"},
        {R"({"type":"fixed","name":"F"})", "Invalid or no size"},
        {R"({"type":"fixed","name":"F","size":"16"})", "Invalid or no size"},
        {R"({"type":"array"})", "Array has no items type"},
        {R"({"type":"map"})", "Map has no values type"},
        {R"(["int","int"])", "Duplicate in union:int"},
        {R"(["int",["null","string"]])", "Nested union"},
        {R"([{"type":"array","items":"int"},{"type":"array","items":"long"}])", "Duplicate in union:array"},
        {R"({"type":"record","name":"R","aliases":"A","fields":[]})", "aliases not an array"},
        {R"({"type":"record","name":"R","aliases":[1],"fields":[]})", "alias not a string"},
        {R"({"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"sideways"}]})", "Invalid order for field a"},
    };
    for (const auto& c : cases) {
        std::string err = parse_error(c.schema);
        EXPECT_NE(err.find(c.error_has), std::string::npos) << c.schema << "\n  error: " << err;
    }
}

TEST(AvroParse, DefaultsAreValidatedAgainstTheirType) {
    auto rec = [](const std::string& type, const std::string& def) {
        return R"({"type":"record","name":"R","fields":[{"name":"f","type":)" + type + R"(,"default":)" + def + "}]}";
    };
    const std::pair<const char*, const char*> good[] = {
        {"\"int\"", "5"}, {"\"long\"", "5000000000"}, {"\"float\"", "1"}, {"\"double\"", "1.5"},
        {"\"double\"", "\"NaN\""}, {"\"float\"", "\"1e3\""}, {"\"string\"", "\"x\""}, {"\"bytes\"", "\"\\u00ff\""},
        {"\"boolean\"", "true"}, {"\"null\"", "null"}, {"[\"null\",\"int\"]", "null"}, {"[\"int\",\"null\"]", "3"},
        {R"({"type":"array","items":"int"})", "[1,2]"}, {R"({"type":"map","values":"string"})", R"({"a":"b"})"},
        {R"({"type":"enum","name":"E","symbols":["A"]})", "\"A\""},
        {R"({"type":"fixed","name":"F","size":2})", "\"ab\""},
        {R"({"type":"record","name":"S","fields":[{"name":"x","type":"int"},{"name":"y","type":"int","default":0}]})", R"({"x":1})"},
    };
    for (const auto& [type, def] : good) EXPECT_TRUE(parse_ok(rec(type, def))) << type << " default " << def;
    const std::pair<const char*, const char*> bad[] = {
        {"\"int\"", "\"5\""}, {"\"int\"", "5000000000"}, {"\"int\"", "1.0"}, {"\"long\"", "1.5"},
        {"\"float\"", "true"}, {"\"float\"", "\"abc\""}, {"\"string\"", "5"}, {"\"boolean\"", "0"}, {"\"null\"", "0"},
        {"[\"null\",\"int\"]", "3"}, {R"({"type":"array","items":"int"})", "[\"a\"]"},
        {R"({"type":"map","values":"string"})", "[]"},
        {R"({"type":"record","name":"S","fields":[{"name":"x","type":"int"}]})", "{}"},
    };
    for (const auto& [type, def] : bad) {
        std::string err = parse_error(rec(type, def));
        EXPECT_NE(err.find("Invalid default for field f"), std::string::npos) << type << " default " << def << ": " << err;
    }
}

TEST(AvroParse, EdgeCasesAsJavaDecidesThem) {
    // A record's default cannot be checked against the record while its fields are parsed
    // (Java: "Schema fields not set yet").
    EXPECT_NE(parse_error(R"({"type":"record","name":"N","fields":[{"name":"n","type":"N","default":{}}]})")
                  .find("record N is used in its own default before its fields are defined"),
              std::string::npos);
    EXPECT_TRUE(parse_ok(R"({"type":"record","name":"N","fields":[{"name":"n","type":["null","N"],"default":null}]})"));
    // Java checks the last component of a name, not the namespace.
    EXPECT_TRUE(parse_ok(R"({"type":"fixed","name":"1a.b-c.F","size":1})"));
    EXPECT_NE(parse_error(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int","order":1}]})").find("Invalid order"),
              std::string::npos);
    // A non-string namespace or doc is ignored, as Java's getOptionalText ignores it.
    auto s = parse_ok(R"({"type":"fixed","name":"F","namespace":5,"doc":false,"size":1})");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->canonical(), R"({"type":"fixed","name":"F","size":1})");
    // A union may be empty, and its branches keep their order.
    EXPECT_EQ(canonical("[]"), "[]");
    EXPECT_EQ(canonical(R"(["string","null"])"), R"(["string","null"])");
}

TEST(AvroParse, StoredSchemasMayKeepDefaultsThatDoNotFit) {
    // What older registries accepted and Confluent still reads back from `_schemas`.
    const std::string legacy = R"({"type":"record","name":"R","fields":[{"name":"a","type":["null","string"],"default":"null"}]})";
    EXPECT_NE(parse_error(legacy).find("Invalid default for field a"), std::string::npos);
    auto lenient = make_avro_type_lenient();
    auto r = lenient->parse(legacy, {});
    ASSERT_TRUE(r.schema) << r.error;
    EXPECT_EQ(r.schema->canonical(), R"({"type":"record","name":"R","fields":[{"name":"a","type":["null","string"],"default":"null"}]})");
    EXPECT_FALSE(lenient->parse(R"({"type":"record","name":"R","fields":[{"name":"a","type":"nope"}]})", {}).schema)
        << "everything else is still checked";
}

TEST(AvroParse, ReferencesDefineNamesByFullName) {
    const std::string address = R"({"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"}]})";
    const std::string user = R"({"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"com.acme.Address"},{"name":"work","type":"Address"}]})";
    EXPECT_NE(parse_error(user).find("is not a defined name"), std::string::npos);
    EXPECT_EQ(canonical(user, {address}),
              R"({"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"home","type":"Address"},{"name":"work","type":"Address"}]})")
        << "a referenced type is written by name, never inlined";
    // References of references come first; a bad reference is reported as such.
    const std::string country = R"({"type":"enum","name":"Country","namespace":"geo","symbols":["NL","DE"]})";
    const std::string addr2 = R"({"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"c","type":"geo.Country"}]})";
    EXPECT_TRUE(parse_ok(user, {country, addr2}));
    EXPECT_NE(parse_error(user, {"{"}).find("Invalid reference 1"), std::string::npos);
    EXPECT_NE(parse_error(address, {address}).find("Can't redefine: com.acme.Address"), std::string::npos);
    // A reference reached through two paths (same name) is parsed once, as Confluent's map of
    // resolved references by name does.
    std::vector<resolved_reference> diamond = {{"geo.Country", "c", 1, country}, {"com.acme.Address", "a", 1, addr2},
                                               {"geo.Country", "c", 1, country}};
    EXPECT_TRUE(avro().parse(user, diamond).schema);
    std::vector<resolved_reference> renamed = {{"geo.Country", "c", 1, country}, {"com.acme.Address", "a", 1, addr2},
                                               {"Country", "c", 1, country}};
    EXPECT_TRUE(avro().parse(user, renamed).schema) << "the same subject version under another name";
    // The schema itself may just be a referenced name.
    EXPECT_EQ(canonical("\"com.acme.Address\"", {address}), "\"com.acme.Address\"");
}

TEST(AvroParse, CommentsAllowedAsAvroJavaAllowsThem) {
    EXPECT_EQ(canonical("/* a comment */ {\"type\": // the type\n \"int\"}"), "\"int\"");
}

TEST(AvroParse, NestingDepthIsBounded) {
    auto nested = [](int n) {
        std::string s;
        for (int i = 0; i < n; ++i) s += R"({"type":"array","items":)";
        s += "\"int\"";
        s.append(static_cast<size_t>(n), '}');
        return s;
    };
    auto deep = parse_ok(nested(999));
    ASSERT_TRUE(deep);
    EXPECT_TRUE(avro().check(*deep, *deep, {}).empty());
    EXPECT_NE(parse_error(nested(1001)).find("nesting depth 1001 exceeds the maximum allowed (1000)"), std::string::npos);
    // Brackets inside strings and comments do not count.
    EXPECT_TRUE(parse_ok("{\"type\":\"int\",\"x\":\"" + std::string(2000, '[') + "\"} /* " + std::string(2000, '{') + " */"));
}

TEST(AvroParse, BadInputNeverThrows) {
    for (const char* s : {"", "null", "[", "{\"type\":null}", "{\"type\":\"record\",\"name\":5,\"fields\":[]}",
                          "{\"type\":\"record\",\"name\":\"R\",\"fields\":[5]}", "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[1]}",
                          "[1]", "\"\"", "{\"type\":\"array\",\"items\":{}}"}) {
        auto r = avro().parse(s, {});
        EXPECT_FALSE(r.schema) << s;
        EXPECT_FALSE(r.error.empty()) << s;
    }
}

} // namespace
} // namespace brook::registry::avro::test
