#pragma once
// A coordinator partition twice over, for tests of the coordinators on the log cleaner: `full`
// keeps every batch ever appended, `cleaned` gets the same appends and is cleaned by the real
// log cleaner (partition_log::plan_clean, storage::clean_log, install_clean: what the broker
// runs, minus the threads) whenever the test says. Appends go through coord::runtime (the
// batches the broker writes), and replays through runtime::load (the broker's load path).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <random>
#include <optional>
#include <vector>

#include "coord/runtime.h"
#include "storage/cleaner.h"
#include "storage/partition_log.h"
#include "storage/test_util.h"

namespace brook::coord::testing {

// A machine that replays nothing: the runtimes that only append.
inline machine idle_machine() {
    machine m;
    m.reset = [] {};
    m.replay = [](const batch_context&, std::span<const uint8_t>, std::optional<std::span<const uint8_t>>) {
        return error_code::none;
    };
    m.load_complete = [](timestamp_ms) {};
    m.next_deadline = [] { return std::optional<timestamp_ms>{}; };
    m.on_deadline = [](timestamp_ms) -> asio::awaitable<void> { co_return; };
    return m;
}

struct twin_log {
    // Small segments so that most of the history is sealed (the cleaner never touches the
    // active segment); any dirt is due; tombstones and markers live `delete_retention_ms`.
    static storage::log_config config(int64_t delete_retention_ms) {
        storage::log_config c;
        c.cleanup_compact = true;
        c.cleanup_delete = false;
        c.segment_bytes = 1024;
        c.min_cleanable_dirty_ratio = 0.0;
        c.delete_retention_ms = delete_retention_ms;
        return c;
    }

    twin_log(const int64_t* clock, int64_t delete_retention_ms = 30 * 60 * 1000, size_t map_bytes = 1 << 16)
        : clock_(clock), map_bytes_(map_bytes) {
        auto cfg = config(delete_retention_ms);
        full = open(dir.path / "full-0", cfg);
        cleaned = open(dir.path / "cleaned-0", cfg);
        w_full = std::make_unique<runtime>(io.get_executor(), runtime_config{"full"}, idle_machine(), env(full.get()));
        w_cleaned =
            std::make_unique<runtime>(io.get_executor(), runtime_config{"cleaned"}, idle_machine(), env(cleaned.get()));
    }

    static std::unique_ptr<storage::partition_log> open(const std::filesystem::path& p, storage::log_config cfg) {
        auto l = storage::partition_log::open(p, cfg);
        EXPECT_TRUE(l) << error_name(l.error());
        return l ? std::move(l).value() : nullptr;
    }

    environment env(storage::partition_log* log) {
        environment e;
        e.log = [log] { return log; };
        e.notify_appended = [] {};
        e.wait_durable = [log](offset) -> asio::awaitable<void> {
            log->sync();
            co_return;
        };
        e.now = [this] { return timestamp_ms(*clock_); };
        return e;
    }

    // One batch on both logs (transactional when owned), at the same offsets.
    void append(std::span<const log_record> records, std::optional<txn_owner> owner = {}) {
        if (records.empty()) return;
        auto a = w_full->append(records, owner);
        auto b = w_cleaned->append(records, owner);
        ASSERT_TRUE(a) << error_name(a.error());
        ASSERT_TRUE(b) << error_name(b.error());
        ASSERT_EQ(a->base, b->base);
    }
    void marker(producer_id pid, producer_epoch epoch, bool commit) {
        auto a = w_full->append_marker(pid, epoch, commit, 0);
        auto b = w_cleaned->append_marker(pid, epoch, commit, 0);
        ASSERT_TRUE(a) << error_name(a.error());
        ASSERT_TRUE(b) << error_name(b.error());
        ASSERT_EQ(a->base, b->base);
    }

    // Cleans `cleaned` at the current clock until no pass is due, as the broker's cleaner loop
    // would. Asserts the pass never covers the active segment.
    void clean() {
        cleaned->sync();
        for (int i = 0; i < 64; ++i) {
            auto plan = cleaned->plan_clean(timestamp_ms(*clock_));
            if (!plan) return;
            const offset active = cleaned->active().base_offset();
            for (const auto& s : plan->segments) EXPECT_LE(s.next, active) << "a pass covers the active segment";
            storage::offset_map map(map_bytes_);
            auto r = storage::clean_log(*plan, map);
            if (!r) {
                cleaned->abandon_clean();
                FAIL() << "clean pass failed: " << error_name(r.error());
            }
            auto retired = cleaned->install_clean(*r);
            ASSERT_TRUE(retired) << error_name(retired.error());
            ++passes;
            records_read += r->stats.records_read;
            records_kept += r->stats.records_kept;
        }
    }

    // runtime::load of `log` into `m` (the broker's load path).
    void load(storage::partition_log* log, machine m) {
        runtime rt(io.get_executor(), runtime_config{"replay"}, std::move(m), env(log));
        rt.load();
    }

    // On tmpfs when there is one: a history cleans hundreds of times, each pass fsyncing its
    // files, which on a shared disk costs seconds and proves nothing more here.
    struct shm_dir {
        std::filesystem::path path;
        shm_dir() {
            std::random_device rd;
            std::filesystem::path base = std::filesystem::is_directory("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                                                   : std::filesystem::temp_directory_path();
            path = base / ("brook-coord-clean-" + std::to_string(rd()) + std::to_string(rd()));
            std::filesystem::create_directories(path);
        }
        ~shm_dir() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    };
    shm_dir dir;
    boost::asio::io_context io;
    std::unique_ptr<storage::partition_log> full, cleaned;
    std::unique_ptr<runtime> w_full, w_cleaned;
    int passes = 0;
    int64_t records_read = 0, records_kept = 0;

private:
    const int64_t* clock_;
    size_t map_bytes_;
};

// Cleans a world's twin log, then: replaying the cleaned log gives the state replaying the full
// log gives (`diff(.., .., true)`: everything), and the live coordinator equals the full replay
// (`false`: what is persisted). "" or the first difference. `diff` is passed because each test
// compares its own coordinator type.
template <class World, class Diff>
std::string clean_and_compare(World& w, Diff diff) {
    w.flush();
    w.tw.clean();
    auto full = w.replay(w.tw.full.get());
    auto cleaned = w.replay(w.tw.cleaned.get());
    if (auto d = diff(*full, *cleaned, true); !d.empty()) return "cleaned replay vs full replay: " + d;
    if (auto d = diff(w.h.c, *full, false); !d.empty()) return "live vs replay: " + d;
    return {};
}

} // namespace brook::coord::testing
