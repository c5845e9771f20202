#include <fstream>
#include <gtest/gtest.h>

#include "storage/cluster_id.h"
#include "test_util.h"

namespace brook::storage {
namespace {

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(cluster_id, created_once_then_stable) {
    test::temp_dir dir;
    auto data = dir.path / "new" / "data"; // missing parents are created too
    auto first = load_or_create_cluster_id(data, "AAAAAAAAAAAAAAAAAAAAAA");
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, "AAAAAAAAAAAAAAAAAAAAAA");
    EXPECT_EQ(read_text(data / "_meta" / "cluster_id"), "AAAAAAAAAAAAAAAAAAAAAA\n");
    auto again = load_or_create_cluster_id(data, "BBBBBBBBBBBBBBBBBBBBBB");
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, "AAAAAAAAAAAAAAAAAAAAAA");
    // Written through a temp file that is renamed over: nothing else is left in _meta.
    std::vector<std::string> names;
    for (const auto& de : std::filesystem::directory_iterator(data / "_meta")) names.push_back(de.path().filename());
    EXPECT_EQ(names, std::vector<std::string>{"cluster_id"});
}

TEST(cluster_id, empty_file_from_a_torn_first_start_is_replaced) {
    test::temp_dir dir;
    std::filesystem::create_directories(dir.path / "_meta");
    std::ofstream(dir.path / "_meta" / "cluster_id").flush();
    auto id = load_or_create_cluster_id(dir.path, "CCCCCCCCCCCCCCCCCCCCCC");
    ASSERT_TRUE(id);
    EXPECT_EQ(*id, "CCCCCCCCCCCCCCCCCCCCCC");
    EXPECT_EQ(read_text(dir.path / "_meta" / "cluster_id"), "CCCCCCCCCCCCCCCCCCCCCC\n");
}

TEST(cluster_id, failures_are_errors_not_a_new_id) {
    test::temp_dir dir;
    // The temp file cannot be created (a directory is in its way): the id cannot be stored.
    std::filesystem::create_directories(dir.path / "_meta" / "cluster_id.tmp");
    auto id = load_or_create_cluster_id(dir.path, "DDDDDDDDDDDDDDDDDDDDDD");
    EXPECT_FALSE(id);
    EXPECT_FALSE(std::filesystem::exists(dir.path / "_meta" / "cluster_id"));
    // An id that exists but cannot be read is never replaced.
    test::temp_dir other;
    std::filesystem::create_directories(other.path / "_meta" / "cluster_id");
    EXPECT_FALSE(load_or_create_cluster_id(other.path, "EEEEEEEEEEEEEEEEEEEEEE"));
}

} // namespace
} // namespace brook::storage
