// File-backed records: the writer emits the length prefix and a splice per file range instead
// of the bytes. Putting the ranges' bytes back at the splice points must give exactly the
// encoding of the same message with the bytes in memory, at every Fetch version.
#include <gtest/gtest.h>

#include <map>

#include "protocol/messages.h"

namespace brook::protocol {
namespace {

// Stand-in "files": the tests never read a descriptor, they look contents up by (fd, position).
struct fake_files {
    std::map<std::pair<int, uint64_t>, std::vector<uint8_t>> contents;
    file_range add(int fd, uint64_t pos, std::vector<uint8_t> bytes) {
        file_range r{nullptr, fd, pos, bytes.size()};
        contents[{fd, pos}] = std::move(bytes);
        return r;
    }
    const std::vector<uint8_t>& of(const file_range& r) const { return contents.at({r.fd, r.position}); }
};

std::vector<uint8_t> materialize(const std::vector<uint8_t>& body, const std::vector<file_splice>& splices,
                                 const fake_files& files) {
    std::vector<uint8_t> out;
    size_t done = 0;
    for (const auto& s : splices) {
        EXPECT_GE(s.at, done);
        out.insert(out.end(), body.begin() + static_cast<ptrdiff_t>(done), body.begin() + static_cast<ptrdiff_t>(s.at));
        const auto& b = files.of(s.range);
        out.insert(out.end(), b.begin(), b.end());
        done = s.at;
    }
    out.insert(out.end(), body.begin() + static_cast<ptrdiff_t>(done), body.end());
    return out;
}

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
    return v;
}

// Two topics, three partitions: file-backed (one range, two ranges, none) and an error one.
FetchResponse sample(bool from_files, fake_files& files) {
    std::vector<std::vector<file_range>> ranges = {
        {files.add(3, 100, pattern(300, 1))},
        {files.add(4, 0, pattern(70, 2)), files.add(4, 5000, pattern(1000, 3))},
        {},
    };
    FetchResponse resp;
    resp.ThrottleTimeMs = 0;
    resp.SessionId = 0;
    int idx = 0;
    for (const char* topic : {"a", "bb"}) {
        auto& t = resp.Responses.emplace_back();
        t.Topic = topic;
        for (int p = 0; p < 2 && idx < 3; ++p, ++idx) {
            auto& part = t.Partitions.emplace_back();
            part.PartitionIndex = p;
            part.HighWatermark = 1000 + idx;
            part.AbortedTransactions.emplace();
            if (from_files) {
                part.Records = records_data::from_files(ranges[idx]);
            } else {
                std::vector<uint8_t> bytes;
                for (const auto& r : ranges[idx]) bytes.insert(bytes.end(), files.of(r).begin(), files.of(r).end());
                part.Records = records_data(std::move(bytes));
            }
        }
    }
    auto& err = resp.Responses.back().Partitions.emplace_back();
    err.PartitionIndex = 9;
    err.ErrorCode = 3;
    err.Records = records_data(); // error partitions answer empty records
    return resp;
}

TEST(Splice, FetchEncodingMatchesInMemoryBytesAtEveryVersion) {
    for (int16_t v = FetchResponse::min_version; v <= FetchResponse::max_version; ++v) {
        fake_files files;
        auto in_files = sample(true, files);
        auto in_memory = sample(false, files);

        std::vector<uint8_t> body;
        std::vector<file_splice> splices;
        writer w(body, &splices);
        in_files.encode(w, v);
        ASSERT_EQ(splices.size(), 3u) << v;
        // The body holds only what surrounds the ranges.
        EXPECT_EQ(body.size() + 300 + 70 + 1000, materialize(body, splices, files).size());

        std::vector<uint8_t> expected;
        writer we(expected);
        in_memory.encode(we, v);
        EXPECT_EQ(materialize(body, splices, files), expected) << "v" << v;

        // The materialized frame decodes back to the in-memory message.
        FetchResponse back;
        auto bytes = materialize(body, splices, files);
        reader r(bytes);
        ASSERT_TRUE(back.decode(r, v)) << v;
        EXPECT_TRUE(back == in_memory) << v;
    }
}

TEST(Splice, TwoRangesOfOnePartitionAreAdjacent) {
    fake_files files;
    auto resp = sample(true, files);
    std::vector<uint8_t> body;
    std::vector<file_splice> splices;
    writer w(body, &splices);
    resp.encode(w, 12);
    ASSERT_EQ(splices.size(), 3u);
    EXPECT_LT(splices[0].at, splices[1].at);
    EXPECT_EQ(splices[1].at, splices[2].at); // nothing between one partition's two ranges
    EXPECT_EQ(splices[1].range.position, 0u);
    EXPECT_EQ(splices[2].range.position, 5000u);
}

TEST(Splice, WriterWithoutSpliceListRefusesFileBackedRecords) {
    fake_files files;
    auto resp = sample(true, files);
    std::vector<uint8_t> body;
    writer w(body);
    EXPECT_THROW(resp.encode(w, 12), std::logic_error);
    // In-memory records need no splice list, and a splice list collects nothing for them.
    auto plain = sample(false, files);
    std::vector<file_splice> splices;
    writer w2(body, &splices);
    plain.encode(w2, 12);
    EXPECT_TRUE(splices.empty());
}

TEST(Splice, RecordsDataFileBackedForm) {
    fake_files files;
    auto a = files.add(5, 10, pattern(20, 0));
    auto b = files.add(5, 40, pattern(5, 0));
    auto r = records_data::from_files({a, file_range{nullptr, 5, 99, 0}, b});
    EXPECT_TRUE(r.file_backed());
    EXPECT_EQ(r.files().size(), 2u); // the empty range is dropped
    EXPECT_EQ(r.size(), 25u);
    EXPECT_FALSE(r.empty());
    EXPECT_TRUE(r.bytes().empty());
    auto copy = r;
    EXPECT_TRUE(copy == r);
    auto moved = std::move(copy);
    EXPECT_TRUE(moved == r);
    EXPECT_FALSE(r == records_data::from_files({a}));
    EXPECT_FALSE(r == records_data(pattern(25, 0))); // never equal to bytes: contents unknown here
    auto none = records_data::from_files({file_range{nullptr, 5, 0, 0}});
    EXPECT_FALSE(none.file_backed());
    EXPECT_TRUE(none.empty());
    EXPECT_TRUE(none == records_data());
}

} // namespace
} // namespace brook::protocol
