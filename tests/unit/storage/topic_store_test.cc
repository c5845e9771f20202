#include <fstream>
#include <gtest/gtest.h>

#include "storage/topic_store.h"
#include "test_util.h"

namespace brook::storage {
namespace {

TEST(topic_store, names) {
    EXPECT_TRUE(is_valid_topic_name("orders"));
    EXPECT_TRUE(is_valid_topic_name("a.b_c-D9"));
    EXPECT_TRUE(is_valid_topic_name(std::string(249, 'x')));
    EXPECT_FALSE(is_valid_topic_name(std::string(250, 'x')));
    EXPECT_FALSE(is_valid_topic_name(""));
    EXPECT_FALSE(is_valid_topic_name("."));
    EXPECT_FALSE(is_valid_topic_name(".."));
    EXPECT_FALSE(is_valid_topic_name("a/b"));
    EXPECT_FALSE(is_valid_topic_name("a b"));
}

// Kafka accepts names of up to 249 characters; their document `<name>.json` is 254 bytes, so
// the temp file of the atomic replace must not be `<name>.json.tmp` (over the 255-byte limit).
TEST(topic_store, longest_name_is_saved_and_loaded) {
    test::temp_dir dir;
    topic_store store(dir.path);
    for (size_t len : {246, 247, 248, 249}) {
        topic_metadata t{std::string(len, 'n'), {}, 1, {}};
        ASSERT_TRUE(store.save(t)) << len;
        t.configs["retention.ms"] = "1000";
        ASSERT_TRUE(store.save(t)) << len; // replacing an existing document too
    }
    auto loaded = store.load();
    ASSERT_TRUE(loaded);
    ASSERT_EQ(loaded->size(), 4u);
    EXPECT_EQ(loaded->back().name, std::string(249, 'n'));
    EXPECT_EQ(loaded->back().configs.at("retention.ms"), "1000");
    EXPECT_TRUE(store.remove(std::string(249, 'n')));
}

TEST(topic_store, save_load_remove) {
    test::temp_dir dir;
    topic_store store(dir.path);
    EXPECT_TRUE(store.load()->empty());
    topic_metadata a{"alpha", {}, 3, {{"retention.ms", "1000"}}};
    for (size_t i = 0; i < 16; ++i) a.topic_id[i] = static_cast<uint8_t>(i * 17);
    topic_metadata b{"beta", {}, 1, {}};
    b.topic_id[0] = 0xff;
    ASSERT_TRUE(store.save(b));
    ASSERT_TRUE(store.save(a));
    auto all = topic_store(dir.path).load();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0], a);
    EXPECT_EQ((*all)[1], b);

    a.partitions = 5; // replace
    ASSERT_TRUE(store.save(a));
    EXPECT_EQ(store.load()->at(0).partitions, 5);

    std::filesystem::create_directories(dir.path / "alpha" / "0");
    std::filesystem::create_directories(dir.path / "alpha" / "4");
    ASSERT_TRUE(store.remove("alpha"));
    EXPECT_FALSE(std::filesystem::exists(dir.path / "alpha"));
    ASSERT_EQ(store.load()->size(), 1u);
    EXPECT_FALSE(store.save(topic_metadata{"../evil", {}, 1, {}}));
    EXPECT_FALSE(store.remove(".."));
}

TEST(topic_store, topic_named_meta_does_not_remove_metadata) {
    test::temp_dir dir;
    topic_store store(dir.path);
    ASSERT_TRUE(store.save({"_meta", {}, 1, {}}));
    ASSERT_TRUE(store.save({"keep", {}, 1, {}}));
    std::filesystem::create_directories(dir.path / "_meta" / "0");
    ASSERT_TRUE(store.remove("_meta"));
    EXPECT_FALSE(std::filesystem::exists(dir.path / "_meta" / "0"));
    auto all = store.load();
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ(all->at(0).name, "keep");
}

TEST(topic_store, damaged_file_is_skipped) {
    test::temp_dir dir;
    topic_store store(dir.path);
    ASSERT_TRUE(store.save({"good", {}, 2, {}}));
    {
        std::ofstream f(store.topics_dir() / "bad.json");
        f << "{not json";
    }
    auto all = store.load();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ(all->at(0).name, "good");
}

} // namespace
} // namespace brook::storage
