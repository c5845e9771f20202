// lazy_cache against real temp files: what a reader sees, what sync persists, what a cut drops.
#include "lazy_cache.h"

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace brook::powerfs {
namespace {

struct backing_file {
    std::filesystem::path path;
    int fd = -1;
    ino_t ino = 0;
    explicit backing_file(const std::string& initial = "") {
        char tmpl[] = "/tmp/lazy_cache_testXXXXXX";
        fd = ::mkstemp(tmpl);
        path = tmpl;
        if (!initial.empty()) {
            EXPECT_EQ(::write(fd, initial.data(), initial.size()), static_cast<ssize_t>(initial.size()));
        }
        struct stat st {};
        ::fstat(fd, &st);
        ino = st.st_ino;
    }
    ~backing_file() {
        ::close(fd);
        std::filesystem::remove(path);
    }
    std::string on_disk() const {
        struct stat st {};
        ::fstat(fd, &st);
        std::string s(static_cast<size_t>(st.st_size), '\0');
        EXPECT_EQ(::pread(fd, s.data(), s.size(), 0), static_cast<ssize_t>(s.size()));
        return s;
    }
};

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

std::string seen(lazy_cache& c, const backing_file& f, uint64_t off, size_t n) {
    std::string out(n, '\0');
    auto r = c.read(f.ino, f.fd, {reinterpret_cast<uint8_t*>(out.data()), n}, off);
    EXPECT_GE(r, 0);
    out.resize(static_cast<size_t>(std::max<ssize_t>(r, 0)));
    return out;
}

TEST(LazyCache, WritesAreVisibleButNotOnDiskUntilSync) {
    backing_file f("synced");
    lazy_cache c;
    ASSERT_EQ(c.write(f.ino, f.fd, bytes("-tail"), 6), 0);
    EXPECT_EQ(seen(c, f, 0, 100), "synced-tail");
    uint64_t size = 0;
    ASSERT_TRUE(c.size(f.ino, size));
    EXPECT_EQ(size, 11u);
    EXPECT_EQ(f.on_disk(), "synced");
    ASSERT_EQ(c.sync(f.ino), 0);
    EXPECT_EQ(f.on_disk(), "synced-tail");
    EXPECT_EQ(c.dirty_files(), 0u);
}

TEST(LazyCache, CutDropsEverythingUnsynced) {
    backing_file f("abc");
    lazy_cache c;
    std::string big(3 * page_size + 100, 'x');
    ASSERT_EQ(c.write(f.ino, f.fd, bytes(big), 3), 0);
    EXPECT_EQ(c.dirty_pages(), 4u);
    auto s = c.cut({});
    EXPECT_EQ(s.dropped, 4u);
    EXPECT_EQ(f.on_disk(), "abc");
    EXPECT_EQ(seen(c, f, 0, 10), "abc");
}

TEST(LazyCache, CutWithKeepOnePersistsEveryPage) {
    backing_file f;
    lazy_cache c;
    std::string big(2 * page_size + 7, 'k');
    ASSERT_EQ(c.write(f.ino, f.fd, bytes(big), 0), 0);
    auto s = c.cut({.keep = 1.0});
    EXPECT_EQ(s.kept, 3u);
    EXPECT_EQ(f.on_disk(), big);
}

TEST(LazyCache, TearPersistsASectorAlignedPrefixOfTheLastPageOnly) {
    for (uint64_t seed = 1; seed < 20; ++seed) {
        backing_file f;
        lazy_cache c;
        ASSERT_EQ(c.write(f.ino, f.fd, bytes(std::string(page_size, 'a')), page_size), 0); // page 1
        ASSERT_EQ(c.write(f.ino, f.fd, bytes(std::string(page_size, 'b')), 0), 0);         // page 0, last
        auto s = c.cut({.tear = true, .seed = seed});
        EXPECT_EQ(s.torn, 1u);
        EXPECT_EQ(s.dropped, 1u);
        std::string disk = f.on_disk();
        EXPECT_EQ(disk.size() % sector_size, 0u);
        EXPECT_LT(disk.size(), page_size);
        EXPECT_EQ(disk, std::string(disk.size(), 'b'));
    }
}

TEST(LazyCache, TruncateShrinksThenExtendsWithZeros) {
    backing_file f(std::string(100, 'o'));
    lazy_cache c;
    ASSERT_EQ(c.truncate(f.ino, f.fd, 10), 0);
    EXPECT_EQ(seen(c, f, 0, 100), std::string(10, 'o'));
    ASSERT_EQ(c.write(f.ino, f.fd, bytes("Z"), 50), 0);
    EXPECT_EQ(seen(c, f, 0, 100), std::string(10, 'o') + std::string(40, '\0') + "Z");
    EXPECT_EQ(f.on_disk(), std::string(100, 'o')); // the shrink is not durable yet
    ASSERT_EQ(c.sync(f.ino), 0);
    EXPECT_EQ(f.on_disk(), std::string(10, 'o') + std::string(40, '\0') + "Z");
}

TEST(LazyCache, TruncateFarFromCachedPagesReadsZerosFromTheBackingGap) {
    std::string initial(3 * page_size, 'o');
    backing_file f(initial);
    lazy_cache c;
    ASSERT_EQ(c.truncate(f.ino, f.fd, 100), 0);
    ASSERT_EQ(c.truncate(f.ino, f.fd, 3 * page_size), 0);
    EXPECT_EQ(seen(c, f, 0, 3 * page_size), std::string(100, 'o') + std::string(3 * page_size - 100, '\0'));
    c.cut({});
    EXPECT_EQ(f.on_disk(), initial);
}

TEST(LazyCache, SyncOfOneFileLeavesOthersUnsynced) {
    backing_file a, b;
    lazy_cache c;
    ASSERT_EQ(c.write(a.ino, a.fd, bytes("A"), 0), 0);
    ASSERT_EQ(c.write(b.ino, b.fd, bytes("B"), 0), 0);
    ASSERT_EQ(c.sync(a.ino), 0);
    c.cut({});
    EXPECT_EQ(a.on_disk(), "A");
    EXPECT_EQ(b.on_disk(), "");
}

} // namespace
} // namespace brook::powerfs
