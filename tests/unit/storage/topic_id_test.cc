// Topic ids in partition.meta, and the retirement of a deleted topic's directories.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "storage/partition_log.h"
#include "storage/topic_store.h"
#include "test_util.h"

namespace brook::storage {
namespace {

const topic_id_bytes id_a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const topic_id_bytes id_b = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

nlohmann::json read_meta(const std::filesystem::path& dir) {
    std::ifstream f(dir / "partition.meta");
    return nlohmann::json::parse(f);
}

TEST(topic_id, hex_round_trip) {
    EXPECT_EQ(topic_id_hex(id_a), "0102030405060708090a0b0c0d0e0f10");
    EXPECT_EQ(parse_topic_id_hex(topic_id_hex(id_a)), id_a);
    EXPECT_FALSE(parse_topic_id_hex("0102"));
    EXPECT_FALSE(parse_topic_id_hex(std::string(32, 'g')));
}

TEST(topic_id, stored_checked_and_adopted) {
    test::temp_dir dir;
    auto p = dir.path / "t" / "0";
    {
        auto log = partition_log::open(p, {}, {.files = nullptr, .topic_id = id_a});
        ASSERT_TRUE(log);
        auto b = test::make_batch(3);
        ASSERT_TRUE((*log)->append(b.bytes, b.header, append_options{timestamp_ms(1000), std::nullopt}));
        (*log)->close();
    }
    EXPECT_EQ(read_meta(p)["topic_id"], topic_id_hex(id_a));
    // Another topic's id: refused, nothing touched.
    const auto before = read_meta(p);
    auto other = partition_log::open(p, {}, {.files = nullptr, .topic_id = id_b});
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error(), error_code::inconsistent_topic_id);
    EXPECT_EQ(read_meta(p), before);
    // The right one, or none asked: opens with the data.
    auto same = partition_log::open(p, {}, {.files = nullptr, .topic_id = id_a});
    ASSERT_TRUE(same);
    EXPECT_EQ((*same)->log_end(), offset(3));
    same->reset();
    // A partition.meta without an id (older releases) adopts the one asked for.
    auto j = read_meta(p);
    j.erase("topic_id");
    std::ofstream(p / "partition.meta") << j.dump();
    ASSERT_TRUE(partition_log::open(p, {}, {.files = nullptr, .topic_id = id_b}));
    EXPECT_EQ(read_meta(p)["topic_id"], topic_id_hex(id_b));
}

TEST(topic_store, delete_retires_partition_directories) {
    test::temp_dir dir;
    topic_store store(dir.path);
    ASSERT_TRUE(store.save({"gone", id_a, 2, {}}));
    for (int p = 0; p < 2; ++p) ASSERT_TRUE(partition_log::open(dir.path / "gone" / std::to_string(p), {}));
    std::vector<std::filesystem::path> retired;
    ASSERT_TRUE(store.remove("gone", id_a, &retired));
    ASSERT_EQ(retired.size(), 2u);
    for (const auto& r : retired) {
        EXPECT_TRUE(std::filesystem::is_directory(r));
        EXPECT_TRUE(r.filename().string().ends_with("." + topic_id_hex(id_a) + "-delete")) << r;
    }
    EXPECT_FALSE(std::filesystem::exists(dir.path / "gone" / "0"));
    EXPECT_FALSE(std::filesystem::exists(store.topics_dir() / "gone.json"));
    // Found again at the next start if the removal did not happen.
    auto found = store.find_retired();
    std::sort(found.begin(), found.end());
    std::sort(retired.begin(), retired.end());
    EXPECT_EQ(found, retired);
    topic_store::remove_retired(found);
    EXPECT_TRUE(store.find_retired().empty());
    // Leftovers under a name with no metadata are retired before a create.
    ASSERT_TRUE(partition_log::open(dir.path / "gone" / "0", {}));
    ASSERT_TRUE(store.retire_leftovers("gone", nullptr));
    EXPECT_FALSE(std::filesystem::exists(dir.path / "gone" / "0"));
    EXPECT_TRUE(store.find_retired().empty());
}

} // namespace
} // namespace brook::storage
