// Parsing: good and bad .proto text (errors with line:column), imports through references,
// the built-in well-known files, and base64 descriptors as confluent-kafka-python sends them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "registry/protobuf/proto_schema.h"
#include "test_util.h"

namespace brook::registry::protobuf::test {
namespace {

TEST(ProtoParse, ParsesProto3Message) {
    auto s = must_parse("syntax = \"proto3\";\npackage a.b;\nmessage User { string name = 1; int64 id = 2; }\n");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->kind(), schema_kind::protobuf);
    ASSERT_EQ(s->file().message_type_count(), 1);
    EXPECT_EQ(s->file().message_type(0)->full_name(), "a.b.User");
    EXPECT_EQ(s->file().message_type(0)->field_count(), 2);
}

TEST(ProtoParse, NoSyntaxMeansProto2) {
    auto s = must_parse("message A { optional int32 y = 1; }");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->file().syntax(), google::protobuf::FileDescriptor::SYNTAX_PROTO2);
}

TEST(ProtoParse, SyntaxErrorHasLineAndColumn) {
    EXPECT_EQ(parse_error("syntax = \"proto3\";\nmessage A {\n  int32 x = 1\n}\n"), "4:1: Expected \";\".");
    EXPECT_EQ(parse_error("syntax = \"proto4\";\n"), "1:10: Unrecognized syntax identifier \"proto4\".  This parser "
                                                       "only recognizes \"proto2\" and \"proto3\".");
    EXPECT_NE(parse_error("message A {\n  int32 x = ;\n}").find("2:13: Expected field number."), std::string::npos);
}

TEST(ProtoParse, SemanticErrorsHaveLineAndColumn) {
    std::string err = parse_error("syntax = \"proto3\";\nmessage A {\n  Foo x = 1;\n  int32 y = 1;\n}\n");
    EXPECT_NE(err.find("3:3: \"Foo\" is not defined."), std::string::npos) << err;
    EXPECT_NE(err.find("4:13: Field number 1 has already been used in \"A\" by field \"x\"."), std::string::npos) << err;
    err = parse_error("syntax = \"proto3\";\nmessage A {\n  required int32 x = 1;\n}\n");
    EXPECT_NE(err.find("3:"), std::string::npos) << err;
    EXPECT_NE(err.find("Required fields are not allowed in proto3."), std::string::npos) << err;
}

TEST(ProtoParse, EmptyAndGarbageInput) {
    // An empty file is a valid (empty) proto2 file, as protoc has it.
    auto s = must_parse("");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->file().message_type_count(), 0);
    EXPECT_NE(parse_error("{{{").find("1:1:"), std::string::npos);
    EXPECT_NE(parse_error("not a proto").find("1:1:"), std::string::npos);
}

TEST(ProtoParse, DeepNestingIsAnErrorNotACrash) {
    // libprotoc's parser would recurse 100,000 times; the pre-scan stops it at 100 levels.
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "message A { ";
    deep += std::string(100000, '}');
    EXPECT_EQ(parse_error(deep), "1:1211: nested deeper than 100 levels");
    // Within the limit, the pool's own limit (32 nested messages) answers.
    std::string forty;
    for (int i = 0; i < 40; ++i) forty += "message A { ";
    forty += std::string(40, '}');
    EXPECT_NE(parse_error(forty).find("Reached maximum recursion limit for nested messages."), std::string::npos);
}

TEST(ProtoParse, MissingImportIsNamed) {
    EXPECT_EQ(parse_error("syntax = \"proto3\";\nimport \"x/y.proto\";\nmessage A { int32 y = 1; }\n"),
              "import \"x/y.proto\" (in the schema) is not among the schema's references; register it with a "
              "reference named \"x/y.proto\"");
}

TEST(ProtoParse, ImportsThroughReferences) {
    std::vector<resolved_reference> refs{ref("shop/common.proto", data("shop/common.proto"), "common-value", 3)};
    auto s = must_parse(data("order.proto"), refs);
    ASSERT_TRUE(s);
    const auto* order = s->file().FindMessageTypeByName("Order");
    ASSERT_NE(order, nullptr);
    const auto* total = order->FindFieldByName("total");
    ASSERT_NE(total, nullptr);
    EXPECT_EQ(total->message_type()->full_name(), "shop.Money");
    auto origin = s->origin(*total->message_type()->file());
    EXPECT_EQ(origin.from, file_origin::source::reference);
    EXPECT_EQ(origin.subject, "common-value");
    EXPECT_EQ(origin.version, 3);
    EXPECT_EQ(s->origin(*order->FindFieldByName("placed_at")->message_type()->file()).from, file_origin::source::builtin);
}

TEST(ProtoParse, NestedReferencesAndTheirErrors) {
    std::string base = "syntax = \"proto3\";\npackage p;\nmessage Base { int32 v = 1; }\n";
    std::string mid = "syntax = \"proto3\";\npackage p;\nimport \"base.proto\";\nmessage Mid { Base b = 1; }\n";
    std::string top = "syntax = \"proto3\";\npackage p;\nimport \"mid.proto\";\nmessage Top { Mid m = 1; }\n";
    EXPECT_TRUE(must_parse(top, {ref("base.proto", base), ref("mid.proto", mid)}));
    // The reference's dependency is missing: named, with the file that imports it.
    EXPECT_EQ(parse_error(top, {ref("mid.proto", mid)}),
              "import \"base.proto\" (in \"mid.proto\") is not among the schema's references; register it with a "
              "reference named \"base.proto\"");
    // A reference that does not parse: its name and the position in it.
    EXPECT_EQ(parse_error(top, {ref("base.proto", "message Base {"), ref("mid.proto", mid)}),
              "reference \"base.proto\": 1:15: Reached end of input in message definition (missing '}').");
    // A reference that parses but does not define what the schema uses.
    std::string err = parse_error(top, {ref("base.proto", "syntax = \"proto3\";\npackage p;\n"), ref("mid.proto", mid)});
    EXPECT_NE(err.find("reference \"mid.proto\": 4:15: \"Base\" is not defined."), std::string::npos) << err;
    // Import cycles end in an error, not a loop.
    std::string a = "syntax = \"proto3\";\nimport \"b.proto\";\nmessage A { int32 x = 1; }\n";
    std::string b = "syntax = \"proto3\";\nimport \"a.proto\";\nmessage B { int32 x = 1; }\n";
    EXPECT_NE(parse_error("import \"a.proto\";", {ref("a.proto", a), ref("b.proto", b)}).find("import cycle"),
              std::string::npos);
}

TEST(ProtoParse, WellKnownImportsAreBuiltIn) {
    auto s = must_parse(R"(syntax = "proto3";
package wk;
import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions { string pii = 50001; }
message All {
  google.protobuf.Any any = 1;
  google.protobuf.Duration duration = 2;
  google.protobuf.Empty empty = 3;
  google.protobuf.FieldMask mask = 4;
  google.protobuf.Struct struct = 5;
  google.protobuf.Timestamp at = 6;
  google.protobuf.StringValue name = 7 [(pii) = "name"];
  google.protobuf.Value value = 8;
}
)");
    ASSERT_TRUE(s);
    EXPECT_NE(s->canonical().find("[(.wk.pii) = \"name\"]"), std::string::npos) << s->canonical();
    for (const char* f : {"any", "duration", "empty", "field_mask", "struct", "timestamp", "wrappers", "descriptor", "api",
                          "type", "source_context"})
        EXPECT_NE(std::find(well_known_files().begin(), well_known_files().end(),
                            std::string("google/protobuf/") + f + ".proto"),
                  well_known_files().end())
            << f;
}

// confluent-kafka-python 1.7.0 registers base64(FileDescriptorProto) for the schema and for
// each import (well-known ones too), each import as a reference named by its path.
TEST(ProtoParse, Base64DescriptorsFromThePythonSerializerEqualTheText) {
    auto files = nlohmann::json::parse(data("python_schemas.json"))["schemas"];
    ASSERT_EQ(files.size(), 3u);
    std::vector<resolved_reference> b64_refs;
    std::string b64_main;
    for (const auto& f : files) {
        if (f["name"] == "order.proto")
            b64_main = f["schema"];
        else
            b64_refs.push_back(ref(f["name"], f["schema"]));
    }
    auto from_b64 = must_parse(b64_main, b64_refs);
    auto from_text = must_parse(data("order.proto"), {ref("shop/common.proto", data("shop/common.proto"))});
    ASSERT_TRUE(from_b64 && from_text);
    EXPECT_EQ(from_b64->canonical(), from_text->canonical());
    EXPECT_EQ(from_b64->normalized(), from_text->normalized());
    // The json_name the file spells out survives; the defaults protoc writes do not show.
    EXPECT_NE(from_b64->canonical().find("string note = 10 [json_name = \"remark\"];"), std::string::npos);
    EXPECT_EQ(from_b64->canonical().find("orderId"), std::string::npos);
    // The referenced files alone, base64 against text.
    EXPECT_EQ(must_parse(b64_refs[1].schema)->canonical(), must_parse(data("shop/common.proto"))->canonical());
    // What the registry stores for each reference subject is its text(); resolving the
    // references to those texts gives the same schema again.
    std::vector<resolved_reference> stored_refs;
    for (const auto& r : b64_refs) stored_refs.push_back(ref(r.name, must_parse(r.schema)->text()));
    auto from_stored = must_parse(b64_main, stored_refs);
    ASSERT_TRUE(from_stored);
    EXPECT_EQ(from_stored->canonical(), from_text->canonical());
    // The well-known file python sends as a reference equals the built-in one.
    EXPECT_EQ(must_parse(b64_refs[0].schema)->canonical(),
              must_parse(read_file(std::string(BROOK_PROTO_INCLUDE) + "/google/protobuf/timestamp.proto"))->canonical());
}

TEST(ProtoParse, Base64OfSomethingElseIsTreatedAsText) {
    // Valid base64 whose bytes are not a FileDescriptorProto: parsed as .proto text, so the error
    // is the text parser's.
    EXPECT_NE(parse_error("QUJD").find("1:1:"), std::string::npos);
}

} // namespace
} // namespace brook::registry::protobuf::test
