// Message index paths: Confluent's wire encoding (zig-zag and python 1.7.0's unsigned form) and
// the descriptors they name.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "registry/protobuf/message_index.h"
#include "test_util.h"

namespace brook::registry::protobuf::test {
namespace {

using bytes = std::vector<uint8_t>;

TEST(MessageIndex, FirstMessageIsOneZeroByte) {
    auto r = read_message_indexes(bytes{0x00, 0x08, 0x01});
    ASSERT_TRUE(r.value) << r.error;
    EXPECT_EQ(r.value->path, std::vector<int>{0});
    EXPECT_EQ(r.value->length, 1u);
    EXPECT_EQ(write_message_indexes(std::vector<int>{0}), bytes{0x00});
    EXPECT_EQ(write_message_indexes(std::vector<int>{0}, index_encoding::unsigned_varint), bytes{0x00});
}

TEST(MessageIndex, ZigZagPaths) {
    // [1, 0]: count 2 -> 4, 1 -> 2, 0 -> 0 (Java's ByteUtils.writeVarint).
    EXPECT_EQ(write_message_indexes(std::vector<int>{1, 0}), (bytes{0x04, 0x02, 0x00}));
    auto r = read_message_indexes(bytes{0x04, 0x02, 0x00, 0xff});
    ASSERT_TRUE(r.value) << r.error;
    EXPECT_EQ(r.value->path, (std::vector<int>{1, 0}));
    EXPECT_EQ(r.value->length, 3u);
    // A large index takes two bytes: 200 -> zig-zag 400 -> 0x90 0x03.
    EXPECT_EQ(write_message_indexes(std::vector<int>{200}), (bytes{0x02, 0x90, 0x03}));
    r = read_message_indexes(bytes{0x02, 0x90, 0x03});
    ASSERT_TRUE(r.value) << r.error;
    EXPECT_EQ(r.value->path, std::vector<int>{200});
}

TEST(MessageIndex, UnsignedPathsOfPython17) {
    // confluent-kafka-python 1.7.0: [len, idx...] as plain uvarints.
    EXPECT_EQ(write_message_indexes(std::vector<int>{1, 0}, index_encoding::unsigned_varint), (bytes{0x02, 0x01, 0x00}));
    auto r = read_message_indexes(bytes{0x02, 0x01, 0x00}, index_encoding::unsigned_varint);
    ASSERT_TRUE(r.value) << r.error;
    EXPECT_EQ(r.value->path, (std::vector<int>{1, 0}));
}

TEST(MessageIndex, BadInputIsAnError) {
    EXPECT_NE(read_message_indexes(bytes{}).error, "");
    EXPECT_NE(read_message_indexes(bytes{0x80}).error, "");                // truncated count
    EXPECT_NE(read_message_indexes(bytes{0x01}).error.find("negative count"), std::string::npos);
    EXPECT_NE(read_message_indexes(bytes{0x04, 0x02}).error.find("exceeds"), std::string::npos);
    EXPECT_NE(read_message_indexes(bytes{0x04, 0x02, 0x80}).error.find("index 1"), std::string::npos);
    EXPECT_NE(read_message_indexes(bytes{0x02, 0x03}).error.find("negative index"), std::string::npos);
    EXPECT_NE(read_message_indexes(bytes{0xfe, 0xff, 0xff, 0xff, 0x0f}).error.find("exceeds"), std::string::npos);
}

TEST(MessageIndex, DescriptorsByPathAndBack) {
    auto s = must_parse(R"(syntax = "proto3";
message A { message A1 { int32 x = 1; } map<string, string> m = 1; message A2 { message A2a { int32 y = 1; } } }
message B { int32 z = 1; }
)");
    ASSERT_TRUE(s);
    auto m = message_at(*s, std::vector<int>{0});
    ASSERT_TRUE(m.message) << m.error;
    EXPECT_EQ(m.message->full_name(), "A");
    m = message_at(*s, std::vector<int>{1});
    ASSERT_TRUE(m.message) << m.error;
    EXPECT_EQ(m.message->full_name(), "B");
    // The map entry is nested type 1 (declaration order: A1, MEntry, A2), as in the descriptor
    // every client serializes.
    m = message_at(*s, std::vector<int>{0, 2, 0});
    ASSERT_TRUE(m.message) << m.error;
    EXPECT_EQ(m.message->full_name(), "A.A2.A2a");
    EXPECT_EQ(index_path(*m.message), (std::vector<int>{0, 2, 0}));
    EXPECT_EQ(index_path(*s->file().message_type(1)), std::vector<int>{1});

    EXPECT_EQ(message_at(*s, std::vector<int>{2}).error, "message index 2 out of range: the schema has 2 top-level messages");
    EXPECT_EQ(message_at(*s, std::vector<int>{1, 0}).error,
              "message index 0 at depth 1 out of range: B has 0 nested messages");
    EXPECT_EQ(message_at(*s, std::vector<int>{-1}).error.substr(0, 17), "message index -1 ");
    EXPECT_EQ(message_at(*s, std::vector<int>{}).error, "empty message index path");
}

// The bytes confluent-kafka-python 1.7.0's serializer writes (data/gen_python_schemas.py),
// read back into the messages it meant.
TEST(MessageIndex, ReadsWhatThePythonSerializerWrites) {
    auto s = must_parse(data("order.proto"), {ref("shop/common.proto", data("shop/common.proto"))});
    ASSERT_TRUE(s);
    auto cases = nlohmann::json::parse(data("python_schemas.json"))["indexes"];
    ASSERT_EQ(cases.size(), 3u);
    for (const auto& c : cases) {
        std::string hex = c["bytes"];
        bytes raw;
        for (size_t i = 0; i + 1 < hex.size(); i += 2) raw.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
        auto r = read_message_indexes(raw, index_encoding::unsigned_varint);
        ASSERT_TRUE(r.value) << r.error;
        EXPECT_EQ(r.value->length, raw.size());
        auto m = message_at(*s, r.value->path);
        ASSERT_TRUE(m.message) << m.error;
        EXPECT_EQ(m.message->full_name(), c["message"].get<std::string>());
        EXPECT_EQ(write_message_indexes(index_path(*m.message), index_encoding::unsigned_varint), raw);
    }
}

} // namespace
} // namespace brook::registry::protobuf::test
