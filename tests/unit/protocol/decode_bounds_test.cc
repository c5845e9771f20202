// Decode amplification: a declared array count must fit in the bytes left at the element's
// minimum wire size, and what a request decodes to is charged to the reader (and refused past
// its bound) before anything is reserved.
#include <gtest/gtest.h>

#include "protocol/messages.h"
#include "protocol/wire.h"

namespace brook::protocol {
namespace {

// FindCoordinator v4 body: KeyType, compact array of compact strings, tags.
std::vector<uint8_t> find_coordinator_v4(uint32_t declared, size_t actual_one_byte_keys) {
    std::vector<uint8_t> b;
    writer w(b);
    w.i8(0);
    w.uvarint(declared + 1);
    for (size_t i = 0; i < actual_one_byte_keys; ++i) {
        w.uvarint(2);
        w.i8('a');
    }
    w.uvarint(0);
    return b;
}

TEST(decode_bounds, a_count_that_cannot_fit_is_refused_before_reserving) {
    // 1 M elements claimed, 10 present: the old decoder reserved 32 MB for this.
    auto bytes = find_coordinator_v4(1'000'000, 10);
    FindCoordinatorRequest req;
    reader r(bytes);
    EXPECT_FALSE(req.decode(r, 4));
    EXPECT_EQ(req.CoordinatorKeys.capacity(), 0u);
}

TEST(decode_bounds, struct_elements_need_their_minimum_size) {
    // FindCoordinator v4 response: a Coordinator is at least 14 bytes (key, node id, host, port,
    // error code, message, tags). 20 claimed in 100 bytes cannot be.
    std::vector<uint8_t> b;
    writer w(b);
    w.i32(0);       // throttle
    w.uvarint(21);  // 20 coordinators
    b.resize(b.size() + 100);
    FindCoordinatorResponse resp;
    reader r(b);
    EXPECT_FALSE(resp.decode(r, 4));
    EXPECT_EQ(resp.Coordinators.capacity(), 0u);
}

TEST(decode_bounds, decoded_size_is_charged_and_bounded) {
    auto bytes = find_coordinator_v4(1000, 1000);
    {
        FindCoordinatorRequest req;
        reader r(bytes);
        ASSERT_TRUE(req.decode(r, 4));
        EXPECT_EQ(req.CoordinatorKeys.size(), 1000u);
        EXPECT_GE(r.decoded(), 1000 * sizeof(std::string));
    }
    FindCoordinatorRequest req;
    reader r(bytes);
    r.limit_decoded(1000 * sizeof(std::string) - 1);
    EXPECT_FALSE(req.decode(r, 4));
    EXPECT_GT(r.decoded(), r.decoded_limit());
    EXPECT_EQ(req.CoordinatorKeys.capacity(), 0u); // refused before the reservation
}

TEST(decode_bounds, long_strings_and_tag_sections_are_charged) {
    std::vector<uint8_t> b;
    writer w(b);
    w.i8(0);
    w.uvarint(2);
    w.uvarint(101);
    for (int i = 0; i < 100; ++i) w.i8('x');
    w.uvarint(0);
    FindCoordinatorRequest req;
    reader r(b);
    ASSERT_TRUE(req.decode(r, 4));
    EXPECT_EQ(r.decoded(), sizeof(std::string) + 100);
}

} // namespace
} // namespace brook::protocol
