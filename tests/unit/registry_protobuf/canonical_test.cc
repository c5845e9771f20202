// canonical(): whitespace, comments and spelling of type names do not make a new schema; a
// change of meaning does. normalized(): also import order. text() is the canonical form.
#include <gtest/gtest.h>

#include "registry/protobuf/proto_schema.h"
#include "test_util.h"

namespace brook::registry::protobuf::test {
namespace {

const char* kPlain = R"(syntax = "proto3";
package demo;
import "google/protobuf/timestamp.proto";
message Event {
  string id = 1;
  google.protobuf.Timestamp at = 2;
  Kind kind = 3;
  enum Kind { KIND_UNKNOWN = 0; KIND_CLICK = 1; }
  map<string, int64> counters = 4;
}
)";

const char* kNoisy = R"(// A comment that must not matter.
syntax   =   "proto3" ;

package   demo ;

import "google/protobuf/timestamp.proto";

/* block
   comment */
message Event
{
    string   id=1;   // trailing comment
    .google.protobuf.Timestamp at = 2;
    Event.Kind kind = 3;
    enum Kind {
        KIND_UNKNOWN = 0;
        KIND_CLICK = 1;
    }
    map< string , int64 > counters = 4;
}
)";

TEST(ProtoCanonical, WhitespaceCommentsAndNameSpellingDoNotMatter) {
    auto a = must_parse(kPlain);
    auto b = must_parse(kNoisy);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->canonical(), b->canonical());
    EXPECT_EQ(a->text(), a->canonical());
    EXPECT_EQ(a->normalized(), b->normalized());
}

TEST(ProtoCanonical, IsAFixedPoint) {
    auto a = must_parse(kNoisy);
    ASSERT_TRUE(a);
    auto again = must_parse(a->canonical());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->canonical(), a->canonical());
    EXPECT_EQ(a->canonical(), R"(syntax = "proto3";

import "google/protobuf/timestamp.proto";
package demo;

message Event {
  enum Kind {
    KIND_UNKNOWN = 0;
    KIND_CLICK = 1;
  }
  string id = 1;
  .google.protobuf.Timestamp at = 2;
  .demo.Event.Kind kind = 3;
  map<string, int64> counters = 4;
}

)");
}

TEST(ProtoCanonical, ChangesOfMeaningChangeIt) {
    auto base = must_parse(kPlain);
    std::string renamed = kPlain;
    renamed.replace(renamed.find("string id = 1"), 13, "string key = 1");
    std::string renumbered = kPlain;
    renumbered.replace(renumbered.find("string id = 1"), 13, "string id = 9");
    std::string repackaged = kPlain;
    repackaged.replace(repackaged.find("package demo"), 12, "package demo2");
    for (const auto& other : {renamed, renumbered, repackaged}) {
        auto o = must_parse(other);
        ASSERT_TRUE(o);
        EXPECT_NE(o->canonical(), base->canonical()) << other;
    }
}

TEST(ProtoCanonical, ImportOrderOnlyMattersBeforeNormalizing) {
    auto a = must_parse("syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\nimport "
                        "\"google/protobuf/duration.proto\";\nmessage M { google.protobuf.Timestamp t = 1; "
                        "google.protobuf.Duration d = 2; }\n");
    auto b = must_parse("syntax = \"proto3\";\nimport \"google/protobuf/duration.proto\";\nimport "
                        "\"google/protobuf/timestamp.proto\";\nmessage M { google.protobuf.Timestamp t = 1; "
                        "google.protobuf.Duration d = 2; }\n");
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->canonical(), b->canonical());
    EXPECT_EQ(a->normalized(), b->normalized());
    EXPECT_NE(a->normalized().find("import \"google/protobuf/duration.proto\";\nimport \"google/protobuf/timestamp.proto\";"),
              std::string::npos);
}

TEST(ProtoCanonical, OptionsInAFixedOrder) {
    auto a = must_parse("syntax = \"proto3\";\noption java_package = \"x\";\noption go_package = \"y\";\nmessage M {}\n");
    auto b = must_parse("syntax = \"proto3\";\noption go_package = \"y\";\noption java_package = \"x\";\nmessage M {}\n");
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->canonical(), b->canonical());
}

TEST(ProtoCanonical, ExplicitDefaultJsonNameIsTheDefault) {
    auto a = must_parse("syntax = \"proto3\";\nmessage M { string first_name = 1 [json_name = \"firstName\"]; }\n");
    auto b = must_parse("syntax = \"proto3\";\nmessage M { string first_name = 1; }\n");
    auto c = must_parse("syntax = \"proto3\";\nmessage M { string first_name = 1 [json_name = \"given\"]; }\n");
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(a->canonical(), b->canonical());
    EXPECT_NE(c->canonical(), b->canonical());
}

} // namespace
} // namespace brook::registry::protobuf::test
