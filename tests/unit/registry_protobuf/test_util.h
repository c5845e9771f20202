#pragma once
// Helpers shared by the registry_protobuf tests: parse or fail the test, read data files.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "registry/protobuf/proto_schema.h"

namespace brook::registry::protobuf::test {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
inline std::string data(const std::string& name) { return read_file(std::string(BROOK_PROTO_TESTDATA) + "/" + name); }

inline resolved_reference ref(std::string name, std::string schema, std::string subject = "", int version = 1) {
    if (subject.empty()) subject = name;
    return {std::move(name), std::move(subject), version, std::move(schema)};
}

inline std::shared_ptr<const proto_schema> must_parse(std::string_view text, const std::vector<resolved_reference>& refs = {}) {
    auto out = parse_proto_schema(text, refs);
    EXPECT_TRUE(out.schema) << out.error << "\n--- schema:\n" << text;
    return out.schema;
}
inline std::string parse_error(std::string_view text, const std::vector<resolved_reference>& refs = {}) {
    auto out = parse_proto_schema(text, refs);
    EXPECT_FALSE(out.schema) << "parsed, but should not have:\n" << text;
    EXPECT_FALSE(out.error.empty());
    return out.error;
}

} // namespace brook::registry::protobuf::test
