#include <gtest/gtest.h>

#include "registry/rest_util.h"

namespace brook::registry::rest {
namespace {

TEST(Query, DecodesAndTakesTheFirst) {
    query q("subjectPrefix=a%2Fb+c&deleted=TRUE&deleted=false&empty&x=%zz");
    EXPECT_EQ(*q.get("subjectPrefix"), "a/b c");
    EXPECT_TRUE(q.flag("deleted"));
    EXPECT_EQ(*q.get("empty"), "");
    EXPECT_FALSE(q.flag("empty"));
    EXPECT_FALSE(q.flag("missing"));
    EXPECT_EQ(*q.get("x"), "%zz");
    EXPECT_FALSE(query("").get("a"));
}

TEST(Version, LatestNumbersAndNonsense) {
    EXPECT_EQ(std::get<int>(parse_version("latest")), -1);
    EXPECT_EQ(std::get<int>(parse_version("-1")), -1);
    EXPECT_EQ(std::get<int>(parse_version("1")), 1);
    EXPECT_EQ(std::get<int>(parse_version("2147483647")), 2147483647);
    for (const char* bad : {"0", "-2", "2147483648", "one", "", "1.5", "Latest"})
        EXPECT_EQ(std::get<api_error>(parse_version(bad)).code, 42202) << bad;
}

http::request post(std::string body, std::optional<std::string> ct = std::nullopt) {
    http::request r;
    r.method = "POST";
    r.body = std::move(body);
    if (ct) r.headers.emplace_back("content-type", *ct);
    return r;
}

int status(const std::variant<schema_body, http::response>& v) {
    auto* r = std::get_if<http::response>(&v);
    return r ? r->status : 200;
}
int code(const std::variant<schema_body, http::response>& v) {
    auto* r = std::get_if<http::response>(&v);
    return r ? nlohmann::json::parse(r->body)["error_code"].get<int>() : 0;
}

TEST(SchemaBody, ContentTypes) {
    const std::string body = R"({"schema": "\"int\""})";
    for (const char* ok : {"application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json",
                           "application/json; charset=utf-8", "application/octet-stream", "Application/JSON"})
        EXPECT_EQ(status(parse_schema_body(post(body, ok))), 200) << ok;
    EXPECT_EQ(status(parse_schema_body(post(body))), 200) << "no content type";
    EXPECT_EQ(status(parse_schema_body(post(body, "text/plain"))), 415);
    EXPECT_EQ(status(parse_schema_body(post(body, "application/xml"))), 415);
}

TEST(SchemaBody, Shapes) {
    auto ok = parse_schema_body(post(R"({"schema":"x","schemaType":"JSON","references":[{"name":"n","subject":"s","version":2}],"id":-1,"version":0,"metadata":{}})"));
    ASSERT_EQ(status(ok), 200);
    const auto& b = std::get<schema_body>(ok);
    EXPECT_EQ(b.kind, schema_kind::json);
    EXPECT_EQ(b.references.size(), 1u);
    EXPECT_FALSE(b.id) << "-1 is Confluent's unset";
    EXPECT_FALSE(b.version) << "0 is Confluent's unset";
    EXPECT_EQ(status(parse_schema_body(post("{not json"))), 400);
    EXPECT_EQ(status(parse_schema_body(post("[1,2]"))), 422);
    EXPECT_EQ(code(parse_schema_body(post("{}"))), 42201);
    EXPECT_EQ(code(parse_schema_body(post(R"({"schema":""})"))), 42201);
    EXPECT_EQ(code(parse_schema_body(post(R"({"schema":{"type":"int"}})"))), 422);
    EXPECT_EQ(code(parse_schema_body(post(R"({"schema":"x","schemaType":"XML"})"))), 42201);
    EXPECT_EQ(code(parse_schema_body(post(R"({"schema":"x","references":{}})"))), 422);
    EXPECT_EQ(code(parse_schema_body(post(R"({"schema":"x","references":[{"name":"n"}]})"))), 422);
    EXPECT_EQ(code(parse_schema_body(post(R"({"schema":"x","id":"7"})"))), 422);
    EXPECT_EQ(code(parse_schema_body(post(R"({"schema":"x","version":-5})"))), 42202);
}

} // namespace
} // namespace brook::registry::rest
