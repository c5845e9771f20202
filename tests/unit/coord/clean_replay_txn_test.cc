// __transaction_state on the log cleaner: replaying the cleaned partition rebuilds exactly what
// replaying the full one does, and both hold the live coordinator's state. Random histories
// (InitProducerId with ids from a real producer_id_allocator, AddPartitions/AddOffsets, EndTxn,
// markers written, transaction timeouts and transactional id expiry) are written through the
// transaction coordinator into a twin_log, cleaned at random points past delete.retention.ms.
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "clean_test_util.h"
#include "txn/producer_id_allocator.h"
#include "txn/test_util.h"

namespace brook::coord::testing {
namespace {

using namespace brook::txn;

const std::vector<std::string> ids{"a", "b", "c", "d", "e"};

// "" when equal, else the first difference. `memory`: also the pair kept in memory only
// (last_pid/last_epoch), which two replays agree on but a live coordinator may not.
std::string diff(const txn_coordinator& x, const txn_coordinator& y, bool memory) {
    if (x.size() != y.size()) return "sizes " + std::to_string(x.size()) + " vs " + std::to_string(y.size());
    for (const auto& id : ids) {
        const txn_metadata* a = x.find(id);
        const txn_metadata* b = y.find(id);
        if (!a || !b) {
            if (a || b) return id + ": present in one only";
            continue;
        }
        std::ostringstream o;
        auto show = [&](const txn_metadata& m) {
            o << "pid " << m.pid.value() << " epoch " << m.epoch.value() << " status " << int(m.status) << " parts "
              << m.partitions.size() << " timeout " << m.timeout_ms << " start " << m.start_ms << " update "
              << m.last_update_ms;
        };
        const bool same = a->pid == b->pid && a->epoch == b->epoch && a->status == b->status &&
                          a->partitions == b->partitions && a->timeout_ms == b->timeout_ms &&
                          a->start_ms == b->start_ms && a->last_update_ms == b->last_update_ms &&
                          (!memory || (a->last_pid == b->last_pid && a->last_epoch == b->last_epoch));
        if (!same) {
            o << id << ": ";
            show(*a);
            o << " vs ";
            show(*b);
            return o.str();
        }
    }
    return {};
}

txn_config small_config() {
    txn_config cfg;
    cfg.transactional_id_expiration_ms = 3600 * 1000;
    return cfg;
}

struct world {
    world() : h(small_config()), tw(&h.now), pids(meta_dir(tw.dir.path)) {}
    static std::filesystem::path meta_dir(const std::filesystem::path& data) {
        std::filesystem::create_directories(data / "_meta");
        return data / "_meta";
    }

    brook::txn::testing::harness h;
    twin_log tw;
    producer_id_allocator pids;
    size_t flushed = 0;
    std::map<std::string, std::pair<int64_t, int16_t>> producers; // as the clients last heard

    void flush() {
        if (flushed == h.log.size()) return;
        std::vector<log_record> recs(h.log.begin() + static_cast<std::ptrdiff_t>(flushed), h.log.end());
        flushed = h.log.size();
        tw.append(recs);
    }

    std::unique_ptr<txn_coordinator> replay(storage::partition_log* log) {
        auto c = std::make_unique<txn_coordinator>(small_config());
        machine m = idle_machine();
        m.reset = [&] { c = std::make_unique<txn_coordinator>(small_config()); };
        m.replay = [&](const batch_context&, std::span<const uint8_t> k, std::optional<std::span<const uint8_t>> v) {
            return c->replay(k, v);
        };
        tw.load(log, std::move(m));
        return c;
    }

    std::string clean_and_check() {
        return clean_and_compare(*this, [](const auto& a, const auto& b, bool all) { return diff(a, b, all); });
    }
};

std::string random_history(uint64_t seed, int ops) {
    std::mt19937_64 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    world w;
    for (int i = 0; i < ops; ++i) {
        const std::string& id = ids[pick(static_cast<int>(ids.size()))];
        auto p = w.producers.find(id);
        switch (pick(9)) {
        case 0:
        case 1: {
            auto fresh = w.pids.next(); // the block reservation the broker makes (in _meta, not the log)
            if (!fresh) return "producer id allocation failed";
            w.h.next_pid = fresh->value();
            auto r = w.h.init(id, 10'000);
            if (r.ErrorCode == 0) w.producers[id] = {r.ProducerId, r.ProducerEpoch};
            break;
        }
        case 2:
            if (p != w.producers.end()) w.h.add(id, p->second.first, p->second.second, {{"t", {pick(3)}}});
            break;
        case 3:
            if (p != w.producers.end()) w.h.add_offsets(id, p->second.first, p->second.second, "g");
            break;
        case 4:
            if (p != w.producers.end()) w.h.end(id, p->second.first, p->second.second, pick(3) != 0);
            break;
        case 5: w.h.write_markers(); break;
        case 6: w.h.advance(100 + pick(3000)); break;
        case 7: w.h.advance(std::vector<int64_t>{15'000, 20 * 60'000, 2 * 3600'000}[pick(3)]); break;
        case 8:
            if (auto d = w.clean_and_check(); !d.empty()) return "op " + std::to_string(i) + ": " + d;
            break;
        }
        w.flush();
    }
    for (int64_t step : {int64_t(0), int64_t(3600'000), int64_t(3600'000)}) {
        w.h.write_markers();
        w.h.advance(step);
        w.flush();
        if (auto d = w.clean_and_check(); !d.empty()) return "end: " + d;
    }
    if (w.tw.passes == 0) return "the cleaner never ran";
    if (w.tw.records_kept >= w.tw.records_read) return "the cleaner dropped nothing";
    return {};
}

TEST(txn_clean_replay, cleaned_log_replays_to_the_full_logs_state) {
    for (uint64_t seed = 1; seed <= 30; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        EXPECT_EQ(random_history(seed, 300), "");
    }
}

// Expiry writes a tombstone: once the cleaner drops it (past the horizon) and the records it
// deleted, the id stays deleted; a record of Dead status instead would not say so per key.
TEST(txn_clean_replay, an_expired_id_stays_deleted_after_its_tombstone_is_cleaned) {
    world w;
    (void)w.pids.next();
    auto r = w.h.init("x", 10'000);
    ASSERT_EQ(r.ErrorCode, 0);
    w.flush();
    w.h.advance(2 * 3600'000); // past transactional.id.expiration.ms: a tombstone
    w.flush();
    ASSERT_EQ(w.h.c.find("x"), nullptr);
    for (int i = 0; i < 30; ++i) {
        w.h.init("filler" + std::to_string(i % 3), 10'000);
        w.flush();
    }
    EXPECT_EQ(w.clean_and_check(), "");
    w.h.now += 31 * 60'000;
    for (int i = 0; i < 30; ++i) {
        w.h.init("filler" + std::to_string(i % 3), 10'000);
        w.flush();
    }
    EXPECT_EQ(w.clean_and_check(), "");
    EXPECT_EQ(w.replay(w.tw.cleaned.get())->find("x"), nullptr);
    EXPECT_LT(w.tw.cleaned->size_bytes(), w.tw.full->size_bytes());
}

} // namespace
} // namespace brook::coord::testing
