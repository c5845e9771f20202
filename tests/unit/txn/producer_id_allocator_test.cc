#include "txn/producer_id_allocator.h"

#include <gtest/gtest.h>

#include <fstream>

using brook::txn::producer_id_allocator;

namespace {
std::filesystem::path fresh_dir(const char* name) {
    auto d = std::filesystem::path(testing::TempDir()) / name;
    std::filesystem::remove_all(d);
    return d;
}
} // namespace

TEST(producer_id_allocator, ids_increase_and_survive_restart) {
    auto dir = fresh_dir("pid-alloc");
    int64_t last = -1;
    {
        producer_id_allocator a(dir);
        for (int i = 0; i < 5; ++i) {
            auto id = a.next();
            ASSERT_TRUE(id);
            EXPECT_GT(id->value(), last);
            last = id->value();
        }
    }
    producer_id_allocator b(dir); // a "restart": never repeats an id handed out before
    auto id = b.next();
    ASSERT_TRUE(id);
    EXPECT_GT(id->value(), last);
    EXPECT_GE(id->value(), producer_id_allocator::block_size);
}

TEST(producer_id_allocator, crosses_blocks) {
    auto dir = fresh_dir("pid-alloc-blocks");
    producer_id_allocator a(dir);
    for (int64_t i = 0; i < producer_id_allocator::block_size * 2 + 3; ++i) ASSERT_EQ(a.next()->value(), i);
}

TEST(producer_id_allocator, corrupt_file_is_a_startup_error) {
    auto dir = fresh_dir("pid-alloc-corrupt");
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "producer_ids") << "banana\n";
    EXPECT_THROW(producer_id_allocator{dir}, std::runtime_error);
}
