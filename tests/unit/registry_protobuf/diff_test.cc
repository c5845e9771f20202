// Confluent's Protobuf diff rules, each difference type in both directions (old -> new and
// new -> old), and what check() reports. diff(original=old, update=new) is the BACKWARD view:
// the new schema reads what the old one wrote.
#include <gtest/gtest.h>

#include "registry/protobuf/proto_diff.h"
#include "test_util.h"

namespace brook::registry::protobuf::test {
namespace {

using strings = std::vector<std::string>;

// "TYPE #/path" for every difference, in the differ's fixed order.
strings diffs(const std::string& old_text, const std::string& new_text, const std::vector<resolved_reference>& old_refs = {},
              const std::vector<resolved_reference>& new_refs = {}) {
    auto o = must_parse(old_text, old_refs);
    auto n = must_parse(new_text, new_refs);
    if (!o || !n) return {"<parse failed>"};
    strings out;
    for (const auto& d : diff(*o, *n)) out.push_back(std::string(name(d.type)) + " " + d.full_path);
    return out;
}

// The incompatible ones only, as check(reader = new, writer = old) reports them.
strings breaks(const std::string& old_text, const std::string& new_text, const std::vector<resolved_reference>& old_refs = {},
               const std::vector<resolved_reference>& new_refs = {}) {
    auto type = make_protobuf_type();
    auto o = type->parse(old_text, old_refs);
    auto n = type->parse(new_text, new_refs);
    if (!o.schema || !n.schema) return {"<parse failed: " + o.error + n.error + ">"};
    strings out;
    for (const auto& i : type->check(*n.schema, *o.schema, {})) out.push_back(i.type + " " + i.info);
    return out;
}

std::string p3(const std::string& body) { return "syntax = \"proto3\";\npackage t;\n" + body; }
std::string p2(const std::string& body) { return "syntax = \"proto2\";\npackage t;\n" + body; }

TEST(ProtoDiff, IdenticalSchemasHaveNoDifferences) {
    std::string s = data("order.proto");
    std::vector<resolved_reference> refs{ref("shop/common.proto", data("shop/common.proto"))};
    EXPECT_EQ(diffs(s, s, refs, refs), strings{});
}

TEST(ProtoDiff, PackageChangedIsCompatible) {
    std::string a = "syntax = \"proto3\";\npackage a;\nmessage M { int32 x = 1; }\n";
    std::string b = "syntax = \"proto3\";\npackage b;\nmessage M { int32 x = 1; }\n";
    EXPECT_EQ(diffs(a, b), strings{"PACKAGE_CHANGED #/"});
    EXPECT_EQ(diffs(b, a), strings{"PACKAGE_CHANGED #/"});
    EXPECT_EQ(breaks(a, b), strings{});
}

TEST(ProtoDiff, MessageAddedAndRemoved) {
    std::string one = p3("message A { int32 x = 1; }\n");
    std::string two = p3("message A { int32 x = 1; }\nmessage B { int32 y = 1; }\n");
    EXPECT_EQ(diffs(one, two), strings{"MESSAGE_ADDED #/B"});
    EXPECT_EQ(breaks(one, two), strings{});
    EXPECT_EQ(diffs(two, one), strings{"MESSAGE_REMOVED #/B"});
    EXPECT_EQ(breaks(two, one), strings{"MESSAGE_REMOVED #/B"});
    // Nested messages too.
    EXPECT_EQ(breaks(p3("message A { message N { int32 z = 1; } }\n"), p3("message A { }\n")),
              strings{"MESSAGE_REMOVED #/A/N"});
    EXPECT_EQ(diffs(p3("message A { }\n"), p3("message A { message N { int32 z = 1; } }\n")),
              strings{"MESSAGE_ADDED #/A/N"});
}

TEST(ProtoDiff, MessageMovedIsCompatible) {
    std::string ab = p3("message A { int32 x = 1; }\nmessage B { int32 y = 1; }\n");
    std::string ba = p3("message B { int32 y = 1; }\nmessage A { int32 x = 1; }\n");
    EXPECT_EQ(diffs(ab, ba), (strings{"MESSAGE_MOVED #/A", "MESSAGE_MOVED #/B"}));
    EXPECT_EQ(diffs(ba, ab), (strings{"MESSAGE_MOVED #/A", "MESSAGE_MOVED #/B"}));
    EXPECT_EQ(breaks(ab, ba), strings{});
}

TEST(ProtoDiff, EnumsAndConstantsAreCompatible) {
    std::string a = p3("enum E { E0 = 0; E1 = 1; E2 = 2; }\nmessage M { E e = 1; }\n");
    std::string b = p3("enum E { E0 = 0; ONE = 1; E3 = 3; }\nmessage M { E e = 1; }\n");
    EXPECT_EQ(diffs(a, b), (strings{"ENUM_CONST_CHANGED #/E/1", "ENUM_CONST_REMOVED #/E/2", "ENUM_CONST_ADDED #/E/3"}));
    EXPECT_EQ(diffs(b, a), (strings{"ENUM_CONST_CHANGED #/E/1", "ENUM_CONST_ADDED #/E/2", "ENUM_CONST_REMOVED #/E/3"}));
    EXPECT_EQ(breaks(a, b), strings{});
    std::string with = p3("message M { enum N { N0 = 0; } int32 x = 1; }\n");
    std::string without = p3("message M { int32 x = 1; }\n");
    EXPECT_EQ(diffs(without, with), strings{"ENUM_ADDED #/M/N"});
    EXPECT_EQ(diffs(with, without), strings{"ENUM_REMOVED #/M/N"});
    EXPECT_EQ(breaks(with, without), strings{});
}

TEST(ProtoDiff, FieldAddedRemovedRenamedAreCompatible) {
    std::string one = p3("message M { int32 x = 1; }\n");
    std::string two = p3("message M { int32 x = 1; string y = 2; }\n");
    EXPECT_EQ(diffs(one, two), strings{"FIELD_ADDED #/M/2"});
    EXPECT_EQ(diffs(two, one), strings{"FIELD_REMOVED #/M/2"});
    EXPECT_EQ(breaks(one, two), strings{});
    EXPECT_EQ(breaks(two, one), strings{});
    std::string renamed = p3("message M { int32 renamed = 1; }\n");
    EXPECT_EQ(diffs(one, renamed), strings{"FIELD_NAME_CHANGED #/M/1"});
    EXPECT_EQ(diffs(renamed, one), strings{"FIELD_NAME_CHANGED #/M/1"});
    EXPECT_EQ(breaks(one, renamed), strings{});
}

TEST(ProtoDiff, FieldKindChanged) {
    std::string scalar = p3("message M { int32 f = 1; }\nmessage V { int32 v = 1; }\n");
    std::string message = p3("message M { V f = 1; }\nmessage V { int32 v = 1; }\n");
    std::string map = p3("message M { map<string, int32> f = 1; }\nmessage V { int32 v = 1; }\n");
    EXPECT_EQ(breaks(scalar, message), strings{"FIELD_KIND_CHANGED #/M/1"});
    EXPECT_EQ(breaks(message, scalar), strings{"FIELD_KIND_CHANGED #/M/1"});
    EXPECT_EQ(breaks(scalar, map), strings{"FIELD_KIND_CHANGED #/M/1"});
    EXPECT_EQ(breaks(map, message), strings{"FIELD_KIND_CHANGED #/M/1"});
    // A map and the repeated entry message it stands for are different kinds to Confluent.
    std::string entries = p3("message M { message FEntry { string key = 1; int32 value = 2; } repeated FEntry f = 1; }\n"
                             "message V { int32 v = 1; }\n");
    EXPECT_EQ(breaks(map, entries), (strings{"FIELD_KIND_CHANGED #/M/1"}));
}

TEST(ProtoDiff, ScalarKindGroupsFollowTheWireEncoding) {
    auto field = [](const std::string& type) {
        return p3("enum E { E0 = 0; }\nenum F { F0 = 0; }\nmessage M { " + type + " f = 1; }\n");
    };
    const std::vector<strings> groups{{"int32", "int64", "uint32", "uint64", "bool", "E", "F"},
                                      {"sint32", "sint64"},
                                      {"string", "bytes"},
                                      {"fixed32", "sfixed32"},
                                      {"fixed64", "sfixed64"},
                                      {"float"},
                                      {"double"}};
    int compared = 0;
    for (size_t g = 0; g < groups.size(); ++g)
        for (size_t h = 0; h < groups.size(); ++h)
            for (const auto& a : groups[g])
                for (const auto& b : groups[h]) {
                    if (a == b) continue;
                    strings expected = g == h ? strings{} : strings{"FIELD_SCALAR_KIND_CHANGED #/M/1"};
                    EXPECT_EQ(breaks(field(a), field(b)), expected) << a << " -> " << b;
                    ++compared;
                }
    EXPECT_EQ(compared, 17 * 16); // every ordered pair of the 17 scalar and enum types
}

TEST(ProtoDiff, NamedTypeChanged) {
    std::string a = p3("message M { A f = 1; }\nmessage A { int32 x = 1; }\nmessage B { int32 x = 1; }\n");
    std::string b = p3("message M { B f = 1; }\nmessage A { int32 x = 1; }\nmessage B { int32 x = 1; }\n");
    EXPECT_EQ(breaks(a, b), strings{"FIELD_NAMED_TYPE_CHANGED #/M/1"});
    EXPECT_EQ(breaks(b, a), strings{"FIELD_NAMED_TYPE_CHANGED #/M/1"});
    // Same local name in another package is the same type to Confluent.
    std::string pa = "syntax = \"proto3\";\npackage one;\nmessage M { A f = 1; }\nmessage A { int32 x = 1; }\n";
    std::string pb = "syntax = \"proto3\";\npackage two;\nmessage M { A f = 1; }\nmessage A { int32 x = 1; }\n";
    EXPECT_EQ(breaks(pa, pb), strings{});
}

TEST(ProtoDiff, ReferencedTypesAreComparedAcrossVersions) {
    std::string user = p3("import \"money.proto\";\nmessage Order { Money total = 1; }\n");
    std::string v1 = p3("message Money { int64 units = 1; string currency = 2; }\n");
    std::string v2_compatible = p3("message Money { int64 units = 1; }\n");
    std::string v2_breaking = p3("message Money { string units = 1; string currency = 2; }\n");
    auto at = [](const std::string& text, int version) { return std::vector{ref("money.proto", text, "money", version)}; };
    // The same subject/version on both sides: nothing to compare.
    EXPECT_EQ(diffs(user, user, at(v1, 1), at(v1, 1)), strings{});
    // Another version: the referenced message is compared under its local name.
    EXPECT_EQ(diffs(user, user, at(v1, 1), at(v2_compatible, 2)), strings{"FIELD_REMOVED #/Money/2"});
    EXPECT_EQ(breaks(user, user, at(v1, 1), at(v2_compatible, 2)), strings{});
    EXPECT_EQ(breaks(user, user, at(v1, 1), at(v2_breaking, 2)),
              (strings{"FIELD_SCALAR_KIND_CHANGED #/Money/1", "FIELD_NAMED_TYPE_CHANGED #/Order/1"}));
    EXPECT_EQ(breaks(user, user, at(v2_breaking, 2), at(v1, 1)),
              (strings{"FIELD_SCALAR_KIND_CHANGED #/Money/1", "FIELD_NAMED_TYPE_CHANGED #/Order/1"}));
}

TEST(ProtoDiff, ReferencedTypesAreMatchedByLocalName) {
    // Two different references (other subjects, other packages) defining outer.Home the same
    // way: no difference; defining it differently: the nested path of the referenced message.
    std::string a = p3("import \"a.proto\";\nmessage User { .pa.outer.Home home = 1; }\n");
    std::string b = p3("import \"b.proto\";\nmessage User { .pb.outer.Home home = 1; }\n");
    auto dep = [](const std::string& pkg, const std::string& type) {
        return "syntax = \"proto3\";\npackage " + pkg + ";\nmessage outer { message Home { " + type + " id = 1; } }\n";
    };
    EXPECT_EQ(diffs(a, b, {ref("a.proto", dep("pa", "int32"))}, {ref("b.proto", dep("pb", "int64"))}), strings{});
    EXPECT_EQ(breaks(a, b, {ref("a.proto", dep("pa", "int32"))}, {ref("b.proto", dep("pb", "string"))}),
              (strings{"FIELD_SCALAR_KIND_CHANGED #/outer/Home/1", "FIELD_NAMED_TYPE_CHANGED #/User/1"}));
    // A local message moved out into a reference: removed here, the field still reads the same.
    std::string local = p3("message User { Home home = 1; }\nmessage Home { int32 id = 1; }\n");
    std::string moved = p3("import \"h.proto\";\nmessage User { Home home = 1; }\n");
    std::string h = p3("message Home { int32 id = 1; }\n");
    EXPECT_EQ(diffs(local, moved, {}, {ref("h.proto", h)}), strings{"MESSAGE_REMOVED #/Home"});
    EXPECT_EQ(diffs(moved, local, {ref("h.proto", h)}, {}), strings{"MESSAGE_ADDED #/Home"});
}

TEST(ProtoDiff, NumericLabelChanged) {
    // proto2 and proto3 `optional` carry a label; repeated is another.
    EXPECT_EQ(breaks(p2("message M { optional int32 f = 1; }\n"), p2("message M { repeated int32 f = 1; }\n")),
              strings{"FIELD_NUMERIC_LABEL_CHANGED #/M/1"});
    EXPECT_EQ(breaks(p2("message M { repeated int32 f = 1; }\n"), p2("message M { optional int32 f = 1; }\n")),
              strings{"FIELD_NUMERIC_LABEL_CHANGED #/M/1"});
    EXPECT_EQ(breaks(p3("message M { optional double f = 1; }\n"), p3("message M { repeated double f = 1; }\n")),
              strings{"FIELD_NUMERIC_LABEL_CHANGED #/M/1"});
    EXPECT_EQ(breaks(p3("enum E { E0 = 0; }\nmessage M { repeated E f = 1; }\n"),
                     p3("enum E { E0 = 0; }\nmessage M { optional E f = 1; }\n")),
              strings{"FIELD_NUMERIC_LABEL_CHANGED #/M/1"});
    // A proto3 field without a keyword has no label, so Confluent does not compare it.
    EXPECT_EQ(diffs(p3("message M { int32 f = 1; }\n"), p3("message M { repeated int32 f = 1; }\n")), strings{});
    EXPECT_EQ(diffs(p3("message M { repeated int32 f = 1; }\n"), p3("message M { int32 f = 1; }\n")), strings{});
    // Labels of message fields are not compared.
    EXPECT_EQ(diffs(p2("message V {}\nmessage M { optional V f = 1; }\n"), p2("message V {}\nmessage M { repeated V f = 1; }\n")),
              strings{});
}

TEST(ProtoDiff, StringOrBytesLabelChangedIsCompatible) {
    std::string one = p2("message M { optional string f = 1; }\n");
    std::string many = p2("message M { repeated bytes f = 1; }\n");
    EXPECT_EQ(diffs(one, many), strings{"FIELD_STRING_OR_BYTES_LABEL_CHANGED #/M/1"});
    EXPECT_EQ(diffs(many, one), strings{"FIELD_STRING_OR_BYTES_LABEL_CHANGED #/M/1"});
    EXPECT_EQ(breaks(one, many), strings{});
}

TEST(ProtoDiff, RequiredFieldAddedAndRemoved) {
    std::string without = p2("message M { optional int32 a = 1; }\n");
    std::string with = p2("message M { optional int32 a = 1; required string b = 2; }\n");
    EXPECT_EQ(breaks(without, with), strings{"REQUIRED_FIELD_ADDED #/M/2"});
    EXPECT_EQ(breaks(with, without), strings{"REQUIRED_FIELD_REMOVED #/M/2"});
}

TEST(ProtoDiff, OneofAddedAndRemovedAreCompatible) {
    std::string without = p3("message M { int32 a = 1; }\n");
    std::string with = p3("message M { int32 a = 1; oneof o { int32 b = 2; string c = 3; } }\n");
    EXPECT_EQ(diffs(without, with), strings{"ONEOF_ADDED #/M/o"});
    EXPECT_EQ(diffs(with, without), strings{"ONEOF_REMOVED #/M/o"});
    EXPECT_EQ(breaks(with, without), strings{});
    // One plain field moving into a new oneof is fine.
    EXPECT_EQ(diffs(without, p3("message M { oneof o { int32 a = 1; } }\n")), strings{"ONEOF_ADDED #/M/o"});
    // proto3 `optional` makes a synthetic oneof, which is no oneof.
    EXPECT_EQ(diffs(p3("message M { int32 a = 1; }\n"), p3("message M { optional int32 a = 1; }\n")), strings{});
}

TEST(ProtoDiff, OneofFieldAddedAndRemoved) {
    std::string one = p3("message M { oneof o { int32 a = 1; } }\n");
    std::string two = p3("message M { oneof o { int32 a = 1; string b = 2; } }\n");
    EXPECT_EQ(diffs(one, two), strings{"ONEOF_FIELD_ADDED #/M/o/2"});
    EXPECT_EQ(breaks(one, two), strings{});
    EXPECT_EQ(diffs(two, one), strings{"ONEOF_FIELD_REMOVED #/M/o/2"});
    EXPECT_EQ(breaks(two, one), strings{"ONEOF_FIELD_REMOVED #/M/o/2"});
    // Fields inside a oneof are compared like any other.
    EXPECT_EQ(breaks(one, p3("message M { oneof o { string a = 1; } }\n")), strings{"FIELD_SCALAR_KIND_CHANGED #/M/o/1"});
}

TEST(ProtoDiff, MultipleFieldsMovedToOneof) {
    std::string plain = p3("message M { int32 a = 1; int32 b = 2; }\n");
    std::string oneof = p3("message M { oneof o { int32 a = 1; int32 b = 2; } }\n");
    EXPECT_EQ(diffs(plain, oneof), (strings{"MULTIPLE_FIELDS_MOVED_TO_ONEOF #/M/o", "ONEOF_ADDED #/M/o"}));
    EXPECT_EQ(breaks(plain, oneof), strings{"MULTIPLE_FIELDS_MOVED_TO_ONEOF #/M/o"});
    // Out of a oneof again: the oneof is gone, the fields are new plain fields.
    EXPECT_EQ(diffs(oneof, plain), (strings{"ONEOF_REMOVED #/M/o", "FIELD_ADDED #/M/1", "FIELD_ADDED #/M/2"}));
    EXPECT_EQ(breaks(oneof, plain), strings{});
}

TEST(ProtoDiff, FieldMovedToExistingOneof) {
    std::string outside = p3("message M { int32 a = 1; oneof o { int32 b = 2; } }\n");
    std::string inside = p3("message M { oneof o { int32 a = 1; int32 b = 2; } }\n");
    EXPECT_EQ(diffs(outside, inside), (strings{"FIELD_MOVED_TO_EXISTING_ONEOF #/M/o", "ONEOF_FIELD_ADDED #/M/o/1"}));
    EXPECT_EQ(breaks(outside, inside), strings{"FIELD_MOVED_TO_EXISTING_ONEOF #/M/o"});
    EXPECT_EQ(diffs(inside, outside), (strings{"ONEOF_FIELD_REMOVED #/M/o/1", "FIELD_ADDED #/M/1"}));
    EXPECT_EQ(breaks(inside, outside), strings{"ONEOF_FIELD_REMOVED #/M/o/1"});
}

TEST(ProtoDiff, FieldMovedIntoARenamedOneof) {
    std::string before = p3("message M { int32 a = 1; oneof first { int32 b = 2; int32 c = 3; } }\n");
    std::string after = p3("message M { oneof second { int32 a = 1; int32 b = 2; int32 c = 3; } }\n");
    EXPECT_EQ(diffs(before, after), (strings{"FIELD_MOVED_TO_EXISTING_ONEOF #/M/second", "ONEOF_REMOVED #/M/first",
                                             "ONEOF_ADDED #/M/second"}));
}

TEST(ProtoDiff, ScalarToNestedMessageOfAnEnumsName) {
    std::string before = p3("message M { int32 s = 1; }\n");
    std::string after = p3("message M { M.Status s = 1; message Status { int32 x = 1; } }\nenum Status { S0 = 0; }\n");
    EXPECT_EQ(diffs(before, after),
              (strings{"FIELD_KIND_CHANGED #/M/1", "MESSAGE_ADDED #/M/Status", "ENUM_ADDED #/Status"}));
    EXPECT_EQ(diffs(after, before),
              (strings{"FIELD_KIND_CHANGED #/M/1", "MESSAGE_REMOVED #/M/Status", "ENUM_REMOVED #/Status"}));
}

TEST(ProtoDiff, MapKeysAndValuesAreCompared) {
    std::string a = p3("message M { map<string, int32> f = 1; }\n");
    EXPECT_EQ(breaks(a, p3("message M { map<string, int64> f = 1; }\n")), strings{});
    EXPECT_EQ(breaks(a, p3("message M { map<string, string> f = 1; }\n")), strings{"FIELD_SCALAR_KIND_CHANGED #/M/1"});
    EXPECT_EQ(breaks(a, p3("message M { map<int32, int32> f = 1; }\n")), strings{"FIELD_SCALAR_KIND_CHANGED #/M/1"});
    EXPECT_EQ(breaks(p3("message V {}\nmessage W {}\nmessage M { map<string, V> f = 1; }\n"),
                     p3("message V {}\nmessage W {}\nmessage M { map<string, W> f = 1; }\n")),
              strings{"FIELD_NAMED_TYPE_CHANGED #/M/1"});
    // Map entries are not messages of their own: adding a map adds a field, not a message.
    EXPECT_EQ(diffs(p3("message M { }\n"), a), strings{"FIELD_ADDED #/M/1"});
}

TEST(ProtoDiff, RecursiveTypesTerminate) {
    std::string user = p3("import \"node.proto\";\nmessage Tree { Node root = 1; }\n");
    std::string n1 = p3("message Node { Node next = 1; int32 v = 2; }\n");
    std::string n2 = p3("message Node { Node next = 1; string v = 2; }\n");
    auto at = [](const std::string& text, int version) { return std::vector{ref("node.proto", text, "node", version)}; };
    EXPECT_EQ(breaks(user, user, at(n1, 1), at(n2, 2)),
              (strings{"FIELD_SCALAR_KIND_CHANGED #/Node/2", "FIELD_NAMED_TYPE_CHANGED #/Tree/1"}));
    EXPECT_EQ(diffs(n1, n2), strings{"FIELD_SCALAR_KIND_CHANGED #/Node/2"});
}

TEST(ProtoDiff, SharedReferencedTypesAreComparedOnce) {
    // L0 has two fields of L1, which has two of L2, ... 40 levels: 2^40 paths, one comparison
    // per pair of messages, each difference reported once.
    auto chain = [](const std::string& leaf) {
        std::string text = "syntax = \"proto3\";\n";
        for (int i = 0; i < 40; ++i)
            text += "message L" + std::to_string(i) + " { L" + std::to_string(i + 1) + " a = 1; L" + std::to_string(i + 1) +
                    " b = 2; }\n";
        return text + "message L40 { " + leaf + " v = 1; }\n";
    };
    std::string user = p3("import \"chain.proto\";\nmessage Root { L0 x = 1; L0 y = 2; }\n");
    auto at = [](const std::string& text, int version) { return std::vector{ref("chain.proto", text, "chain", version)}; };
    strings found = breaks(user, user, at(chain("int32"), 1), at(chain("string"), 2));
    ASSERT_EQ(found.size(), 1u + 2 * 40 + 2);
    EXPECT_EQ(found.front(), "FIELD_SCALAR_KIND_CHANGED #/L40/1");
    EXPECT_EQ(found.back(), "FIELD_NAMED_TYPE_CHANGED #/Root/2");
    EXPECT_EQ(breaks(user, user, at(chain("int32"), 1), at(chain("int64"), 2)), strings{});
}

TEST(ProtoDiff, ReferenceChainsDeeperThan64AreRefused) {
    std::string text = "syntax = \"proto3\";\n";
    for (int i = 0; i < 70; ++i) text += "message C" + std::to_string(i) + " { C" + std::to_string(i + 1) + " next = 1; }\n";
    text += "message C70 { int32 v = 1; }\n";
    std::string user = p3("import \"c.proto\";\nmessage Root { C0 c = 1; }\n");
    auto at = [&](int version) { return std::vector{ref("c.proto", text, "c", version)}; };
    strings found = breaks(user, user, at(1), at(2));
    ASSERT_FALSE(found.empty());
    EXPECT_EQ(found.front(), "FIELD_NAMED_TYPE_CHANGED #/C63/1");
    // The same subject/version is not compared at all.
    EXPECT_EQ(breaks(user, user, at(1), at(1)), strings{});
}

TEST(ProtoDiff, SyntaxChangeAloneIsNoDifference) {
    // Confluent has no difference type for the syntax; proto2 optional -> proto3 plain loses the
    // label, which is not compared.
    EXPECT_EQ(diffs(p2("message M { optional int32 a = 1; }\n"), p3("message M { int32 a = 1; }\n")), strings{});
}

TEST(ProtoDiff, CheckNamesMessageFieldAndNumbers) {
    auto type = make_protobuf_type();
    auto old_s = type->parse(p3("message Order { message Line { int64 qty = 3; } }\n"), {});
    auto new_s = type->parse(p3("message Order { message Line { string qty = 3; } }\n"), {});
    ASSERT_TRUE(old_s.schema && new_s.schema);
    auto found = type->check(*new_s.schema, *old_s.schema, {});
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].type, "FIELD_SCALAR_KIND_CHANGED");
    EXPECT_EQ(found[0].path, "Order.Line.qty");
    EXPECT_EQ(found[0].info, "#/Order/Line/3");
    EXPECT_EQ(found[0].description, "field 'qty' (number 3) of t.Order.Line is int64 in the writer schema and string in "
                                    "the reader schema, which do not share a wire encoding");
    // The other direction (FORWARD's check) finds the same break.
    EXPECT_EQ(type->check(*old_s.schema, *new_s.schema, {}).size(), 1u);
}

} // namespace
} // namespace brook::registry::protobuf::test
