#include <gtest/gtest.h>

#include "broker/offline_partitions.h"

namespace brook::broker {
namespace {

TEST(offline_partitions, mark_query_forget) {
    offline_partitions off;
    EXPECT_FALSE(off.any());
    EXPECT_FALSE(off.contains("t", 0));
    off.mark("t", 2, "cannot open /d/t/2: KAFKA_STORAGE_ERROR");
    off.mark("t", 2, "a second cause is not recorded");
    off.mark("u", 0, "another topic id");
    off.mark("t", 1, "x");
    EXPECT_TRUE(off.any());
    EXPECT_TRUE(off.contains("t", 2));
    EXPECT_FALSE(off.contains("t", 3));
    EXPECT_EQ(off.cause("t", 2), "cannot open /d/t/2: KAFKA_STORAGE_ERROR");
    auto all = off.list();
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].topic, "t");
    EXPECT_EQ(all[0].partition, 1);
    EXPECT_EQ(all[2].topic, "u");
    off.forget_topic("t");
    EXPECT_FALSE(off.contains("t", 2));
    EXPECT_TRUE(off.contains("u", 0));
    off.forget_topic("u");
    EXPECT_FALSE(off.any());
}

} // namespace
} // namespace brook::broker
