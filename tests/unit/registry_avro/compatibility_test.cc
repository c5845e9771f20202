// Compatibility: schema resolution as Avro Java's SchemaCompatibility decides it.
#include <gtest/gtest.h>

#include "test_util.h"

namespace brook::registry::avro::test {
namespace {

std::vector<incompatibility> check(const std::string& reader, const std::string& writer) {
    auto r = parse_ok(reader);
    auto w = parse_ok(writer);
    if (!r || !w) return {{"PARSE", "", "", ""}};
    return avro().check(*r, *w, {});
}

TEST(AvroCompat, SameSchemaIsCompatible) {
    EXPECT_TRUE(check(R"("int")", R"("int")").empty());
}

} // namespace
} // namespace brook::registry::avro::test
