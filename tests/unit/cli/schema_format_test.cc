// The pure parts of `brook schema`: arguments, request bodies, registry error bodies, the
// registry URL, and the verbose compatibility messages Confluent and Brook send.
#include <gtest/gtest.h>

#include "cli/schema_format.h"
#include "cli/schema_registry.h"

using namespace brook::cli;

TEST(cli_schema, types_from_names_and_extensions) {
    EXPECT_EQ(parse_schema_type("avro"), "AVRO");
    EXPECT_EQ(parse_schema_type("Protobuf"), "PROTOBUF");
    EXPECT_EQ(parse_schema_type("json"), "JSON");
    EXPECT_EQ(parse_schema_type("xml"), std::nullopt);
    EXPECT_EQ(schema_type_from_path("schemas/orders.avsc"), "AVRO");
    EXPECT_EQ(schema_type_from_path("a.b/orders.JSON"), "JSON");
    EXPECT_EQ(schema_type_from_path("orders.proto"), "PROTOBUF");
    EXPECT_EQ(schema_type_from_path("orders.avro"), std::nullopt);
    EXPECT_EQ(schema_type_from_path("dir.proto/orders"), std::nullopt);
    EXPECT_EQ(schema_type_from_path(".proto"), std::nullopt);
    EXPECT_EQ(schema_type_from_path("orders"), std::nullopt);
}

TEST(cli_schema, levels_and_versions) {
    EXPECT_EQ(parse_compatibility_level("full_transitive"), "FULL_TRANSITIVE");
    EXPECT_EQ(parse_compatibility_level("NONE"), "NONE");
    EXPECT_EQ(parse_compatibility_level("FULLY"), std::nullopt);
    EXPECT_EQ(parse_compatibility_level(""), std::nullopt);
    EXPECT_EQ(parse_schema_version("latest"), "latest");
    EXPECT_EQ(parse_schema_version("-1"), "latest");
    EXPECT_EQ(parse_schema_version("3"), "3");
    EXPECT_EQ(parse_schema_version("0"), std::nullopt);
    EXPECT_EQ(parse_schema_version("-2"), std::nullopt);
    EXPECT_EQ(parse_schema_version("3x"), std::nullopt);
    EXPECT_EQ(parse_schema_version(" 3"), std::nullopt);
    EXPECT_EQ(parse_schema_version(""), std::nullopt);
}

TEST(cli_schema, references) {
    auto r = parse_reference("common/money.proto=money-value:2");
    ASSERT_TRUE(std::holds_alternative<schema_reference>(r));
    auto ref = std::get<schema_reference>(r);
    EXPECT_EQ(ref.name, "common/money.proto");
    EXPECT_EQ(ref.subject, "money-value");
    EXPECT_EQ(ref.version, 2);
    // The version is after the last ':', so a subject may hold one.
    ref = std::get<schema_reference>(parse_reference("com.acme.Money=ctx:money:1"));
    EXPECT_EQ(ref.subject, "ctx:money");
    EXPECT_EQ(ref.version, 1);
    for (auto bad : {"money-value:1", "=s:1", "n=s", "n=:1", "n=s:0", "n=s:x", "n=s:"}) {
        auto e = parse_reference(bad);
        ASSERT_TRUE(std::holds_alternative<std::string>(e)) << bad;
        EXPECT_NE(std::get<std::string>(e).find(bad), std::string::npos) << std::get<std::string>(e);
    }
}

TEST(cli_schema, request_body_leaves_out_avro_type_and_empty_references) {
    EXPECT_EQ(schema_request("\"int\"", "AVRO", {}).dump(), R"({"schema":"\"int\""})");
    EXPECT_EQ(schema_request("syntax = \"proto3\";", "PROTOBUF", {{"a.proto", "a-value", 3}}).dump(),
              R"({"references":[{"name":"a.proto","subject":"a-value","version":3}],"schema":"syntax = \"proto3\";","schemaType":"PROTOBUF"})");
}

TEST(cli_schema, registry_error_bodies) {
    auto e = parse_registry_error(404, R"({"error_code":40401,"message":"Subject 'x' not found."})");
    EXPECT_EQ(e.status, 404);
    EXPECT_EQ(e.error_code, 40401);
    EXPECT_EQ(e.message, "Subject 'x' not found.");
    e = parse_registry_error(502, "<html>Bad Gateway</html>");
    EXPECT_EQ(e.error_code, 0);
    EXPECT_EQ(e.message, "HTTP 502 without a registry error body ('<html>Bad Gateway</html>') (is --registry a schema registry?)");
    e = parse_registry_error(501, "<html>\n    <head>\n\n  <title>Error</title>" + std::string(300, ' ') + std::string(200, 'x'));
    EXPECT_EQ(e.message, "HTTP 501 without a registry error body ('<html> <head> <title>Error</title> " + std::string(85, 'x') +
                             "...') (is --registry a schema registry?)");
    e = parse_registry_error(500, "");
    EXPECT_EQ(e.message, "HTTP 500 without a registry error body (is --registry a schema registry?)");
    e = parse_registry_error(422, R"({"error_code":42201})");
    EXPECT_EQ(e.message, "HTTP 422");
}

TEST(cli_schema, registry_urls) {
    auto u = std::get<registry_url>(parse_registry_url("http://localhost:8081"));
    EXPECT_EQ(u.host, "localhost");
    EXPECT_EQ(u.port, "8081");
    EXPECT_EQ(u.prefix, "");
    u = std::get<registry_url>(parse_registry_url("http://reg.example/sr/"));
    EXPECT_EQ(u.host, "reg.example");
    EXPECT_EQ(u.port, "80");
    EXPECT_EQ(u.prefix, "/sr");
    u = std::get<registry_url>(parse_registry_url("http://[::1]:18081"));
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.port, "18081");
    EXPECT_NE(std::get<std::string>(parse_registry_url("https://reg:8081")).find("https:// registries are not supported yet"),
              std::string::npos);
    for (auto bad : {"localhost:8081", "ftp://x", "http://", "http://:80", "http://h:0", "http://h:99999", "http://h:",
                     "http://u:p@h:1", "http://h:1/a?b", "http://[::1"}) {
        auto r = parse_registry_url(bad);
        ASSERT_TRUE(std::holds_alternative<std::string>(r)) << bad;
    }
}

TEST(cli_schema, subjects_are_one_path_segment) {
    EXPECT_EQ(encode_path_segment("orders-value"), "orders-value");
    EXPECT_EQ(encode_path_segment("a/b c?%"), "a%2Fb%20c%3F%25");
    EXPECT_EQ(encode_path_segment("ü"), "%C3%BC");
}

TEST(cli_schema, confluent_verbose_messages_name_each_change) {
    // As Confluent 7 words an Avro BACKWARD failure (two changes against version 3).
    auto messages = nlohmann::json::array({
        "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/1/type') of a field in the new schema does not match with the old schema', additionalInfo:'reader type: STRING not compatible with writer type: LONG'}",
        "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'channel' at path '/fields/3' in the new schema has no default value and is missing in the old schema', additionalInfo:'channel'}",
        "{oldSchemaVersion: 3}",
        "{oldSchema: '{\"type\":\"record\",\"name\":\"Payment\",\"fields\":[]}'}",
        "{validateFields: 'false', compatibility: 'BACKWARD'}",
    });
    auto r = parse_compatibility_messages(messages);
    ASSERT_EQ(r.changes.size(), 2u);
    EXPECT_EQ(r.level, "BACKWARD");
    EXPECT_EQ(r.changes[0].rule, "TYPE_MISMATCH");
    EXPECT_EQ(r.changes[0].description, "The type (path '/fields/1/type') of a field in the new schema does not match with the old schema");
    EXPECT_EQ(r.changes[0].info, "reader type: STRING not compatible with writer type: LONG");
    EXPECT_EQ(r.changes[0].old_version, 3);
    EXPECT_EQ(r.changes[1].rule, "READER_FIELD_MISSING_DEFAULT_VALUE");
    EXPECT_EQ(r.changes[1].info, "channel");
    EXPECT_EQ(describe(r.changes[1]),
              "READER_FIELD_MISSING_DEFAULT_VALUE: The field 'channel' at path '/fields/3' in the new schema has no "
              "default value and is missing in the old schema (channel)");
}

TEST(cli_schema, transitive_answers_attach_each_version_to_its_changes) {
    auto r = parse_compatibility_messages(nlohmann::json::array({
        R"({errorType:"TYPE_NARROWED", description:"#/properties/a narrowed"})",
        "{oldSchemaVersion: 1}",
        "{errorType:'FIELD_KIND_CHANGED', description:'#/Order/2'}",
        "{errorType:'FIELD_NAME_CHANGED', description:'#/Order/3'}",
        "{oldSchemaVersion: 2}",
        "{compatibility: 'FULL_TRANSITIVE'}",
    }));
    ASSERT_EQ(r.changes.size(), 3u);
    EXPECT_EQ(r.changes[0].rule, "TYPE_NARROWED");
    EXPECT_EQ(r.changes[0].old_version, 1);
    EXPECT_EQ(r.changes[1].old_version, 2);
    EXPECT_EQ(r.changes[2].old_version, 2);
    EXPECT_EQ(r.level, "FULL_TRANSITIVE");
}

TEST(cli_schema, other_message_forms_are_kept_whole) {
    auto r = parse_compatibility_messages(nlohmann::json::array(
        {"Found incompatible change: Difference{fullPath='#/Msg/1', type=FIELD_SCALAR_KIND_CHANGED}", 7, ""}));
    ASSERT_EQ(r.changes.size(), 1u);
    EXPECT_EQ(r.changes[0].rule, "");
    EXPECT_EQ(describe(r.changes[0]), "Found incompatible change: Difference{fullPath='#/Msg/1', type=FIELD_SCALAR_KIND_CHANGED}");
    EXPECT_EQ(r.level, std::nullopt);
    EXPECT_TRUE(parse_compatibility_messages(nlohmann::json::object()).changes.empty());
}
