// __consumer_offsets on the log cleaner: replaying the cleaned partition rebuilds exactly what
// replaying the full one does, and both hold the live coordinator's offsets. Random histories
// (joins, leaves, commits, transactional commits ended by commit/abort markers, group and
// offset deletion, topic deletion, session and offset expiry) are written through the group
// coordinator into a twin_log; the cleaned twin is cleaned at random points with the clock
// jumping past delete.retention.ms, so tombstones and markers are dropped too.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <cstdio>
#include <sstream>

#include "clean_test_util.h"
#include "group/test_util.h"
#include "records/control.h"
#include "records/record.h"

namespace brook::coord::testing {
namespace {

// (Not `using namespace brook::group`: its struct `group` would make the name ambiguous.)
using brook::group::committed_offset;
using brook::group::decode_record;
using brook::group::effects;
using brook::group::group_config;
using brook::group::group_coordinator;
using brook::group::group_state;
using brook::group::offset_commit_entry;
using brook::group::pending_txn_offsets;
using brook::group::persisted;
using brook::group::state_name;
using brook::group::topic_partition;
using group_t = brook::group::group;
using namespace brook::protocol;

std::string dump(const std::map<topic_partition, committed_offset>& m) {
    std::ostringstream o;
    for (const auto& [tp, c] : m)
        o << tp.first << "/" << tp.second << "=" << c.offset << "(" << c.metadata << "," << c.commit_timestamp_ms << ") ";
    return o.str();
}
std::string dump(const pending_txn_offsets& p) {
    std::ostringstream o;
    for (const auto& [pid, m] : p) o << "pid " << pid.value() << ": " << dump(m);
    return o.str();
}

// "" when equal, else the first difference. `all`: every persisted field of every group;
// otherwise offsets (committed and pending) only, a missing group counting as none (the live
// coordinator holds what no record describes yet: members mid-rebalance, session timers).
std::string diff(const group_coordinator& a, const group_coordinator& b, bool all) {
    if (all && a.group_ids() != b.group_ids()) {
        std::ostringstream o;
        o << "groups differ:";
        for (const auto& id : a.group_ids()) o << " " << id;
        o << " vs";
        for (const auto& id : b.group_ids()) o << " " << id;
        return o.str();
    }
    std::set<std::string> ids;
    for (const auto& id : a.group_ids()) ids.insert(id);
    for (const auto& id : b.group_ids()) ids.insert(id);
    static const group_t none;
    for (const auto& id : ids) {
        const group_t* x = a.find(id);
        const group_t* y = b.find(id);
        if (!x) x = &none;
        if (!y) y = &none;
        if (x->offsets != y->offsets) return "group " + id + " offsets: " + dump(x->offsets) + "vs " + dump(y->offsets);
        if (x->pending_txn != y->pending_txn)
            return "group " + id + " pending: " + dump(x->pending_txn) + "vs " + dump(y->pending_txn);
        if (all && !(persisted(*x) == persisted(*y))) return "group " + id + ": metadata differs";
        if (all && x->state != y->state)
            return "group " + id + ": state " + std::string(state_name(x->state)) + " vs " + std::string(state_name(y->state));
    }
    return {};
}

group_config small_config() {
    group_config cfg;
    cfg.offsets_retention_ms = 2 * 3600 * 1000;
    cfg.offsets_retention_check_interval_ms = 60 * 1000;
    return cfg;
}

// The group coordinator's partition, written by a live coordinator.
struct world {
    explicit world(size_t map_bytes = 1 << 16) : h(small_config()), tw(&h.now, 30 * 60 * 1000, map_bytes) {}

    brook::group::testing::harness h;
    twin_log tw;
    size_t flushed = 0;
    // Drops the offset tombstones of DeleteGroups before they are appended (the mutation the
    // property must catch).
    bool drop_group_offset_tombstones = false;

    // What the harness collected (joins, syncs, ticks, deletes) goes in as one plain batch.
    void flush() {
        if (flushed == h.log.size()) return;
        std::vector<log_record> recs(h.log.begin() + static_cast<std::ptrdiff_t>(flushed), h.log.end());
        flushed = h.log.size();
        tw.append(recs);
    }
    void apply(effects fx) {
        h.absorb(std::move(fx));
        flush();
    }
    void advance(int64_t ms) {
        h.advance(ms);
        flush();
    }

    void commit(const std::string& g, std::vector<std::pair<topic_partition, int64_t>> offsets) {
        OffsetCommitRequest r;
        r.GroupId = g;
        r.GenerationIdOrMemberEpoch = -1;
        if (const group_t* x = h.c.find(g); x && x->members.size() == 1) {
            r.GenerationIdOrMemberEpoch = x->generation;
            r.MemberId = x->members.begin()->first;
        }
        for (const auto& [tp, o] : offsets) {
            if (r.Topics.empty() || r.Topics.back().Name != tp.first) r.Topics.emplace_back().Name = tp.first;
            auto& p = r.Topics.back().Partitions.emplace_back();
            p.PartitionIndex = tp.second;
            p.CommittedOffset = o;
            p.CommittedMetadata = "m" + std::to_string(o);
        }
        apply(h.c.offset_commit(h.ctx(8), r, h.t()).fx);
    }
    // TxnOffsetCommit of producer `pid` (epoch 0): one transactional batch of that producer.
    bool txn_commit(const std::string& g, int64_t pid, std::vector<std::pair<topic_partition, int64_t>> offsets) {
        flush();
        TxnOffsetCommitRequest r;
        r.TransactionalId = "tx" + std::to_string(pid);
        r.GroupId = g;
        r.ProducerId = pid;
        r.ProducerEpoch = 0;
        for (const auto& [tp, o] : offsets) {
            if (r.Topics.empty() || r.Topics.back().Name != tp.first) r.Topics.emplace_back().Name = tp.first;
            r.Topics.back().Partitions.push_back({tp.second, o, -1, "t" + std::to_string(o), {}});
        }
        auto out = h.c.txn_offset_commit(h.ctx(3), r, h.t());
        if (out.fx.records.empty()) return false;
        tw.append(out.fx.records, out.fx.owner);
        return true;
    }
    // The transaction coordinator's marker lands, then the coordinator hears of it.
    void end_txn(int64_t pid, bool commit) {
        flush();
        tw.marker(producer_id(pid), producer_epoch(0), commit);
        apply(h.c.complete_txn(producer_id(pid), commit, h.t()));
    }
    void delete_group(const std::string& g) {
        DeleteGroupsRequest d;
        d.GroupsNames = {g};
        auto out = h.c.delete_groups(h.ctx(2), d, h.t());
        if (drop_group_offset_tombstones)
            std::erase_if(out.fx.records, [](const log_record& r) {
                auto d = decode_record(r.key, std::nullopt);
                return !r.value && d && std::holds_alternative<offset_commit_entry>(*d);
            });
        apply(std::move(out.fx));
    }
    void delete_offset(const std::string& g, const topic_partition& tp) {
        OffsetDeleteRequest d;
        d.GroupId = g;
        d.Topics = {{tp.first, {{tp.second, {}}}, {}}};
        apply(h.c.offset_delete(h.ctx(0), d, h.t()).fx);
    }
    void leave(const std::string& g) {
        const group_t* x = h.c.find(g);
        if (!x || x->members.empty()) return;
        LeaveGroupRequest l;
        l.GroupId = g;
        l.MemberId = x->members.begin()->first;
        apply(h.c.leave_group(h.ctx(1), l, h.t()).fx);
    }
    void join(const std::string& g, const std::string& topic) {
        const group_t* x = h.c.find(g);
        if (x && (x->state != group_state::empty || !x->members.empty())) return;
        h.stable_single(g, {topic});
        flush();
    }

    std::unique_ptr<group_coordinator> replay(storage::partition_log* log) {
        auto gc = std::make_unique<group_coordinator>(small_config(), group_coordinator::partition_exists_fn{}, 7);
        machine m = idle_machine();
        m.reset = [&] { gc = std::make_unique<group_coordinator>(small_config(), group_coordinator::partition_exists_fn{}, 7); };
        m.replay = [&](const batch_context& b, std::span<const uint8_t> k, std::optional<std::span<const uint8_t>> v) {
            return gc->replay(b, k, v);
        };
        m.replay_marker = [&](const batch_context& b, bool commit) { gc->replay_marker(b, commit); };
        m.load_complete = [&](timestamp_ms t) { gc->load_complete(t); };
        tw.load(log, std::move(m));
        return gc;
    }

    // Cleans, then: cleaned replay == full replay (everything persisted), and the full replay
    // holds the live offsets. "" or the first difference.
    std::string clean_and_check() {
        return clean_and_compare(*this, [](const auto& a, const auto& b, bool all) { return diff(a, b, all); });
    }
};

struct totals {
    int passes = 0;
    int64_t read = 0, kept = 0;
};

// One random history; "" when every check held, else the first failure.
std::string random_history(uint64_t seed, int ops, bool mutate = false, totals* sum = nullptr) {
    std::mt19937_64 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    world w(pick(2) ? (1 << 16) : 4096); // a small map cleans in several passes
    w.drop_group_offset_tombstones = mutate;
    const std::vector<std::string> groups{"g0", "g1", "g2", "g3"};
    const std::vector<std::string> topics{"t0", "t1"};
    std::set<int64_t> open;
    int64_t next_offset = 1;
    auto some_offsets = [&] {
        std::vector<std::pair<topic_partition, int64_t>> out;
        const int n = 1 + pick(3);
        std::set<topic_partition> seen;
        for (int i = 0; i < n; ++i) {
            topic_partition tp{topics[pick(2)], pick(3)};
            if (seen.insert(tp).second) out.push_back({tp, next_offset++});
        }
        std::sort(out.begin(), out.end());
        return out;
    };
    for (int i = 0; i < ops; ++i) {
        const std::string& g = groups[pick(static_cast<int>(groups.size()))];
        switch (pick(15)) {
        case 0: w.join(g, topics[pick(2)]); break;
        case 1: w.leave(g); break;
        case 2:
        case 3:
        case 4: w.commit(g, some_offsets()); break;
        case 5:
        case 6: {
            const int64_t pid = 100 + pick(3);
            if (w.txn_commit(g, pid, some_offsets())) open.insert(pid);
            break;
        }
        case 7:
            if (!open.empty()) {
                auto it = std::next(open.begin(), pick(static_cast<int>(open.size())));
                w.end_txn(*it, pick(3) != 0);
                open.erase(it);
            }
            break;
        case 8: w.delete_group(g); break;
        case 9: w.delete_offset(g, {topics[pick(2)], pick(3)}); break;
        case 10:
            if (pick(4) == 0) w.apply(w.h.c.delete_topic_offsets(topics[pick(2)]));
            break;
        case 11: w.advance(100 + pick(5000)); break;
        case 12: w.advance(std::vector<int64_t>{20'000, 10 * 60'000, 45 * 60'000, 3 * 3600'000}[pick(4)]); break;
        case 13:
            if (auto d = w.clean_and_check(); !d.empty()) return "op " + std::to_string(i) + ": " + d;
            break;
        case 14: // producer.id.expiration.ms passed for the idle ones (their last batches may go)
            if (pick(3) == 0) w.tw.cleaned->expire_producers(w.h.t(), 0);
            break;
        }
    }
    // Every transaction decided, then past every horizon: tombstones and markers go too.
    for (int64_t pid : open) w.end_txn(pid, pick(2) != 0);
    for (int64_t step : {int64_t(0), int64_t(3600'000), int64_t(3600'000)}) {
        w.advance(step);
        if (auto d = w.clean_and_check(); !d.empty()) return "end: " + d;
    }
    if (w.tw.passes == 0) return "the cleaner never ran";
    if (sum) {
        sum->passes += w.tw.passes;
        sum->read += w.tw.records_read;
        sum->kept += w.tw.records_kept;
    }
    return {};
}

TEST(group_clean_replay, cleaned_log_replays_to_the_full_logs_state) {
    totals sum;
    for (uint64_t seed = 1; seed <= 30; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        EXPECT_EQ(random_history(seed, 300, false, &sum), "");
    }
    std::printf("30 histories: %d cleaning passes kept %lld of %lld records read\n", sum.passes,
                static_cast<long long>(sum.kept), static_cast<long long>(sum.read));
    EXPECT_LT(sum.kept * 2, sum.read); // the cleaner really removed history
}

// The property fails when a group deletion leaves its offsets without tombstones: the group
// key's tombstone alone does not remove them on replay, and once the cleaner drops it nothing
// says they are gone.
TEST(group_clean_replay, a_group_deletion_without_offset_tombstones_is_caught) {
    world w;
    w.drop_group_offset_tombstones = true;
    w.commit("g", {{{"t", 0}, 5}, {{"t", 1}, 6}});
    w.delete_group("g");
    EXPECT_NE(w.clean_and_check(), "");
    int caught = 0;
    for (uint64_t seed = 1; seed <= 10; ++seed) caught += !random_history(seed, 300, true).empty();
    EXPECT_GT(caught, 0);
}

// Kafka's load: a group exists after a load only if its latest metadata record or an offset
// says so. One created by an offset record whose offsets were all deleted is gone after a
// reload whether or not the cleaner already dropped the records.
TEST(group_clean_replay, a_group_left_without_offsets_or_metadata_is_not_loaded) {
    world w;
    w.commit("g", {{{"t", 0}, 5}});
    w.delete_offset("g", {"t", 0});
    ASSERT_NE(w.h.c.find("g"), nullptr); // live: Empty, until the retention check deletes it
    auto full = w.replay(w.tw.full.get());
    EXPECT_EQ(full->find("g"), nullptr);
    w.advance(45 * 60'000);
    EXPECT_EQ(w.clean_and_check(), "");
}

// TxnOffsetCommit batches are transactional batches of the producer: an aborted one's offsets
// never come back after cleaning, and a commit marker stays while its transaction's data does.
TEST(group_clean_replay, aborted_offsets_never_surface_and_markers_outlive_their_data) {
    world w;
    w.commit("g", {{{"t", 0}, 5}});
    ASSERT_TRUE(w.txn_commit("g", 200, {{{"t", 0}, 10}}));
    w.end_txn(200, false);
    ASSERT_TRUE(w.txn_commit("g", 201, {{{"t", 1}, 20}}));
    w.end_txn(201, true);
    for (int i = 0; i < 40; ++i) w.commit("filler", {{{"f", 0}, i}}); // seals the segments above
    w.h.now += 1000;

    // What the cleaned partition holds of each producer: data records and marker records.
    auto holdings = [&](int64_t pid) {
        std::pair<int, int> out{0, 0};
        const auto& log = *w.tw.cleaned;
        offset from = log.log_start();
        while (from < log.log_end()) {
            auto r = log.read(from, 1 << 20, log.log_end());
            EXPECT_TRUE(r);
            if (!r || r->data.empty()) break;
            std::span<const uint8_t> rest(r->data);
            while (rest.size() >= records::batch_header_size) {
                auto hd = records::read_batch_header(rest);
                auto d = records::decode_batch(rest.first(hd.size_bytes()));
                EXPECT_TRUE(d);
                if (d && hd.pid == producer_id(pid)) (hd.is_control() ? out.second : out.first) += int(d->records.size());
                rest = rest.subspan(hd.size_bytes());
                from = hd.last_offset() + 1;
            }
        }
        return out;
    };
    EXPECT_EQ(w.clean_and_check(), "");
    EXPECT_GT(w.tw.passes, 0);
    // Both producers are still tracked, so each keeps its last data batch (emptied of the
    // aborted records), and a marker stays while a batch of its transaction does (Kafka's rule).
    EXPECT_EQ(holdings(200), std::make_pair(0, 1)) << "aborted offsets are removed";
    EXPECT_EQ(holdings(201), std::make_pair(1, 1)) << "committed data and its marker stay";
    auto cleaned = w.replay(w.tw.cleaned.get());
    EXPECT_EQ(cleaned->find("g")->offsets.at({"t", 0}).offset, 5);
    EXPECT_EQ(cleaned->find("g")->offsets.at({"t", 1}).offset, 20);

    // Later passes with more history sealed; `ms` first moves the clock.
    int64_t n = 100;
    auto round = [&](int64_t ms) {
        w.h.now += ms;
        for (int i = 0; i < 40; ++i) w.commit("filler", {{{"f", i % 4}, n++}});
        EXPECT_EQ(w.clean_and_check(), "");
    };
    // The producers expire (producer.id.expiration.ms): the emptied batch goes, then the abort
    // marker gets its horizon and goes after it. The commit marker stays: its data is the
    // latest record of its key.
    w.tw.cleaned->expire_producers(w.h.t(), 0);
    round(0);
    round(0);
    round(31 * 60 * 1000);
    round(31 * 60 * 1000);
    EXPECT_EQ(holdings(200), std::make_pair(0, 0));
    EXPECT_EQ(holdings(201), std::make_pair(1, 1));

    // Superseded by a plain commit: the data goes, then the marker after its own horizon.
    w.commit("g", {{{"t", 1}, 21}});
    round(0);
    EXPECT_EQ(holdings(201).first, 0);
    round(0);
    round(31 * 60 * 1000);
    round(31 * 60 * 1000);
    EXPECT_EQ(holdings(201), std::make_pair(0, 0));
    EXPECT_EQ(w.replay(w.tw.cleaned.get())->find("g")->offsets.at({"t", 1}).offset, 21);
}

} // namespace
} // namespace brook::coord::testing
