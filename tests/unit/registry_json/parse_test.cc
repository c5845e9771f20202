// Parsing JSON Schemas: drafts, bad JSON and bad schemas refused with a reason, canonical
// identity, references, document validation.
#include "registry/json/json_schema.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace brook::registry::json {
namespace {

std::shared_ptr<const json_schema> ok(std::string_view text, const std::vector<resolved_reference>& refs = {}) {
    auto out = parse_schema(text, refs);
    EXPECT_TRUE(out.schema) << text << " -> " << out.error;
    EXPECT_TRUE(out.error.empty());
    return out.schema;
}

std::string refused(std::string_view text, const std::vector<resolved_reference>& refs = {}) {
    auto out = parse_schema(text, refs);
    EXPECT_FALSE(out.schema) << text << " was accepted";
    EXPECT_FALSE(out.error.empty());
    return out.error;
}

TEST(json_parse, accepts_objects_and_booleans) {
    ok(R"({"type":"object","properties":{"a":{"type":"string"}}})");
    ok("{}");
    ok("true");
    ok("false");
    EXPECT_EQ(ok("{}")->kind(), schema_kind::json);
}

TEST(json_parse, bad_json_names_the_problem) {
    EXPECT_NE(refused(R"({"type":)").find("invalid JSON"), std::string::npos);
    EXPECT_NE(refused(R"({"type":"string"} trailing)").find("invalid JSON"), std::string::npos);
    EXPECT_NE(refused("").find("invalid JSON"), std::string::npos);
    EXPECT_NE(refused(R"("just a string")").find("object or a boolean"), std::string::npos);
    EXPECT_NE(refused("[1,2]").find("object or a boolean"), std::string::npos);
    EXPECT_NE(refused("42").find("object or a boolean"), std::string::npos);
}

TEST(json_parse, invalid_schemas_are_refused_against_the_meta_schema) {
    auto e = refused(R"({"type":"strin"})");
    EXPECT_NE(e.find("not a valid draft-07 JSON Schema"), std::string::npos) << e;
    EXPECT_NE(e.find("/type"), std::string::npos) << e;
    e = refused(R"({"type":"object","properties":{"a":{"minLength":-1}}})");
    EXPECT_NE(e.find("/properties/a/minLength"), std::string::npos) << e;
    refused(R"({"required":"a"})");          // draft 4+: an array
    refused(R"({"properties":[]})");         // an object of schemas
    refused(R"({"enum":"x"})");              // an array
    refused(R"({"allOf":[]})");              // at least one subschema
    refused(R"({"additionalProperties":1})");
}

TEST(json_parse, bad_regular_expressions_are_refused_with_their_place) {
    auto e = refused(R"({"type":"object","properties":{"code":{"type":"string","pattern":"(["}}})");
    EXPECT_NE(e.find("#/properties/code/pattern"), std::string::npos) << e;
    EXPECT_NE(e.find("regular expression"), std::string::npos) << e;
    e = refused(R"({"patternProperties":{"^a(":{}}})");
    EXPECT_NE(e.find("#/patternProperties"), std::string::npos) << e;
    ok(R"({"pattern":"^[A-Z]{2}-\\d+$","patternProperties":{"^x-":{"type":"string"}}})");
}

TEST(json_parse, drafts_follow_dollar_schema) {
    EXPECT_EQ(ok("{}")->schema_draft(), draft::draft7); // Confluent's default
    EXPECT_EQ(ok(R"({"$schema":"http://json-schema.org/draft-04/schema#"})")->schema_draft(), draft::draft4);
    EXPECT_EQ(ok(R"({"$schema":"http://json-schema.org/draft-06/schema#"})")->schema_draft(), draft::draft6);
    EXPECT_EQ(ok(R"({"$schema":"https://json-schema.org/draft-07/schema"})")->schema_draft(), draft::draft7);
    EXPECT_EQ(ok(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"string"})")->schema_draft(),
              draft::draft2020_12);
    EXPECT_EQ(ok(R"({"$schema":"http://example.com/my-meta"})")->schema_draft(), draft::draft7);
    // draft 4's exclusiveMaximum is a boolean; draft 6+ a number.
    ok(R"({"$schema":"http://json-schema.org/draft-04/schema#","maximum":3,"exclusiveMaximum":true})");
    refused(R"({"$schema":"http://json-schema.org/draft-07/schema#","maximum":3,"exclusiveMaximum":true})");
    refused(R"({"$schema":"http://json-schema.org/draft-04/schema#","exclusiveMaximum":3})");
    EXPECT_NE(refused(R"({"$schema":"http://json-schema.org/draft-04/schema#","not":true})").find("draft-04"),
              std::string::npos);
    EXPECT_NE(refused(R"({"$schema":"https://json-schema.org/draft/2019-09/schema"})").find("2019-09"),
              std::string::npos);
    EXPECT_NE(refused(R"({"$schema":"http://json-schema.org/draft-03/schema#"})").find("draft-03"), std::string::npos);
    EXPECT_NE(refused(R"({"$schema":7})").find("$schema"), std::string::npos);
}

TEST(json_parse, draft_2020_12_only_in_the_subset_valijson_validates) {
    auto e = refused(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"}]})");
    EXPECT_NE(e.find("'prefixItems'"), std::string::npos) << e;
    e = refused(R"({"$schema":"https://json-schema.org/draft/2020-12/schema",
                    "properties":{"a":{"unevaluatedProperties":false}}})");
    EXPECT_NE(e.find("#/properties/a"), std::string::npos) << e;
    refused(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","items":[{"type":"string"}]})");
    // A property may be called like a keyword.
    ok(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","properties":{"prefixItems":{"type":"string"}},
           "$defs":{"x":{"type":"integer"}},"items":{"$ref":"#/$defs/x"}})");
}

TEST(json_parse, canonical_form_ignores_whitespace_and_key_order) {
    auto a = ok(R"({"type":"object","properties":{"b":{"type":"string"},"a":{"type":"integer"}},"required":["b","a"]})");
    auto b = ok(R"(  {
        "required" : [ "b", "a" ],
        "properties": { "a": {"type": "integer"}, "b": {"type": "string"} },
        "type": "object"
    })");
    EXPECT_EQ(a->canonical(), b->canonical());
    EXPECT_EQ(a->canonical(),
              R"({"properties":{"a":{"type":"integer"},"b":{"type":"string"}},"required":["b","a"],"type":"object"})");
    EXPECT_EQ(a->normalized(), a->canonical());
    EXPECT_EQ(a->text(), a->canonical());
    // Array order is meaning (enum order, required order are kept) and so is every value.
    auto c = ok(R"({"type":"object","properties":{"b":{"type":"string"},"a":{"type":"integer"}},"required":["a","b"]})");
    EXPECT_NE(a->canonical(), c->canonical());
    // Non-ASCII text stays UTF-8, not \u escapes.
    EXPECT_EQ(ok(R"({"description":"Größe \u00e9"})")->canonical(), "{\"description\":\"Größe é\"}");
    // The canonical text parses to the same schema.
    EXPECT_EQ(ok(a->canonical())->canonical(), a->canonical());
}

TEST(json_parse, references_resolve_by_their_ref_name) {
    const std::vector<resolved_reference> refs = {
        {"address.json", "address", 1, R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})"},
    };
    auto s = ok(R"({"type":"object","properties":{"home":{"$ref":"address.json"}}})", refs);
    ASSERT_EQ(s->references().size(), 1u);
    EXPECT_EQ(s->references()[0].first, "address.json");
    EXPECT_TRUE(validate(*s, nlohmann::json::parse(R"({"home":{"city":"Oslo"}})")).empty());
    auto errors = validate(*s, nlohmann::json::parse(R"({"home":{"city":7}})"));
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors.front().path, "/home/city");
    EXPECT_FALSE(validate(*s, nlohmann::json::parse(R"({"home":{}})")).empty());

    // A fragment into the referenced document, and a name resolved against the root's $id.
    const std::vector<resolved_reference> defs = {
        {"http://example.com/common.json", "common", 2, R"({"definitions":{"id":{"type":"integer","minimum":1}}})"},
    };
    auto t = ok(R"({"$id":"http://example.com/order.json","properties":{"id":{"$ref":"common.json#/definitions/id"}}})",
                defs);
    EXPECT_TRUE(validate(*t, nlohmann::json::parse(R"({"id":3})")).empty());
    EXPECT_FALSE(validate(*t, nlohmann::json::parse(R"({"id":0})")).empty());

    // A reference chain: a -> b (dependencies of dependencies come first).
    const std::vector<resolved_reference> chain = {
        {"b.json", "b", 1, R"({"type":"string","maxLength":3})"},
        {"a.json", "a", 1, R"({"type":"array","items":{"$ref":"b.json"}})"},
    };
    auto u = ok(R"({"$ref":"a.json"})", chain);
    EXPECT_TRUE(validate(*u, nlohmann::json::parse(R"(["abc"])")).empty());
    EXPECT_FALSE(validate(*u, nlohmann::json::parse(R"(["abcd"])")).empty());
}

TEST(json_parse, unresolvable_and_looping_references_are_refused) {
    auto e = refused(R"({"properties":{"a":{"$ref":"missing.json"}}})");
    EXPECT_NE(e.find("missing.json"), std::string::npos) << e;
    EXPECT_NE(e.find("references"), std::string::npos) << e;
    e = refused(R"({"$ref":"#"})");
    EXPECT_NE(e.find("loop"), std::string::npos) << e;
    e = refused(R"({"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},
                    "properties":{"x":{"$ref":"#/definitions/a"}}})");
    EXPECT_NE(e.find("loop"), std::string::npos) << e;
    e = refused(R"({"properties":{"x":{"$ref":"#/definitions/nothing"}}})");
    EXPECT_NE(e.find("invalid JSON Schema"), std::string::npos) << e;
    e = refused("{}", {{"bad.json", "bad", 1, "{not json"}});
    EXPECT_NE(e.find("'bad.json'"), std::string::npos) << e;
    // Recursion through a schema (not a bare $ref chain) is fine.
    auto tree = ok(R"({"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#"}}}})");
    EXPECT_TRUE(validate(*tree, nlohmann::json::parse(R"({"children":[{"children":[]}]})")).empty());
    EXPECT_FALSE(validate(*tree, nlohmann::json::parse(R"({"children":[{"children":1}]})")).empty());
}

TEST(json_parse, meta_schema_refs_resolve_offline) {
    auto s = ok(R"({"$ref":"http://json-schema.org/draft-07/schema#"})");
    EXPECT_TRUE(validate(*s, nlohmann::json::parse(R"({"type":"string"})")).empty());
    EXPECT_FALSE(validate(*s, nlohmann::json::parse(R"({"type":"strin"})")).empty());
}

TEST(json_parse, too_deep_documents_are_refused) {
    std::string deep;
    for (int i = 0; i < 2000; ++i) deep += R"({"not":)";
    deep += "{}";
    for (int i = 0; i < 2000; ++i) deep += "}";
    EXPECT_NE(refused(deep).find("deeper"), std::string::npos);
    auto s = ok("{}");
    nlohmann::json doc = nlohmann::json::array();
    for (int i = 0; i < 2000; ++i) doc = nlohmann::json::array({doc});
    EXPECT_FALSE(validate(*s, doc).empty());
}

TEST(json_validate, reports_paths_and_accepts_valid_documents) {
    auto s = ok(R"({"type":"object","properties":{"n":{"type":"integer","maximum":10},
                    "tags":{"type":"array","items":{"type":"string"}}},"required":["n"],"additionalProperties":false})");
    EXPECT_TRUE(validate(*s, nlohmann::json::parse(R"({"n":3,"tags":["a"]})")).empty());
    auto errors = validate(*s, nlohmann::json::parse(R"({"n":11})"));
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors.front().path, "/n");
    errors = validate(*s, nlohmann::json::parse(R"({"n":1,"tags":["a",2]})"));
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors.front().path, "/tags/1");
    EXPECT_FALSE(validate(*s, nlohmann::json::parse(R"({"n":1,"extra":true})")).empty());
    EXPECT_FALSE(validate(*s, nlohmann::json::parse(R"([])")).empty());
}

TEST(json_validate, date_formats_apply_to_strings_only) {
    // valijson 1.0 checks these formats on any value; the compiled copy guards them.
    for (const char* format : {"date", "time", "date-time"}) {
        auto s = ok(std::string(R"({"format":")") + format + R"("})");
        EXPECT_TRUE(validate(*s, nlohmann::json(5)).empty()) << format;
        EXPECT_TRUE(validate(*s, nlohmann::json::object()).empty()) << format;
        EXPECT_FALSE(validate(*s, nlohmann::json("not a date")).empty()) << format;
    }
    auto s = ok(R"({"format":"date","allOf":[{"type":"string"}]})");
    EXPECT_TRUE(validate(*s, nlohmann::json("2026-12-01")).empty());
    EXPECT_FALSE(validate(*s, nlohmann::json("2026-13-01")).empty());
    EXPECT_FALSE(validate(*s, nlohmann::json(5)).empty()); // by its type
    EXPECT_EQ(s->canonical(), R"({"allOf":[{"type":"string"}],"format":"date"})"); // the stored form is untouched
}

TEST(json_validate, overlong_strings_are_an_error_not_a_stack_overflow) {
    auto s = ok(R"({"type":"object","properties":{"code":{"type":"string","pattern":"^[a-z]*$"}}})");
    EXPECT_TRUE(s->uses_regex());
    EXPECT_TRUE(validate(*s, nlohmann::json{{"code", std::string(regex_input_on_caller_stack, 'a')}}).empty());
    // Longer strings (an 8 MiB stack overflows near 30,000) run on a thread with a large stack.
    EXPECT_TRUE(validate(*s, nlohmann::json{{"code", std::string(100000, 'a')}}).empty());
    auto errors = validate(*s, nlohmann::json{{"code", std::string(100000, 'a') + "B"}});
    ASSERT_FALSE(errors.empty());
    EXPECT_TRUE(std::any_of(errors.begin(), errors.end(), [](const auto& e) { return e.path == "/code"; }));
    errors = validate(*s, nlohmann::json{{"code", std::string(max_regex_input + 1, 'a')}});
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].path, "/code");
    EXPECT_NE(errors[0].message.find("longer than"), std::string::npos);
    errors = validate(*s, nlohmann::json{{std::string(max_regex_input + 1, 'k'), 1}});
    ASSERT_EQ(errors.size(), 1u);
    // Without regular expressions long strings are fine.
    auto plain = ok(R"({"type":"object","properties":{"code":{"type":"string","maxLength":300000}}})");
    EXPECT_FALSE(plain->uses_regex());
    EXPECT_TRUE(validate(*plain, nlohmann::json{{"code", std::string(200000, 'a')}}).empty());
    // A date format uses one too.
    EXPECT_TRUE(ok(R"({"items":{"format":"date-time"}})")->uses_regex());
}

TEST(json_parse, overlong_uris_are_refused) {
    const std::string urn = "urn:brook:" + std::string(100000, 'a');
    auto e = refused(R"({"properties":{"a":{"$ref":")" + urn + R"("}}})");
    EXPECT_NE(e.find("#/properties/a"), std::string::npos) << e;
    refused(R"({"$id":")" + urn + R"("})");
}

TEST(json_validate, integral_floats_are_integers_from_draft_6_on) {
    auto d7 = ok(R"({"type":"integer","maximum":3})");
    EXPECT_TRUE(validate(*d7, nlohmann::json::parse("1.0")).empty());
    EXPECT_FALSE(validate(*d7, nlohmann::json::parse("[1.0]")).empty()); // an array is no integer
    EXPECT_FALSE(validate(*d7, nlohmann::json::parse("1.5")).empty());
    EXPECT_FALSE(validate(*d7, nlohmann::json::parse("4.0")).empty());
    auto d4 = ok(R"({"$schema":"http://json-schema.org/draft-04/schema#","type":"integer"})");
    EXPECT_FALSE(validate(*d4, nlohmann::json::parse("1.0")).empty());
}

TEST(json_validate, keywords_of_later_drafts_mean_nothing_in_earlier_ones) {
    // draft-04 has no if/then/else, const, contains or propertyNames; draft-06 no if/then/else.
    auto d4 = ok(R"({"$schema":"http://json-schema.org/draft-04/schema#","if":{"type":"string"},"then":{"maxLength":1},
                    "const":3,"contains":{"type":"string"},"propertyNames":{"maxLength":1}})");
    EXPECT_TRUE(validate(*d4, nlohmann::json("long string")).empty());
    EXPECT_TRUE(validate(*d4, nlohmann::json::parse(R"({"long":[1]})")).empty());
    auto d6 = ok(R"({"$schema":"http://json-schema.org/draft-06/schema#","if":{"type":"string"},"then":{"maxLength":1},
                    "const":"x"})");
    EXPECT_TRUE(validate(*d6, nlohmann::json("x")).empty());
    EXPECT_FALSE(validate(*d6, nlohmann::json("y")).empty()); // const is draft-06
    auto d7 = ok(R"({"if":{"type":"string"},"then":{"maxLength":1}})");
    EXPECT_FALSE(validate(*d7, nlohmann::json("long")).empty());
}

class other_kind final : public parsed_schema {
public:
    schema_kind kind() const override { return schema_kind::avro; }
    std::string canonical() const override { return "\"int\""; }
    std::string normalized() const override { return canonical(); }
};

TEST(json_validate, refuses_a_schema_of_another_kind) {
    other_kind avro;
    auto errors = validate(avro, nlohmann::json(1));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].message.find("AVRO"), std::string::npos);
}

} // namespace
} // namespace brook::registry::json
