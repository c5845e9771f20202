// coord::runtime over a real partition_log in a temp dir, on one io_context, with a fake
// machine and a fake durability wait. Timer tests assert lateness with a margin far below the
// 100 ms of the fixed tick the runtime replaced (a timer never fires early).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

#include "base/clock.h"
#include "coord/runtime.h"
#include "storage/cleaner.h"
#include "records/record.h"
#include "test_util.h"

namespace brook::coord {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

log_record rec(std::string k, std::optional<std::string> v) {
    log_record r{{k.begin(), k.end()}, std::nullopt};
    if (v) r.value = std::vector<uint8_t>(v->begin(), v->end());
    return r;
}

std::string str(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

// What the fake machine saw, and what it answers.
struct fake {
    struct replayed {
        std::string key;
        std::optional<std::string> value;
        batch_context ctx;
    };
    struct marker {
        batch_context ctx;
        bool commit;
    };
    std::vector<replayed> records;
    std::vector<marker> markers;
    int resets = 0;
    int loads_completed = 0;
    std::optional<timestamp_ms> deadline;
    std::function<asio::awaitable<void>(timestamp_ms)> on_deadline = [](timestamp_ms) -> asio::awaitable<void> { co_return; };

    machine hooks() {
        machine m;
        m.reset = [this] {
            ++resets;
            records.clear();
            markers.clear();
        };
        m.replay = [this](const batch_context& ctx, std::span<const uint8_t> k,
                          std::optional<std::span<const uint8_t>> v) {
            if (str(k) == "bad") return error_code::corrupt_message;
            records.push_back({str(k), v ? std::optional(str(*v)) : std::nullopt, ctx});
            return error_code::none;
        };
        m.replay_marker = [this](const batch_context& ctx, bool commit) { markers.push_back({ctx, commit}); };
        m.load_complete = [this](timestamp_ms) { ++loads_completed; };
        m.next_deadline = [this] { return deadline; };
        m.on_deadline = [this](timestamp_ms now) { return on_deadline(now); };
        return m;
    }
};

struct fixture {
    storage::test::temp_dir dir;
    asio::io_context io;
    std::unique_ptr<storage::partition_log> log;
    std::vector<offset> durable_waits;
    int appended_notes = 0;

    explicit fixture(storage::log_config cfg = {}) { reopen(cfg); }
    void reopen(storage::log_config cfg = {}) {
        if (log) log->close();
        log.reset();
        auto l = storage::partition_log::open(dir.path / "c-0", cfg);
        EXPECT_TRUE(l) << error_name(l.error());
        log = std::move(l).value();
    }
    environment env() {
        environment e;
        e.log = [this] { return log.get(); };
        e.notify_appended = [this] { ++appended_notes; };
        e.wait_durable = [this](offset upto) -> asio::awaitable<void> {
            durable_waits.push_back(upto);
            log->sync();
            co_return;
        };
        return e;
    }
    std::unique_ptr<runtime> make(fake& m, runtime_config cfg = {"test-topic"}) {
        return std::make_unique<runtime>(io.get_executor(), cfg, m.hooks(), env());
    }
};

template <class Body>
void run(fixture& f, Body body) {
    bool done = false;
    asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
        co_await body();
        done = true;
    }, asio::detached);
    f.io.run_for(5s);
    f.io.restart();
    ASSERT_TRUE(done);
}

// -- timers ------------------------------------------------------------------------------------

TEST(runtime_timers, on_deadline_runs_at_the_deadline) {
    fixture f;
    fake m;
    auto rt = f.make(m);
    rt->load();
    std::optional<steady::time_point> fired;
    std::optional<timestamp_ms> fired_now;
    m.deadline = wall_clock_now() + 50;
    const auto deadline = *m.deadline;
    const auto start = steady::now();
    m.on_deadline = [&](timestamp_ms now) -> asio::awaitable<void> {
        fired = steady::now();
        fired_now = now;
        m.deadline.reset();
        rt->stop();
        co_return;
    };
    rt->start();
    f.io.run_for(2s);
    ASSERT_TRUE(fired) << "on_deadline never ran";
    EXPECT_GE(*fired_now, deadline); // never before its time (wall clock, as the machine sees it)
    const auto late = std::chrono::duration_cast<std::chrono::milliseconds>(*fired - start) - 50ms;
    EXPECT_LT(late.count(), 20) << "fired " << late.count() << " ms after the deadline";
}

TEST(runtime_timers, reschedule_brings_an_earlier_deadline_forward) {
    fixture f;
    fake m;
    auto rt = f.make(m);
    rt->load();
    m.deadline = wall_clock_now() + 60'000; // armed for a minute from now
    std::optional<steady::time_point> fired;
    m.on_deadline = [&](timestamp_ms) -> asio::awaitable<void> {
        fired = steady::now();
        m.deadline.reset();
        rt->stop();
        co_return;
    };
    rt->start();
    const auto start = steady::now();
    // 20 ms in, a call moves the deadline to 30 ms from then.
    asio::steady_timer poke(f.io, 20ms);
    poke.async_wait([&](boost::system::error_code) {
        m.deadline = wall_clock_now() + 30;
        rt->reschedule();
    });
    f.io.run_for(2s);
    ASSERT_TRUE(fired) << "the earlier deadline did not fire";
    const auto at = std::chrono::duration_cast<std::chrono::milliseconds>(*fired - start).count();
    EXPECT_GE(at, 49);
    EXPECT_LT(at, 50 + 20);
}

TEST(runtime_timers, a_throwing_on_deadline_does_not_end_the_loop) {
    fixture f;
    fake m;
    auto rt = f.make(m);
    rt->load();
    int calls = 0;
    std::vector<steady::time_point> at;
    m.deadline = wall_clock_now() + 5;
    m.on_deadline = [&](timestamp_ms now) -> asio::awaitable<void> {
        at.push_back(steady::now());
        if (++calls == 1) throw std::runtime_error("append failed"); // the deadline stays due
        m.deadline.reset();
        rt->stop();
        co_return;
    };
    rt->start();
    f.io.run_for(2s);
    ASSERT_EQ(calls, 2);
    // Retried after the back-off, not in a hot loop.
    EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(at[1] - at[0]).count(), 99);
}

TEST(runtime_timers, no_deadline_means_no_wake_up) {
    fixture f;
    fake m;
    auto rt = f.make(m);
    rt->load();
    int calls = 0;
    m.on_deadline = [&](timestamp_ms) -> asio::awaitable<void> {
        ++calls;
        co_return;
    };
    rt->start();
    f.io.run_for(150ms);
    EXPECT_EQ(calls, 0);
    // A deadline not yet due when the timer wakes (moved later meanwhile) is not fired early.
    m.deadline = wall_clock_now() + 60'000;
    rt->reschedule();
    f.io.restart();
    f.io.run_for(50ms);
    EXPECT_EQ(calls, 0);
    rt->stop();
}

// -- append and replay -------------------------------------------------------------------------

TEST(runtime_replay, data_and_control_batches_in_offset_order) {
    fixture f;
    fake m;
    auto rt = f.make(m);
    rt->load();
    EXPECT_EQ(m.loads_completed, 1);
    EXPECT_TRUE(m.records.empty());

    std::vector<log_record> first{rec("a", "1"), rec("bad", "x"), rec("b", std::nullopt)};
    ASSERT_TRUE(rt->append(first));
    // A producer's transactional batch, as a transaction coordinator's client writes it.
    auto txn = records::batch_builder().producer(producer_id(7), producer_epoch(2), sequence(0)).transactional()
                   .add("t", "v").build();
    ASSERT_TRUE(f.log->append(txn, records::read_batch_header(txn)));
    auto commit = rt->append_marker(producer_id(7), producer_epoch(2), true, 5);
    ASSERT_TRUE(commit) << error_name(commit.error());
    auto abort = rt->append_marker(producer_id(9), producer_epoch(0), false, 5);
    ASSERT_TRUE(abort) << error_name(abort.error());
    ASSERT_TRUE(rt->append(std::vector{rec("c", "3")}));
    EXPECT_EQ(f.appended_notes, 4);

    // The marker batch is what Kafka writes: transactional | control, one record.
    auto chunk = f.log->read(commit->base, 1 << 20, commit->last + 1);
    ASSERT_TRUE(chunk);
    auto h = records::read_batch_header(chunk->data);
    EXPECT_TRUE(h.is_control());
    EXPECT_TRUE(h.is_transactional());
    EXPECT_EQ(h.pid, producer_id(7));
    EXPECT_EQ(h.epoch, producer_epoch(2));
    auto decoded = records::decode_batch(std::span<const uint8_t>(chunk->data).first(h.size_bytes()));
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->records.size(), 1u);
    EXPECT_EQ(*decoded->records[0].key, (std::vector<uint8_t>{0, 0, 0, 1}));
    EXPECT_EQ(*decoded->records[0].value, (std::vector<uint8_t>{0, 0, 0, 0, 0, 5}));

    fake again;
    auto rt2 = f.make(again);
    rt2->load();
    EXPECT_EQ(again.resets, 1);
    EXPECT_EQ(again.loads_completed, 1);
    ASSERT_EQ(again.records.size(), 4u); // "bad" was skipped
    EXPECT_EQ(again.records[0].key, "a");
    EXPECT_EQ(again.records[0].value, "1");
    EXPECT_EQ(again.records[1].key, "b");
    EXPECT_FALSE(again.records[1].value);
    EXPECT_FALSE(again.records[1].ctx.transactional);
    EXPECT_EQ(again.records[1].ctx.pid, no_producer_id);
    EXPECT_EQ(again.records[2].key, "t");
    EXPECT_TRUE(again.records[2].ctx.transactional);
    EXPECT_FALSE(again.records[2].ctx.control);
    EXPECT_EQ(again.records[2].ctx.pid, producer_id(7));
    EXPECT_EQ(again.records[2].ctx.epoch, producer_epoch(2));
    EXPECT_EQ(again.records[2].ctx.base, offset(3));
    EXPECT_EQ(again.records[3].key, "c");
    ASSERT_EQ(again.markers.size(), 2u);
    EXPECT_TRUE(again.markers[0].commit);
    EXPECT_EQ(again.markers[0].ctx.pid, producer_id(7));
    EXPECT_EQ(again.markers[0].ctx.epoch, producer_epoch(2));
    EXPECT_TRUE(again.markers[0].ctx.control);
    EXPECT_EQ(again.markers[0].ctx.base, commit->base);
    EXPECT_FALSE(again.markers[1].commit);
    EXPECT_EQ(again.markers[1].ctx.pid, producer_id(9));
}

TEST(runtime_replay, transactional_append_carries_the_owner) {
    fixture f;
    fake m;
    auto rt = f.make(m);
    rt->load();
    auto r = rt->append(std::vector{rec("k", "v")}, txn_owner{producer_id(11), producer_epoch(3)});
    if (!r && r.error() == error_code::out_of_order_sequence_number)
        GTEST_SKIP() << "storage does not accept coordinator batches without a sequence yet (transactions.md §2)";
    ASSERT_TRUE(r) << error_name(r.error());
    fake again;
    auto rt2 = f.make(again);
    rt2->load();
    ASSERT_EQ(again.records.size(), 1u);
    EXPECT_TRUE(again.records[0].ctx.transactional);
    EXPECT_EQ(again.records[0].ctx.pid, producer_id(11));
    EXPECT_EQ(again.records[0].ctx.epoch, producer_epoch(3));
}

TEST(runtime_replay, commit_waits_durable_and_a_failed_append_reloads_and_returns_the_error) {
    storage::log_config small;
    small.max_message_bytes = 300;
    fixture f(small);
    fake m;
    auto rt = f.make(m);
    rt->load();
    run(f, [&]() -> asio::awaitable<void> {
        // (named vectors: GCC 12 cannot keep an initializer_list alive across co_await)
        const std::vector<log_record> one{rec("a", "1")};
        EXPECT_EQ(co_await rt->commit(one), error_code::none);
        EXPECT_EQ(f.durable_waits, std::vector<offset>{offset(1)});
        EXPECT_EQ(co_await rt->commit({}), error_code::none); // nothing to append, nothing to wait for
        EXPECT_EQ(f.durable_waits.size(), 1u);
        // The machine applied "phantom" eagerly; the append fails (too large): an answer, not
        // an exception that would close the caller's connection.
        m.records.push_back({"phantom", std::nullopt, {}});
        const std::vector<log_record> big{rec("big", std::string(1000, 'x'))};
        EXPECT_EQ(co_await rt->commit(big), error_code::message_too_large);
        EXPECT_EQ(f.durable_waits.size(), 1u); // nothing to wait for
    });
    EXPECT_EQ(m.resets, 2);
    ASSERT_EQ(m.records.size(), 1u); // what the log holds, without the phantom
    EXPECT_EQ(m.records[0].key, "a");
}

TEST(runtime_replay, failed_append_answers_map_as_kafka_does) {
    using enum error_code;
    EXPECT_EQ(failed_append_answer(message_too_large, append_kind::offset_commit), invalid_commit_offset_size);
    EXPECT_EQ(failed_append_answer(record_list_too_large, append_kind::offset_commit), invalid_commit_offset_size);
    EXPECT_EQ(failed_append_answer(invalid_fetch_size, append_kind::offset_commit), invalid_commit_offset_size);
    EXPECT_EQ(failed_append_answer(message_too_large, append_kind::metadata), unknown_server_error);
    EXPECT_EQ(failed_append_answer(kafka_storage_error, append_kind::offset_commit), coordinator_not_available);
    EXPECT_EQ(failed_append_answer(not_enough_replicas, append_kind::metadata), coordinator_not_available);
    EXPECT_EQ(failed_append_answer(corrupt_message, append_kind::offset_commit), corrupt_message);
    EXPECT_EQ(failed_append_answer(corrupt_message, append_kind::metadata), unknown_server_error);
}

// A cleaned log has gaps, and the cleaner may have removed everything after some offset while
// the active segment is empty: load reads to the end instead of failing ("cannot read").
TEST(runtime_replay, load_reads_a_cleaned_log_whose_tail_is_a_gap) {
    storage::log_config cfg;
    cfg.segment_bytes = 1024;
    cfg.cleanup_compact = true;
    cfg.min_cleanable_dirty_ratio = 0.0;
    cfg.delete_retention_ms = 0;
    fixture f(cfg);
    fake m;
    auto rt = f.make(m);
    rt->load();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(rt->append(std::vector{rec("k" + std::to_string(i % 4), std::string(40, 'v'))}));
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(rt->append(std::vector{rec("k" + std::to_string(i), std::nullopt)}));
    const offset end = f.log->log_end();
    ASSERT_EQ(f.log->roll_now(timestamp_ms(0)), error_code::none); // the active segment is empty
    f.log->sync();
    // Pass 1 keeps the tombstones with a horizon, pass 2 (past it) removes them.
    for (int64_t now : {10'000, 20'000}) {
        auto plan = f.log->plan_clean(timestamp_ms(now));
        ASSERT_TRUE(plan);
        storage::offset_map map(1 << 16);
        auto r = storage::clean_log(*plan, map);
        ASSERT_TRUE(r) << error_name(r.error());
        ASSERT_TRUE(f.log->install_clean(*r));
    }
    ASSERT_EQ(f.log->log_end(), end);
    auto tail = f.log->read(offset(0), 1 << 20, end);
    ASSERT_TRUE(tail);
    EXPECT_TRUE(tail->data.empty()) << "every batch was cleaned away";
    fake again;
    auto rt2 = f.make(again);
    EXPECT_NO_THROW(rt2->load());
    EXPECT_EQ(again.loads_completed, 1);
    EXPECT_TRUE(again.records.empty());
}

} // namespace
} // namespace brook::coord
