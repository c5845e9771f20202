// Data-driven: every tests/golden/*.hex file is a request or response frame (size prefix
// stripped). It must decode (header + body at its version, nothing left over) and re-encode
// byte-identically. A new golden case is a new file. Format: '#' comments, hex with any spacing;
// the first line says "# request|response api_key=K api_version=V ...".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "protocol/headers.h"
#include "protocol/messages.h"

namespace brook::protocol {
namespace {

struct golden {
    std::string name;
    bool is_request{true};
    int16_t api_key{-1};
    int16_t api_version{-1};
    std::vector<uint8_t> bytes;
};

golden load(const std::filesystem::path& p) {
    golden g;
    g.name = p.filename().string();
    std::ifstream in(p);
    std::string line, hex;
    bool first = true;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] == '#') {
            if (first) {
                std::smatch m;
                std::regex re(R"(# (request|response) api_key=(\d+) api_version=(\d+))");
                if (std::regex_search(line, m, re)) {
                    g.is_request = m[1] == "request";
                    g.api_key = int16_t(std::stoi(m[2]));
                    g.api_version = int16_t(std::stoi(m[3]));
                }
            }
            first = false;
            continue;
        }
        for (char c : line)
            if (std::isxdigit(static_cast<unsigned char>(c))) hex.push_back(c);
    }
    for (size_t i = 0; i + 1 < hex.size(); i += 2) g.bytes.push_back(uint8_t(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return g;
}

std::vector<golden> all() {
    std::vector<golden> out;
    for (const auto& e : std::filesystem::directory_iterator(BROOK_GOLDEN_DIR))
        if (e.path().extension() == ".hex") out.push_back(load(e.path()));
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
    return out;
}

// Decodes g, re-encodes, and returns the re-encoded bytes via `out`; calls check(body).
template <class Check>
void round_trip(const golden& g, std::vector<uint8_t>& out, Check&& check) {
    reader r(g.bytes);
    writer w(out);
    if (g.is_request) {
        request_header h;
        ASSERT_TRUE(decode_request_header(r, h)) << g.name;
        ASSERT_EQ(h.RequestApiKey, g.api_key) << g.name;
        ASSERT_EQ(h.RequestApiVersion, g.api_version) << g.name;
        encode_request_header(w, h);
    } else {
        int32_t corr = r.i32();
        if (response_header_version(g.api_key, g.api_version) >= 1) {
            tagged_fields t;
            ASSERT_TRUE(r.tags(t)) << g.name;
        }
        encode_response_header(w, corr, response_header_version(g.api_key, g.api_version));
    }
    bool found = visit_api(g.api_key, [&]<class Req, class Resp>(std::type_identity<Req>, std::type_identity<Resp>) {
        auto go = [&]<class M>(M m) {
            ASSERT_TRUE(m.decode(r, g.api_version)) << g.name;
            EXPECT_EQ(r.remaining(), 0u) << g.name;
            m.encode(w, g.api_version);
            check(m);
        };
        if (g.is_request) go(Req{});
        else go(Resp{});
    });
    ASSERT_TRUE(found) << g.name;
}

TEST(Golden, EveryFileRoundTripsByteExact) {
    auto files = all();
    ASSERT_GE(files.size(), 6u);
    for (const auto& g : files) {
        ASSERT_GE(g.api_key, 0) << g.name << ": missing '# request|response api_key= api_version=' line";
        std::vector<uint8_t> out;
        round_trip(g, out, [](const auto&) {});
        EXPECT_EQ(out, g.bytes) << g.name;
    }
}

golden find(const std::string& name) {
    for (auto& g : all())
        if (g.name == name) return g;
    ADD_FAILURE() << "missing golden " << name;
    return {};
}

TEST(Golden, HandCheckedFieldValues) {
    std::vector<uint8_t> out;
    round_trip(find("hand_produce_v3_request.hex"), out, [](const auto& m) {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, ProduceRequest>) {
            EXPECT_FALSE(m.TransactionalId.has_value());
            EXPECT_EQ(m.Acks, -1);
            EXPECT_EQ(m.TimeoutMs, 30000);
            ASSERT_EQ(m.TopicData.size(), 1u);
            EXPECT_EQ(m.TopicData[0].Name, "t");
            EXPECT_EQ(m.TopicData[0].PartitionData.at(0).Records, (bytes{1, 2, 3}));
        } else {
            ADD_FAILURE();
        }
    });
    out.clear();
    round_trip(find("hand_metadata_v1_request.hex"), out, [](const auto& m) {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, MetadataRequest>) {
            ASSERT_TRUE(m.Topics.has_value());
            ASSERT_EQ(m.Topics->size(), 2u);
            EXPECT_EQ((*m.Topics)[0].Name, "topic");
            EXPECT_EQ((*m.Topics)[1].Name, "abc");
        } else {
            ADD_FAILURE();
        }
    });
    out.clear();
    round_trip(find("kcat_api_versions_v3_request.hex"), out, [](const auto& m) {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, ApiVersionsRequest>) {
            EXPECT_EQ(m.ClientSoftwareName, "librdkafka");
            EXPECT_FALSE(m.ClientSoftwareVersion.empty());
        } else {
            ADD_FAILURE();
        }
    });
    out.clear();
    round_trip(find("hand_produce_v9_request_unknown_tags.hex"), out, [](const auto& m) {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, ProduceRequest>) {
            EXPECT_EQ(m.unknown_tags.size(), 2u);
            EXPECT_EQ(m.TopicData.at(0).unknown_tags.at(0).tag, 10u);
        } else {
            ADD_FAILURE();
        }
    });
    out.clear();
    round_trip(find("hand_add_partitions_to_txn_v3_request.hex"), out, [](const auto& m) {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, AddPartitionsToTxnRequest>) {
            EXPECT_EQ(m.V3AndBelowTransactionalId, "tx");
            EXPECT_EQ(m.V3AndBelowProducerId, 5);
            EXPECT_EQ(m.V3AndBelowProducerEpoch, 2);
            ASSERT_EQ(m.V3AndBelowTopics.size(), 1u);
            EXPECT_EQ(m.V3AndBelowTopics[0].Name, "t");
            EXPECT_EQ(m.V3AndBelowTopics[0].Partitions, (std::vector<int32_t>{0, 1}));
        } else {
            ADD_FAILURE();
        }
    });
    out.clear();
    round_trip(find("hand_end_txn_v1_request.hex"), out, [](const auto& m) {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, EndTxnRequest>) {
            EXPECT_EQ(m.TransactionalId, "tx");
            EXPECT_EQ(m.ProducerId, 5);
            EXPECT_EQ(m.ProducerEpoch, 2);
            EXPECT_TRUE(m.Committed);
        } else {
            ADD_FAILURE();
        }
    });
}

TEST(Golden, ApiVersionsRequestV3MatchesEncoder) {
    // Build the hand-checked frame from structs and compare with the file's bytes.
    auto g = find("hand_api_versions_v3_request.hex");
    std::vector<uint8_t> out;
    writer w(out);
    encode_request_header(w, request_header{18, 3, 1, "abc", {}});
    ApiVersionsRequest req;
    req.ClientSoftwareName = "brook";
    req.ClientSoftwareVersion = "1.0";
    req.encode(w, 3);
    EXPECT_EQ(out, g.bytes);
}

} // namespace
} // namespace brook::protocol
