// Confluent's JSON Schema difference rules, as data: diff_cases.json holds writer/reader pairs
// with the exact differences ("TYPE at #/path", in order) and the verdict under STRICT (and
// LENIENT where it differs). Each difference type appears with its compatible direction and
// its incompatible one where the type has both.
#include "registry/json/diff.h"
#include "registry/json/json_schema.h"
#include "registry/json/model.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

namespace brook::registry::json {
namespace {

nlohmann::json cases() {
    std::ifstream in(std::string(REGISTRY_JSON_TEST_DIR) + "/diff_cases.json");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return nlohmann::json::parse(buffer.str());
}

std::shared_ptr<const json_schema> parsed(const nlohmann::json& doc) {
    auto out = parse_schema(doc.dump(), {});
    EXPECT_TRUE(out.schema) << doc.dump() << ": " << out.error;
    return out.schema;
}

std::vector<std::string> changes(const json_schema& writer, const json_schema& reader, policy p) {
    const schema_model w(writer);
    const schema_model r(reader);
    std::vector<std::string> out;
    for (const auto& d : compare(w.root(), r.root(), p)) out.push_back(d.type + " " + d.path);
    return out;
}

bool compatible(const json_schema& writer, const json_schema& reader, policy p) {
    const schema_model w(writer);
    const schema_model r(reader);
    for (const auto& d : compare(w.root(), r.root(), p)) {
        if (!is_compatible(d.type, p)) return false;
    }
    return true;
}

TEST(json_diff, confluent_rules_case_by_case) {
    const auto all = cases();
    ASSERT_GE(all.size(), 130u);
    for (const auto& c : all) {
        const std::string name = c["description"].get<std::string>();
        auto writer = parsed(c["writer"]);
        auto reader = parsed(c["reader"]);
        if (!writer || !reader) continue;
        std::vector<std::string> expected;
        for (const auto& e : c["changes"]) expected.push_back(e.get<std::string>());
        EXPECT_EQ(changes(*writer, *reader, policy::strict), expected) << name;
        EXPECT_EQ(compatible(*writer, *reader, policy::strict), c["compatible"].get<bool>()) << name << " (STRICT)";
        const bool lenient = c.value("compatible_lenient", c["compatible"].get<bool>());
        EXPECT_EQ(compatible(*writer, *reader, policy::lenient), lenient) << name << " (LENIENT)";
    }
}

TEST(json_diff, every_difference_type_is_exercised) {
    std::set<std::string> seen;
    for (const auto& c : cases()) {
        for (const auto& e : c["changes"]) seen.insert(e.get<std::string>().substr(0, e.get<std::string>().find(' ')));
    }
    // Every type this implementation can emit (Confluent's list minus 2019-09+ keywords and the
    // metadata/reserved-property rules, which need Confluent's schema metadata).
    const std::vector<std::string> emitted = {
        "ID_CHANGED", "DESCRIPTION_CHANGED", "TITLE_CHANGED", "DEFAULT_CHANGED", "SCHEMA_ADDED", "SCHEMA_REMOVED",
        "TYPE_EXTENDED", "TYPE_NARROWED", "TYPE_CHANGED", "MAX_LENGTH_ADDED", "MAX_LENGTH_REMOVED",
        "MAX_LENGTH_INCREASED", "MAX_LENGTH_DECREASED", "MIN_LENGTH_ADDED", "MIN_LENGTH_REMOVED",
        "MIN_LENGTH_INCREASED", "MIN_LENGTH_DECREASED", "PATTERN_ADDED", "PATTERN_REMOVED", "PATTERN_CHANGED",
        "MAXIMUM_ADDED", "MAXIMUM_REMOVED", "MAXIMUM_INCREASED", "MAXIMUM_DECREASED", "MINIMUM_ADDED",
        "MINIMUM_REMOVED", "MINIMUM_INCREASED", "MINIMUM_DECREASED", "EXCLUSIVE_MAXIMUM_ADDED",
        "EXCLUSIVE_MAXIMUM_REMOVED", "EXCLUSIVE_MAXIMUM_INCREASED", "EXCLUSIVE_MAXIMUM_DECREASED",
        "EXCLUSIVE_MINIMUM_ADDED", "EXCLUSIVE_MINIMUM_REMOVED", "EXCLUSIVE_MINIMUM_INCREASED",
        "EXCLUSIVE_MINIMUM_DECREASED", "MULTIPLE_OF_ADDED", "MULTIPLE_OF_REMOVED", "MULTIPLE_OF_EXPANDED",
        "MULTIPLE_OF_REDUCED", "MULTIPLE_OF_CHANGED", "REQUIRED_ATTRIBUTE_ADDED",
        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED", "REQUIRED_ATTRIBUTE_REMOVED", "MAX_PROPERTIES_ADDED",
        "MAX_PROPERTIES_REMOVED", "MAX_PROPERTIES_INCREASED", "MAX_PROPERTIES_DECREASED", "MIN_PROPERTIES_ADDED",
        "MIN_PROPERTIES_REMOVED", "MIN_PROPERTIES_INCREASED", "MIN_PROPERTIES_DECREASED",
        "ADDITIONAL_PROPERTIES_ADDED", "ADDITIONAL_PROPERTIES_REMOVED", "ADDITIONAL_PROPERTIES_EXTENDED",
        "ADDITIONAL_PROPERTIES_NARROWED", "DEPENDENCY_ARRAY_ADDED", "DEPENDENCY_ARRAY_REMOVED",
        "DEPENDENCY_ARRAY_EXTENDED", "DEPENDENCY_ARRAY_NARROWED", "DEPENDENCY_ARRAY_CHANGED",
        "DEPENDENCY_SCHEMA_ADDED", "DEPENDENCY_SCHEMA_REMOVED", "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
        "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "MAX_ITEMS_ADDED", "MAX_ITEMS_REMOVED",
        "MAX_ITEMS_INCREASED", "MAX_ITEMS_DECREASED", "MIN_ITEMS_ADDED", "MIN_ITEMS_REMOVED", "MIN_ITEMS_INCREASED",
        "MIN_ITEMS_DECREASED", "UNIQUE_ITEMS_ADDED", "UNIQUE_ITEMS_REMOVED", "ADDITIONAL_ITEMS_ADDED",
        "ADDITIONAL_ITEMS_REMOVED", "ADDITIONAL_ITEMS_EXTENDED", "ADDITIONAL_ITEMS_NARROWED",
        "ITEM_ADDED_TO_OPEN_CONTENT_MODEL", "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
        "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "ENUM_ARRAY_EXTENDED", "ENUM_ARRAY_NARROWED", "ENUM_ARRAY_CHANGED", "COMBINED_TYPE_EXTENDED",
        "COMBINED_TYPE_CHANGED", "PRODUCT_TYPE_EXTENDED", "PRODUCT_TYPE_NARROWED", "SUM_TYPE_EXTENDED",
        "SUM_TYPE_NARROWED", "COMBINED_TYPE_SUBSCHEMAS_CHANGED", "NOT_TYPE_EXTENDED", "NOT_TYPE_NARROWED"};
    for (const auto& t : emitted) EXPECT_TRUE(seen.contains(t)) << t << " has no case in diff_cases.json";
}

TEST(json_diff, policy_sets_match_confluent) {
    EXPECT_TRUE(is_compatible("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", policy::strict));
    EXPECT_FALSE(is_compatible("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", policy::strict));
    EXPECT_TRUE(is_compatible("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", policy::lenient));
    EXPECT_TRUE(is_compatible("ADDITIONAL_PROPERTIES_REMOVED", policy::lenient));
    EXPECT_TRUE(is_compatible("ADDITIONAL_PROPERTIES_NARROWED", policy::lenient));
    EXPECT_TRUE(is_compatible("PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", policy::lenient));
    EXPECT_TRUE(is_compatible("PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", policy::lenient));
    for (const char* t : {"TYPE_CHANGED", "TYPE_NARROWED", "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
                          "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "ENUM_ARRAY_NARROWED", "SCHEMA_ADDED"}) {
        EXPECT_FALSE(is_compatible(t, policy::strict)) << t;
        EXPECT_FALSE(is_compatible(t, policy::lenient)) << t;
    }
}

TEST(json_diff, wide_recursive_unions_finish_quickly) {
    // Twelve definitions, each with two properties that are a oneOf of all twelve: the pairwise
    // union matching must be memoised or it explodes.
    nlohmann::json defs = nlohmann::json::object();
    nlohmann::json one_of = nlohmann::json::array();
    for (int i = 0; i < 12; ++i) one_of.push_back({{"$ref", "#/definitions/T" + std::to_string(i)}});
    for (int i = 0; i < 12; ++i) {
        defs["T" + std::to_string(i)] = {{"type", "object"},
                                         {"properties", {{"id", {{"type", "string"}}}, {"a", {{"oneOf", one_of}}}, {"b", {{"oneOf", one_of}}}}}};
    }
    nlohmann::json doc = {{"type", "object"}, {"definitions", defs}, {"properties", {{"root", {{"oneOf", one_of}}}}}};
    auto a = parsed(doc);
    doc["definitions"]["T3"]["properties"]["id"]["type"] = "integer";
    auto b = parsed(doc);
    ASSERT_TRUE(a && b);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(compatible(*a, *a, policy::strict));
    EXPECT_TRUE(changes(*a, *a, policy::strict).empty());
    EXPECT_FALSE(changes(*a, *b, policy::strict).empty());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

} // namespace
} // namespace brook::registry::json

namespace brook::registry::json {
namespace {

std::vector<std::shared_ptr<const json_schema>> generated_schemas() {
    std::ifstream in(std::string(REGISTRY_JSON_TEST_DIR) + "/validation_cases.json");
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::vector<std::shared_ptr<const json_schema>> out;
    for (const auto& c : nlohmann::json::parse(buffer.str())) out.push_back(parsed(c["schema"]));
    return out;
}

TEST(json_diff, every_schema_is_compatible_with_itself) {
    auto schemas = generated_schemas();
    for (const auto& c : cases()) {
        schemas.push_back(parsed(c["writer"]));
        schemas.push_back(parsed(c["reader"]));
    }
    ASSERT_GT(schemas.size(), 600u);
    for (const auto& s : schemas) {
        ASSERT_TRUE(s);
        // Compatible, though not always without differences: Confluent reports a `not` as
        // NOT_TYPE_NARROWED (compatible) even when it is unchanged.
        EXPECT_TRUE(compatible(*s, *s, policy::strict)) << s->canonical();
        // A separately parsed copy (different nodes, same text) gives the same differences.
        auto copy = parse_schema(s->canonical(), {});
        ASSERT_TRUE(copy.schema);
        EXPECT_EQ(changes(*s, *copy.schema, policy::strict), changes(*s, *s, policy::strict)) << s->canonical();
    }
}

TEST(json_diff, random_pairs_compare_deterministically) {
    // 80 x 80 generated schemas: every pair compares without failing, twice the same, and the
    // verdict never gets stricter under LENIENT.
    const auto schemas = generated_schemas();
    const std::size_t n = 80;
    int incompatible = 0;
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
            const auto first = changes(*schemas[i], *schemas[j], policy::strict);
            EXPECT_EQ(first, changes(*schemas[i], *schemas[j], policy::strict));
            const bool strict_ok = compatible(*schemas[i], *schemas[j], policy::strict);
            if (strict_ok) EXPECT_TRUE(compatible(*schemas[i], *schemas[j], policy::lenient));
            incompatible += strict_ok ? 0 : 1;
        }
    }
    EXPECT_GT(incompatible, 0);
}

} // namespace
} // namespace brook::registry::json
