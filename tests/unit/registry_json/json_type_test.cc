// The schema_type the registry core uses: parse outcomes, and check(reader, writer) mapped to
// Confluent's isBackwardCompatible (BACKWARD = check(new, old), FORWARD = check(old, new)),
// the STRICT/LENIENT policy, and the shape of each incompatibility.
#include "registry/schema_type.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace brook::registry {
namespace {

std::shared_ptr<const parsed_schema> parse(const schema_type& t, std::string_view text,
                                           const std::vector<resolved_reference>& refs = {}) {
    auto out = t.parse(text, refs);
    EXPECT_TRUE(out.schema) << text << ": " << out.error;
    return out.schema;
}

TEST(json_type, parses_and_reports_errors) {
    auto t = make_json_type();
    EXPECT_EQ(t->kind(), schema_kind::json);
    auto s = parse(*t, R"({ "type": "string" })");
    EXPECT_EQ(s->kind(), schema_kind::json);
    EXPECT_EQ(s->text(), R"({"type":"string"})");
    auto bad = t->parse("{", {});
    EXPECT_FALSE(bad.schema);
    EXPECT_NE(bad.error.find("invalid JSON"), std::string::npos);
    bad = t->parse(R"({"type":12})", {});
    EXPECT_FALSE(bad.schema);
    EXPECT_NE(bad.error.find("JSON Schema"), std::string::npos);
}

const char* v1 = R"({"type":"object","properties":{"sku":{"type":"string"}},"required":["sku"]})";
const char* v2_added_open = R"({"type":"object","properties":{"sku":{"type":"string"},"note":{"type":"string"}},"required":["sku"]})";

TEST(json_type, backward_and_forward_map_to_confluent_directions) {
    auto t = make_json_type();
    auto old_schema = parse(*t, v1);
    auto new_schema = parse(*t, v2_added_open);
    // BACKWARD: the new schema reads what the old wrote. Adding a property to an open content
    // model is not (the old writer may have put anything under "note").
    auto backward = t->check(*new_schema, *old_schema, {});
    ASSERT_EQ(backward.size(), 1u);
    EXPECT_EQ(backward[0].type, "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL");
    EXPECT_EQ(backward[0].path, "#/properties/note");
    EXPECT_EQ(backward[0].info, "note");
    EXPECT_NE(backward[0].description.find("property 'note'"), std::string::npos) << backward[0].description;
    // FORWARD: the old schema reads what the new wrote: the property was removed from an open
    // content model, which is compatible.
    EXPECT_TRUE(t->check(*old_schema, *new_schema, {}).empty());
    // Identical schemas are compatible both ways.
    EXPECT_TRUE(t->check(*old_schema, *old_schema, {}).empty());
}

TEST(json_type, lenient_policy_allows_open_content_model_additions) {
    auto t = make_json_type();
    auto old_schema = parse(*t, v1);
    auto new_schema = parse(*t, v2_added_open);
    check_options lenient;
    lenient.json_policy = "LENIENT";
    EXPECT_TRUE(t->check(*new_schema, *old_schema, lenient).empty());
    lenient.json_policy = "lenient";
    EXPECT_TRUE(t->check(*new_schema, *old_schema, lenient).empty());
    check_options strict;
    strict.json_policy = "STRICT";
    EXPECT_EQ(t->check(*new_schema, *old_schema, strict).size(), 1u);
    check_options unknown;
    unknown.json_policy = "SOMETHING";
    EXPECT_EQ(t->check(*new_schema, *old_schema, unknown).size(), 1u); // unknown = STRICT, the default
    // LENIENT still refuses a real type change.
    auto retyped = parse(*t, R"({"type":"object","properties":{"sku":{"type":"integer"}},"required":["sku"]})");
    auto r = t->check(*retyped, *old_schema, lenient);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].type, "TYPE_CHANGED");
    EXPECT_NE(r[0].description.find("property 'sku'"), std::string::npos) << r[0].description;
}

TEST(json_type, every_incompatibility_is_listed_with_a_sentence) {
    auto t = make_json_type();
    auto w = parse(*t, R"({"type":"object","properties":{"qty":{"type":"number"},"code":{"type":"string","maxLength":9}},
                          "additionalProperties":false})");
    auto r = parse(*t, R"({"type":"object","properties":{"qty":{"type":"integer"},"code":{"type":"string","maxLength":4},
                          "batch":{"type":"string"}},"required":["batch"],"additionalProperties":false})");
    auto result = t->check(*r, *w, {});
    std::vector<std::string> types;
    for (const auto& i : result) {
        types.push_back(i.type + " " + i.path);
        EXPECT_FALSE(i.description.empty());
        EXPECT_NE(i.description.find(i.path), std::string::npos) << i.description;
    }
    EXPECT_EQ(types, (std::vector<std::string>{"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL #/properties/batch",
                                               "MAX_LENGTH_DECREASED #/properties/code/maxLength",
                                               "TYPE_NARROWED #/properties/qty"}));
    EXPECT_NE(result[1].description.find("'maxLength' of property 'code'"), std::string::npos) << result[1].description;
}

TEST(json_type, references_take_part_in_the_check) {
    auto t = make_json_type();
    const std::vector<resolved_reference> addr_v1 = {
        {"address.json", "address", 1, R"({"type":"object","properties":{"zip":{"type":"string"}}})"}};
    const std::vector<resolved_reference> addr_v2 = {
        {"address.json", "address", 2, R"({"type":"object","properties":{"zip":{"type":"integer"}}})"}};
    const char* order = R"({"type":"object","properties":{"ship":{"$ref":"address.json"}}})";
    auto old_schema = parse(*t, order, addr_v1);
    auto new_schema = parse(*t, order, addr_v2);
    auto r = t->check(*new_schema, *old_schema, {});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].type, "TYPE_CHANGED");
    EXPECT_EQ(r[0].path, "#/properties/ship/properties/zip");
    EXPECT_TRUE(t->check(*old_schema, *parse(*t, order, addr_v1), {}).empty());
}

TEST(json_type, an_overlong_ref_chain_is_reported_not_compared) {
    auto t = make_json_type();
    nlohmann::json defs = nlohmann::json::object();
    const int hops = 700;
    for (int i = 0; i < hops; ++i) {
        defs["d" + std::to_string(i)] = {{"type", "object"},
                                         {"properties", {{"next", {{"$ref", "#/definitions/d" + std::to_string(i + 1)}}}}}};
    }
    defs["d" + std::to_string(hops)] = {{"type", "string"}};
    nlohmann::json doc = {{"$ref", "#/definitions/d0"}, {"definitions", defs}};
    auto s = parse(*t, doc.dump());
    ASSERT_TRUE(s);
    auto r = t->check(*s, *s, {});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_NE(r[0].description.find("$refs deep"), std::string::npos);
}

class avro_like final : public parsed_schema {
public:
    schema_kind kind() const override { return schema_kind::avro; }
    std::string canonical() const override { return "\"string\""; }
    std::string normalized() const override { return canonical(); }
};

TEST(json_type, another_schema_kind_is_incompatible) {
    auto t = make_json_type();
    auto s = parse(*t, R"({"type":"string"})");
    avro_like avro;
    auto r = t->check(*s, avro, {});
    ASSERT_EQ(r.size(), 1u);
    EXPECT_NE(r[0].description.find("AVRO"), std::string::npos);
}

} // namespace
} // namespace brook::registry
