// valijson's verdicts against an independent implementation's: validation_cases.json holds 400
// random draft-07 schemas with 5 documents each and python3-jsonschema's verdict
// (gen_validation_cases.py regenerates it). Every verdict must agree.
#include "registry/json/json_schema.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace brook::registry::json {
namespace {

TEST(json_validate, agrees_with_python_jsonschema_on_generated_cases) {
    std::ifstream in(std::string(REGISTRY_JSON_TEST_DIR) + "/validation_cases.json");
    std::stringstream buffer;
    buffer << in.rdbuf();
    const auto cases = nlohmann::json::parse(buffer.str());
    ASSERT_EQ(cases.size(), 400u);
    int compared = 0;
    int disagreements = 0;
    for (const auto& c : cases) {
        auto parsed = parse_schema(c["schema"].dump(), {});
        ASSERT_TRUE(parsed.schema) << c["schema"].dump() << ": " << parsed.error;
        for (const auto& t : c["tests"]) {
            const bool valid = validate(*parsed.schema, t["data"]).empty();
            ++compared;
            if (valid != t["valid"].get<bool>()) {
                ++disagreements;
                ADD_FAILURE() << "schema " << c["schema"].dump() << " document " << t["data"].dump()
                              << ": python-jsonschema says " << (t["valid"].get<bool>() ? "valid" : "invalid");
            }
        }
    }
    EXPECT_EQ(compared, 2000);
    EXPECT_EQ(disagreements, 0);
}

} // namespace
} // namespace brook::registry::json
