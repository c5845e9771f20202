// flusher: group commit on a real partition log in a temp dir, driven on one io_context.
// Timing is asserted only where a timer bounds it from below (a timer never fires early), or
// with a wide margin above.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

#include "broker/flusher.h"
#include "test_util.h"

namespace brook::broker {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using storage::test::make_batch;

struct fixture {
    storage::test::temp_dir dir;
    asio::io_context io;
    std::shared_ptr<partition> part;

    fixture() {
        auto log = storage::partition_log::open(dir.path / "t-0", storage::log_config{});
        EXPECT_TRUE(log) << error_name(log.error());
        part = std::make_shared<partition>("t", 0, std::move(log).value());
    }
    offset append() {
        auto b = make_batch(3);
        auto r = part->log().append(b.bytes, b.header);
        EXPECT_TRUE(r);
        return r->last + 1;
    }
};

// Runs `body` on the fixture's io_context to completion.
template <class Body>
void run(fixture& f, Body body) {
    bool done = false;
    asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
        co_await body();
        done = true;
    }, asio::detached);
    f.io.run();
    ASSERT_TRUE(done);
}

TEST(flusher, wait_durable_returns_once_the_log_is_synced) {
    fixture f;
    flusher fl(f.io);
    run(f, [&]() -> asio::awaitable<void> {
        offset upto = f.append();
        EXPECT_LT(f.part->log().flushed_offset(), upto);
        co_await fl.wait_durable(f.part, upto);
        EXPECT_GE(f.part->log().flushed_offset(), upto);
        // Already durable: returns without a round.
        co_await fl.wait_durable(f.part, upto);
    });
    fl.stop();
}

TEST(flusher, counts_each_fsync_and_the_waits_a_round_released) {
    fixture f;
    flusher fl(f.io);
    run(f, [&]() -> asio::awaitable<void> {
        co_await fl.wait_durable(f.part, f.append());
        co_await fl.wait_durable(f.part, f.append());
    });
    fl.stop();
    EXPECT_GE(fl.stats().fsync_seconds.count(), 2u); // at least one file per round
    EXPECT_EQ(fl.stats().commit_batch.count(), 2u);  // two rounds
    EXPECT_EQ(fl.stats().commit_batch.sum(), 2);     // each released one wait
}

TEST(flusher, a_lone_producer_does_not_wait_for_the_commit_delay) {
    fixture f;
    flusher fl(f.io, 1s);
    run(f, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i) { // one at a time: each finds no round running
            auto t0 = clock_type::now();
            co_await fl.wait_durable(f.part, f.append());
            EXPECT_LT(clock_type::now() - t0, 800ms) << "round " << i;
        }
    });
    fl.stop();
}

// A produce that arrives while a round is running is synced by the next round, which starts
// `delay` after the first one ends; with no delay it starts at once.
void second_round_after(std::chrono::microseconds delay, bool expect_delayed) {
    fixture f;
    flusher fl(f.io, delay);
    clock_type::time_point first_done, second_done;
    run(f, [&]() -> asio::awaitable<void> {
        auto ex = f.io.get_executor();
        asio::co_spawn(ex, [&]() -> asio::awaitable<void> {
            co_await fl.wait_durable(f.part, f.append());
            first_done = clock_type::now();
        }, asio::detached);
        // Two turns of the (FIFO) loop: the waiter registers, then the round takes its snapshot
        // and hands the sync to the helper thread.
        co_await asio::post(ex, asio::use_awaitable);
        co_await asio::post(ex, asio::use_awaitable);
        offset second = f.append();
        co_await fl.wait_durable(f.part, second);
        second_done = clock_type::now();
        EXPECT_GE(f.part->log().flushed_offset(), second);
    });
    fl.stop();
    ASSERT_NE(first_done, clock_type::time_point{});
    if (expect_delayed) EXPECT_GE(second_done - first_done, delay);
    else EXPECT_LT(second_done - first_done, 800ms);
}

TEST(flusher, a_roll_is_synced_by_the_flusher_without_anyone_waiting) {
    storage::test::temp_dir dir;
    asio::io_context io;
    storage::log_config cfg;
    cfg.segment_bytes = 1024;
    auto part = std::make_shared<partition>("t", 0, std::move(storage::partition_log::open(dir.path / "t-0", cfg)).value());
    flusher fl(io);
    bool done = false;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        while (part->log().segment_count() < 2) {
            auto b = make_batch(2, 1000, 100);
            EXPECT_TRUE(part->log().append(b.bytes, b.header));
        }
        const offset sealed_end = part->log().segment_bases()[1];
        // The roll did not sync on this thread: the old segment is not durable yet.
        EXPECT_LT(part->log().flushed_offset(), sealed_end);
        EXPECT_TRUE(part->log().roll_pending());
        fl.request_sync(part);
        fl.request_sync(part); // one round serves both
        asio::steady_timer t(io);
        for (int i = 0; i < 500 && part->log().flushed_offset() < sealed_end; ++i) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        EXPECT_FALSE(part->log().roll_pending());
        EXPECT_GE(part->log().flushed_offset(), sealed_end);
        done = true;
    }, asio::detached);
    io.run();
    fl.stop();
    EXPECT_TRUE(done);
    EXPECT_EQ(fl.stats().commit_batch.count(), 0u); // no acks=all wait was released
}

TEST(flusher, high_watermark_moves_at_the_sync_not_at_the_append_and_wakes_fetches) {
    fixture f;
    flusher fl(f.io, 0us, 5ms);
    run(f, [&]() -> asio::awaitable<void> {
        auto wake = std::make_shared<fetch_wakeup>(f.io.get_executor());
        wake->timer.expires_at(clock_type::time_point::max());
        f.part->add_waiter(wake);
        offset end = f.append();
        // Appended but not synced: not visible to consumers, nor read by a fetch up to the HWM.
        EXPECT_EQ(f.part->high_watermark(), offset(0));
        auto r = f.part->log().read_range(offset(0), 1 << 20, f.part->high_watermark());
        EXPECT_TRUE(r && r->range.empty());
        EXPECT_FALSE(wake->woken);
        fl.request_sync(f.part);
        boost::system::error_code ec;
        co_await wake->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        EXPECT_TRUE(wake->woken); // woken by the sync
        EXPECT_EQ(f.part->high_watermark(), end);
        EXPECT_EQ(f.part->log().flushed_offset(), end);
        r = f.part->log().read_range(offset(0), 1 << 20, f.part->high_watermark());
        EXPECT_TRUE(r && !r->range.empty());
    });
    fl.stop();
}

TEST(flusher, rounds_that_only_serve_requests_are_spaced_by_the_flush_interval) {
    fixture f;
    flusher fl(f.io, 0us, 400ms);
    run(f, [&]() -> asio::awaitable<void> {
        asio::steady_timer t(f.io);
        auto visible = [&](offset end) -> asio::awaitable<clock_type::time_point> {
            while (f.part->high_watermark() < end) {
                t.expires_after(1ms);
                co_await t.async_wait(asio::use_awaitable);
            }
            co_return clock_type::now();
        };
        auto t0 = clock_type::now();
        offset a = f.append();
        fl.request_sync(f.part);
        auto t1 = co_await visible(a);
        EXPECT_LT(t1 - t0, 300ms); // an idle flusher syncs at once
        offset b = f.append();
        fl.request_sync(f.part);
        auto t2 = co_await visible(b);
        EXPECT_GE(t2 - t1, 350ms);
    });
    fl.stop();
}

TEST(flusher, an_acks_all_wait_does_not_wait_for_the_flush_interval) {
    fixture f;
    flusher fl(f.io, 0us, 10s);
    run(f, [&]() -> asio::awaitable<void> {
        f.append();
        fl.request_sync(f.part); // runs at once; the next request round is 10 s away
        asio::steady_timer t(f.io);
        t.expires_after(50ms);
        co_await t.async_wait(asio::use_awaitable);
        f.append();
        fl.request_sync(f.part);
        auto t0 = clock_type::now();
        co_await fl.wait_durable(f.part, f.append());
        EXPECT_LT(clock_type::now() - t0, 5s);
        EXPECT_EQ(f.part->high_watermark(), f.part->log().log_end());
    });
    fl.stop();
}

TEST(flusher, back_to_back_rounds_are_spaced_by_the_commit_delay) { second_round_after(1s, true); }

TEST(flusher, without_a_commit_delay_the_next_round_starts_at_once) { second_round_after(0us, false); }

} // namespace
} // namespace brook::broker
