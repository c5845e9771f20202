// The log cleaner: the batch filter (latest per key, tombstones and their horizon, keyless
// records, codecs, producer state, transactions), whole passes over a partition (dirty ratio,
// compaction lags, bounded map with several passes) and the swap's crash recovery.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "records/control.h"
#include "records/record.h"
#include "records/validate.h"
#include "storage/clean_swap.h"
#include "storage/partition_log.h"
#include "test_util.h"

namespace brook::storage {
namespace {

using kv = std::pair<std::optional<std::string>, std::optional<std::string>>;

struct batch_opts {
    int64_t ts = 1000;
    records::compression codec = records::compression::none;
    int64_t pid = -1;
    int16_t epoch = 0;
    int32_t seq = -1;
    bool transactional = false;
};

test::batch keyed(const std::vector<kv>& kvs, batch_opts o = {}) {
    records::batch_builder b(o.codec);
    if (o.pid >= 0) b.producer(producer_id(o.pid), producer_epoch(o.epoch), sequence(o.seq));
    b.transactional(o.transactional);
    for (const auto& [k, v] : kvs) b.add(k, v, timestamp_ms(o.ts));
    test::batch out;
    out.bytes = b.build();
    out.header = records::read_batch_header(out.bytes);
    return out;
}

struct rec {
    int64_t off;
    std::optional<std::string> key;
    std::optional<std::string> value;
    bool operator==(const rec&) const = default;
};
void PrintTo(const rec& r, std::ostream* os) { *os << r.off << ":" << r.key.value_or("null") << "=" << r.value.value_or("null"); }

std::optional<std::string> str(const std::optional<std::vector<uint8_t>>& b) {
    if (!b) return std::nullopt;
    return std::string(b->begin(), b->end());
}

// Every data record from the log start, as a fetch would return them.
std::vector<rec> read_all(const partition_log& log, std::vector<records::batch_header>* headers = nullptr) {
    std::vector<rec> out;
    offset from = log.log_start();
    while (from < log.log_end()) {
        auto r = log.read(from, 1 << 20, log.log_end());
        EXPECT_TRUE(r);
        if (!r || r->data.empty()) break;
        size_t pos = 0;
        while (pos < r->data.size()) {
            auto h = records::read_batch_header(std::span<const uint8_t>(r->data).subspan(pos));
            auto d = records::decode_batch(std::span<const uint8_t>(r->data).subspan(pos, h.size_bytes()));
            EXPECT_TRUE(d) << error_name(d.error());
            if (headers) headers->push_back(h);
            if (d && !h.is_control())
                for (const auto& x : d->records) out.push_back({d->offset_of(x)(), str(x.key), str(x.value)});
            pos += h.size_bytes();
            from = h.last_offset() + 1;
        }
    }
    return out;
}

// `files`: the fd_cache sealed segments read through (null: the process default).
std::unique_ptr<partition_log> open_log(const std::filesystem::path& dir, log_config cfg,
                                        std::shared_ptr<fd_cache> files = nullptr) {
    auto log = partition_log::open(dir, cfg, {.files = std::move(files)});
    EXPECT_TRUE(log) << error_name(log.error());
    return log ? std::move(log).value() : nullptr;
}

offset append(partition_log& log, const test::batch& b, int64_t now = 1000) {
    auto r = log.append(b.bytes, b.header, append_options{timestamp_ms(now), std::nullopt});
    EXPECT_TRUE(r) << error_name(r.error());
    return r ? r->base : offset(-1);
}

log_config compact_cfg() {
    log_config c;
    c.cleanup_compact = true;
    c.cleanup_delete = false;
    c.segment_bytes = 600;
    c.min_cleanable_dirty_ratio = 0.0;
    c.delete_retention_ms = 0;
    return c;
}

// One whole pass, as the broker runs it (plan on the shard, pass, swap). False: nothing due.
bool clean_once(partition_log& log, offset_map& map, int64_t now = 5000) {
    auto plan = log.plan_clean(timestamp_ms(now));
    if (!plan) return false;
    auto r = clean_log(*plan, map);
    EXPECT_TRUE(r) << error_name(r.error());
    if (!r) {
        log.abandon_clean();
        return false;
    }
    auto retired = log.install_clean(*r);
    EXPECT_TRUE(retired) << error_name(retired.error());
    return true;
}

// Latest value per live key, from a model of the appends.
std::map<std::string, std::string> live(const std::map<std::string, std::optional<std::string>>& m) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : m)
        if (v) out[k] = *v;
    return out;
}

std::map<std::string, std::string> latest_of(const std::vector<rec>& rs) {
    std::map<std::string, std::optional<std::string>> m;
    for (const auto& r : rs)
        if (r.key) m[*r.key] = r.value;
    return live(m);
}

TEST(clean_filter, keeps_the_latest_record_per_key_with_offset_gaps) {
    offset_map map(1 << 20);
    map.reset(10);
    auto b = keyed({{"a", "1"}, {"b", "1"}, {"a", "2"}, {std::nullopt, "x"}});
    b.header.base_offset = offset(100);
    records::write_base_offset(b.bytes, offset(100));
    map.put(digest_key(records::to_bytes("a")), offset(102));
    map.put(digest_key(records::to_bytes("b")), offset(101));
    txn_tracker txns({});
    filter_context ctx{&map, timestamp_ms(5000), 0, nullptr};
    auto f = filter_batch(b.bytes, b.header, ctx, txns);
    ASSERT_TRUE(f);
    ASSERT_EQ(f->what, filtered_batch::outcome::rewritten);
    EXPECT_EQ(f->records_in, 4);
    EXPECT_EQ(f->records_out, 2); // a@100 superseded, the keyless record dropped
    auto d = records::decode_batch(f->bytes);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->header.base_offset, offset(100));
    EXPECT_EQ(d->header.last_offset_delta, 3); // framing kept: the batch still ends at 103
    ASSERT_EQ(d->records.size(), 2u);
    EXPECT_EQ(d->offset_of(d->records[0]), offset(101));
    EXPECT_EQ(d->offset_of(d->records[1]), offset(102));
    EXPECT_EQ(str(d->records[1].value), "2");
}

TEST(clean_filter, an_untouched_batch_is_kept_byte_for_byte) {
    offset_map map(1 << 20);
    map.reset(10);
    auto b = keyed({{"a", "1"}, {"b", "1"}});
    txn_tracker txns({});
    filter_context ctx{&map, timestamp_ms(5000), 0, nullptr};
    auto f = filter_batch(b.bytes, b.header, ctx, txns);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->what, filtered_batch::outcome::kept);
}

TEST(clean_filter, tombstones_get_a_horizon_then_go_after_it) {
    offset_map map(1 << 20);
    map.reset(10);
    auto b = keyed({{"a", std::nullopt}, {"b", "1"}}, {.ts = 1000});
    txn_tracker t1({});
    filter_context ctx{&map, timestamp_ms(5000), 60'000, nullptr};
    auto f = filter_batch(b.bytes, b.header, ctx, t1);
    ASSERT_TRUE(f);
    ASSERT_EQ(f->what, filtered_batch::outcome::rewritten);
    EXPECT_EQ(f->horizon, timestamp_ms(65'000));
    EXPECT_TRUE(f->removal_pending);
    auto h = records::read_batch_header(f->bytes);
    EXPECT_EQ(delete_horizon(h), timestamp_ms(65'000));
    auto d = records::decode_batch(f->bytes);
    ASSERT_TRUE(d);
    ASSERT_EQ(d->records.size(), 2u);
    // Record timestamps survive the new base timestamp.
    EXPECT_EQ(d->timestamp_of(d->records[0]), timestamp_ms(1000));
    EXPECT_EQ(d->timestamp_of(d->records[1]), timestamp_ms(1000));

    // Before the horizon: kept as is. At it: the tombstone goes, the value stays.
    txn_tracker t2({});
    ctx.now = timestamp_ms(64'999);
    auto again = filter_batch(f->bytes, h, ctx, t2);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->what, filtered_batch::outcome::kept);
    txn_tracker t3({});
    ctx.now = timestamp_ms(65'000);
    auto after = filter_batch(f->bytes, h, ctx, t3);
    ASSERT_TRUE(after);
    ASSERT_EQ(after->what, filtered_batch::outcome::rewritten);
    EXPECT_EQ(after->records_out, 1);
    EXPECT_FALSE(after->removal_pending);
    auto d2 = records::decode_batch(after->bytes);
    ASSERT_TRUE(d2);
    EXPECT_EQ(str(d2->records[0].key), "b");
    EXPECT_EQ(d2->timestamp_of(d2->records[0]), timestamp_ms(1000));
}

TEST(clean_filter, compressed_batches_are_recompressed_with_their_codec) {
    for (auto codec : {records::compression::gzip, records::compression::snappy, records::compression::lz4,
                       records::compression::zstd}) {
        offset_map map(1 << 20);
        map.reset(10);
        map.put(digest_key(records::to_bytes("a")), offset(2));
        auto b = keyed({{"a", "old"}, {"b", "keep"}, {"a", "new"}}, {.codec = codec});
        txn_tracker txns({});
        filter_context ctx{&map, timestamp_ms(5000), 0, nullptr};
        auto f = filter_batch(b.bytes, b.header, ctx, txns);
        ASSERT_TRUE(f);
        ASSERT_EQ(f->what, filtered_batch::outcome::rewritten);
        auto h = records::read_batch_header(f->bytes);
        EXPECT_EQ(h.codec(), codec);
        auto d = records::decode_batch(f->bytes);
        ASSERT_TRUE(d) << int(codec);
        ASSERT_EQ(d->records.size(), 2u);
        EXPECT_EQ(str(d->records[0].value), "keep");
        EXPECT_EQ(str(d->records[1].value), "new");
    }
}

TEST(clean_filter, a_producers_last_batch_stays_even_when_emptied) {
    offset_map map(1 << 20);
    map.reset(10);
    map.put(digest_key(records::to_bytes("a")), offset(50));
    auto b = keyed({{"a", "1"}, {"a", "2"}}, {.pid = 7, .epoch = 3, .seq = 10});
    std::unordered_map<producer_id, producer_last_batch> producers{{producer_id(7), {offset(1), producer_epoch(3)}}};
    txn_tracker txns({});
    filter_context ctx{&map, timestamp_ms(5000), 0, &producers};
    auto f = filter_batch(b.bytes, b.header, ctx, txns);
    ASSERT_TRUE(f);
    ASSERT_EQ(f->what, filtered_batch::outcome::rewritten);
    auto h = records::read_batch_header(f->bytes);
    EXPECT_EQ(h.records_count, 0);
    EXPECT_EQ(h.pid, producer_id(7));
    EXPECT_EQ(h.epoch, producer_epoch(3));
    EXPECT_EQ(h.base_sequence, sequence(10));
    EXPECT_EQ(h.last_offset(), offset(1));
    EXPECT_TRUE(records::scan_batches(f->bytes).stop == error_code::none); // CRC and framing valid
    // Not its last batch: it goes.
    producers[producer_id(7)] = {offset(99), producer_epoch(3)};
    txn_tracker t2({});
    auto g = filter_batch(b.bytes, b.header, ctx, t2);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->what, filtered_batch::outcome::dropped);
}

TEST(clean_filter, aborted_data_goes_and_markers_go_once_their_data_is_gone) {
    offset_map map(1 << 20);
    map.reset(10);
    filter_context ctx{&map, timestamp_ms(5000), 1000, nullptr};
    // pid 1 aborts [0, 1], marker at 2; pid 2 commits 3, marker at 4.
    auto a = keyed({{"a", "x"}, {"b", "x"}}, {.pid = 1, .seq = 0, .transactional = true});
    auto abort_marker = records::build_control_batch(producer_id(1), producer_epoch(0), false, 0, timestamp_ms(2000));
    records::write_base_offset(abort_marker, offset(2));
    auto c = keyed({{"c", "y"}}, {.pid = 2, .seq = 0, .transactional = true});
    records::write_base_offset(c.bytes, offset(3));
    c.header.base_offset = offset(3);
    auto commit_marker = records::build_control_batch(producer_id(2), producer_epoch(0), true, 0, timestamp_ms(2000));
    records::write_base_offset(commit_marker, offset(4));
    aborted_txn_entry entry{producer_id(1), offset(0), offset(2), offset(3)};

    // Pass 1: data of both transactions seen, so both markers stay; the abort keeps its entry.
    txn_tracker t1({entry});
    auto fa = filter_batch(a.bytes, a.header, ctx, t1);
    ASSERT_TRUE(fa);
    EXPECT_EQ(fa->what, filtered_batch::outcome::dropped);
    auto fm = filter_batch(abort_marker, records::read_batch_header(abort_marker), ctx, t1);
    ASSERT_TRUE(fm);
    EXPECT_EQ(fm->what, filtered_batch::outcome::kept);
    EXPECT_EQ(fm->txn_entry, entry);
    auto fc = filter_batch(c.bytes, c.header, ctx, t1);
    ASSERT_TRUE(fc);
    EXPECT_EQ(fc->what, filtered_batch::outcome::kept);
    auto fcm = filter_batch(commit_marker, records::read_batch_header(commit_marker), ctx, t1);
    ASSERT_TRUE(fcm);
    EXPECT_EQ(fcm->what, filtered_batch::outcome::kept);

    // Pass 2: the aborted data is gone: the abort marker gets a horizon (kept, no entry).
    txn_tracker t2({entry});
    auto fm2 = filter_batch(abort_marker, records::read_batch_header(abort_marker), ctx, t2);
    ASSERT_TRUE(fm2);
    ASSERT_EQ(fm2->what, filtered_batch::outcome::rewritten);
    EXPECT_EQ(fm2->horizon, timestamp_ms(6000));
    EXPECT_TRUE(fm2->removal_pending);
    EXPECT_FALSE(fm2->txn_entry);
    // The rewritten marker is still a marker.
    auto d = records::decode_batch(fm2->bytes);
    ASSERT_TRUE(d);
    ASSERT_TRUE(d->header.is_control());
    auto cr = records::parse_control_record(*d->records[0].key, *d->records[0].value);
    ASSERT_TRUE(cr);
    EXPECT_FALSE(cr->commit);

    // Pass 3, past the horizon: it goes.
    txn_tracker t3({});
    ctx.now = timestamp_ms(6000);
    auto fm3 = filter_batch(fm2->bytes, records::read_batch_header(fm2->bytes), ctx, t3);
    ASSERT_TRUE(fm3);
    EXPECT_EQ(fm3->what, filtered_batch::outcome::dropped);
}

TEST(log_cleaner_pass, keeps_exactly_the_latest_value_per_live_key_and_shrinks) {
    test::temp_dir dir;
    auto log = open_log(dir.path / "t" / "0", compact_cfg());
    ASSERT_TRUE(log);
    std::map<std::string, std::optional<std::string>> model;
    int n = 0;
    for (int i = 0; i < 400; ++i) {
        std::string k = "key" + std::to_string(i % 10);
        std::optional<std::string> v = "value-" + std::to_string(i);
        if (i % 37 == 5) v.reset(); // tombstones
        model[k] = v;
        append(*log, keyed({{k, v}}));
        ++n;
    }
    // Keys whose last word is a tombstone, pushed out of the active segment by other keys.
    for (const char* k : {"key0", "key1", "key2"}) {
        append(*log, keyed({{k, std::nullopt}}));
        model[k] = std::nullopt;
        ++n;
    }
    for (int i = 0; i < 30; ++i, ++n) append(*log, keyed({{"filler", "f" + std::to_string(i)}}));
    model["filler"] = "f29";
    const uint64_t before = log->size_bytes();
    const auto before_records = read_all(*log);
    offset_map map(1 << 20);
    ASSERT_TRUE(clean_once(*log, map));
    // The tombstones got their horizon (now + 0) in that pass; the next one removes them.
    ASSERT_TRUE(clean_once(*log, map));
    auto after = read_all(*log);
    // The active segment is never cleaned: compare the rest against the model.
    EXPECT_EQ(latest_of(after), live(model));
    for (const auto& r : after) EXPECT_TRUE(r.key != "key0" && r.key != "key1" && r.key != "key2") << r.off;
    EXPECT_LT(log->size_bytes(), before / 4);
    // Offsets only grow, and every kept record is the one appended at that offset.
    std::map<int64_t, rec> by_offset;
    for (const auto& r : before_records) by_offset[r.off] = r;
    for (size_t i = 0; i < after.size(); ++i) {
        if (i > 0) {
            EXPECT_LT(after[i - 1].off, after[i].off);
        }
        EXPECT_EQ(by_offset.at(after[i].off), after[i]);
    }
    EXPECT_EQ(log->log_end(), offset(n));
    // Reopened, the log is the same.
    auto dirp = log->dir();
    log->close();
    log.reset();
    auto again = open_log(dirp, compact_cfg());
    ASSERT_TRUE(again);
    EXPECT_EQ(read_all(*again), after);
    EXPECT_EQ(again->log_end(), offset(n));
    EXPECT_FALSE(std::filesystem::exists(dirp / ".cleaned"));
    EXPECT_FALSE(std::filesystem::exists(dirp / ".swap"));
}

TEST(log_cleaner_pass, a_compacted_log_refuses_keyless_records) {
    test::temp_dir dir;
    auto log = open_log(dir.path / "t" / "0", compact_cfg());
    for (auto codec : {records::compression::none, records::compression::zstd}) {
        auto b = keyed({{"k", "v"}, {std::nullopt, "v"}}, {.codec = codec});
        auto r = log->append(b.bytes, b.header, append_options{timestamp_ms(1000), std::nullopt});
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error(), error_code::invalid_record);
    }
    EXPECT_EQ(log->log_end(), offset(0));
    append(*log, keyed({{"k", std::nullopt}})); // a tombstone has a key: fine
    auto plain = open_log(dir.path / "t" / "1", log_config{});
    append(*plain, keyed({{std::nullopt, "v"}}));
}

TEST(log_cleaner_pass, retention_applies_only_with_the_delete_policy) {
    for (bool del : {false, true}) {
        test::temp_dir dir;
        auto cfg = compact_cfg();
        cfg.cleanup_delete = del; // compact vs compact,delete
        cfg.retention_ms = 100;
        auto log = open_log(dir.path / "t" / "0", cfg);
        for (int i = 0; i < 50; ++i) append(*log, keyed({{"k" + std::to_string(i), "v"}}, {.ts = 1000}));
        EXPECT_EQ(log->apply_retention(timestamp_ms(1'000'000)) > 0, del);
    }
}

TEST(log_cleaner_pass, respects_the_dirty_ratio_and_the_compaction_lags) {
    test::temp_dir dir;
    auto cfg = compact_cfg();
    cfg.min_cleanable_dirty_ratio = 0.9;
    auto log = open_log(dir.path / "t" / "0", cfg);
    ASSERT_TRUE(log);
    for (int i = 0; i < 100; ++i) append(*log, keyed({{"k" + std::to_string(i % 5), "v"}}, {.ts = 1000}));
    offset_map map(1 << 20);
    ASSERT_TRUE(clean_once(*log, map)); // everything dirty: ratio 1
    for (int i = 0; i < 10; ++i) append(*log, keyed({{"k" + std::to_string(i % 5), "v"}}, {.ts = 1000}));
    EXPECT_FALSE(log->plan_clean(timestamp_ms(5000))); // a little dirt on top of the cleaned part

    // max.compaction.lag.ms: the dirty data is old enough to clean whatever the ratio.
    auto dirp = log->dir();
    log->close();
    log.reset();
    cfg.max_compaction_lag_ms = 100;
    log = open_log(dirp, cfg);
    for (int i = 0; i < 30; ++i) append(*log, keyed({{"k" + std::to_string(i % 5), "v"}}, {.ts = 1000}));
    EXPECT_TRUE(log->plan_clean(timestamp_ms(5000)));
    log->abandon_clean();

    // min.compaction.lag.ms: segments holding records younger than the lag stay dirty.
    test::temp_dir dir2;
    auto cfg2 = compact_cfg();
    cfg2.min_compaction_lag_ms = 10'000;
    auto young = open_log(dir2.path / "t" / "0", cfg2);
    for (int i = 0; i < 100; ++i) append(*young, keyed({{"k", "v"}}, {.ts = 4000}));
    EXPECT_FALSE(young->plan_clean(timestamp_ms(5000)));
    EXPECT_TRUE(young->plan_clean(timestamp_ms(14'001)));
}

TEST(log_cleaner_pass, a_small_map_cleans_in_several_passes) {
    test::temp_dir dir;
    auto files = std::make_shared<fd_cache>(256);
    auto log = open_log(dir.path / "t" / "0", compact_cfg(), files);
    ASSERT_TRUE(log);
    std::map<std::string, std::optional<std::string>> model;
    for (int i = 0; i < 300; ++i) {
        std::string k = "key" + std::to_string(i % 75);
        model[k] = "v" + std::to_string(i);
        append(*log, keyed({{k, model[k]}}));
    }
    offset_map map(30 * offset_map::slot_bytes); // ~27 keys per pass for 75 keys
    int passes = 0;
    while (clean_once(*log, map) && passes < 50) ++passes;
    EXPECT_GT(passes, 2);
    EXPECT_EQ(latest_of(read_all(*log)), live(model));
    EXPECT_EQ(log->clean_checkpoint(), log->active().base_offset());
    // Every key of the cleaned part appears once.
    std::map<std::string, int> count;
    for (const auto& r : read_all(*log))
        if (r.off < log->active().base_offset()()) ++count[*r.key];
    for (const auto& [k, c] : count) EXPECT_EQ(c, 1) << k;
}

TEST(log_cleaner_pass, producer_state_survives_cleaning_and_reopen) {
    test::temp_dir dir;
    auto log = open_log(dir.path / "t" / "0", compact_cfg());
    int32_t seq = 0;
    for (int i = 0; i < 100; ++i) append(*log, keyed({{"k", "v" + std::to_string(i)}}, {.pid = 9, .epoch = 1, .seq = seq++}));
    offset_map map(1 << 20);
    ASSERT_TRUE(clean_once(*log, map));
    auto dirp = log->dir();
    log->close();
    log.reset();
    // Without snapshots, recovery rebuilds producer state from the cleaned log alone.
    for (auto o : producer_state::list_snapshots(dirp)) std::filesystem::remove(producer_state::snapshot_path(dirp, o));
    auto again = open_log(dirp, compact_cfg());
    ASSERT_TRUE(again);
    // The next sequence is accepted, a retry of the last batch is a duplicate.
    auto next = keyed({{"k", "next"}}, {.pid = 9, .epoch = 1, .seq = seq});
    auto r = again->append(next.bytes, next.header, append_options{timestamp_ms(2000), std::nullopt});
    ASSERT_TRUE(r) << error_name(r.error());
    EXPECT_FALSE(r->duplicate);
    auto retry = again->append(next.bytes, next.header, append_options{timestamp_ms(2000), std::nullopt});
    ASSERT_TRUE(retry);
    EXPECT_TRUE(retry->duplicate);
}

TEST(log_cleaner_pass, aborted_transactions_are_removed_and_the_lso_is_respected) {
    test::temp_dir dir;
    auto log = open_log(dir.path / "t" / "0", compact_cfg());
    int32_t s1 = 0, s2 = 0;
    for (int i = 0; i < 20; ++i) append(*log, keyed({{"plain" + std::to_string(i % 3), "p"}}));
    append(*log, keyed({{"aborted", "x"}}, {.pid = 1, .seq = s1++, .transactional = true}));
    append(*log, keyed({{"committed", "y"}}, {.pid = 2, .seq = s2++, .transactional = true}));
    ASSERT_TRUE(log->append_marker(producer_id(1), producer_epoch(0), false, 0, timestamp_ms(2000)));
    ASSERT_TRUE(log->append_marker(producer_id(2), producer_epoch(0), true, 0, timestamp_ms(2000)));
    // An open transaction: nothing at or after its first offset may be cleaned.
    const offset open_at = append(*log, keyed({{"open", "z"}}, {.pid = 3, .seq = 0, .transactional = true}));
    for (int i = 0; i < 20; ++i) append(*log, keyed({{"plain" + std::to_string(i % 3), "q"}}));
    ASSERT_EQ(log->last_stable_offset(), open_at);
    offset_map map(1 << 20);
    ASSERT_TRUE(clean_once(*log, map));
    for (const auto& r : read_all(*log)) EXPECT_NE(r.key, "aborted");
    bool committed = false, open_seen = false;
    for (const auto& r : read_all(*log)) {
        committed |= r.key == "committed";
        open_seen |= r.key == "open";
    }
    EXPECT_TRUE(committed);
    EXPECT_TRUE(open_seen);
    EXPECT_LE(log->clean_checkpoint(), open_at);
    EXPECT_EQ(log->last_stable_offset(), open_at);
    // Reopened: the open transaction is still open, the others are not.
    auto dirp = log->dir();
    log->close();
    log.reset();
    for (auto o : producer_state::list_snapshots(dirp)) std::filesystem::remove(producer_state::snapshot_path(dirp, o));
    auto again = open_log(dirp, compact_cfg());
    EXPECT_EQ(again->last_stable_offset(), open_at);
    EXPECT_EQ(again->producers().open_txn_count(), 1u);
}

TEST(log_cleaner_pass, a_reader_of_a_replaced_segment_keeps_reading_it) {
    test::temp_dir dir;
    auto log = open_log(dir.path / "t" / "0", compact_cfg());
    for (int i = 0; i < 200; ++i) append(*log, keyed({{"k" + std::to_string(i % 4), "v" + std::to_string(i)}}));
    auto rr = log->read_range(offset(0), 1 << 20, log->log_end());
    ASSERT_TRUE(rr);
    std::vector<uint8_t> before(rr->range.length);
    ASSERT_EQ(::pread(rr->range.fd, before.data(), before.size(), off_t(rr->range.position)), ssize_t(before.size()));
    offset_map map(1 << 20);
    ASSERT_TRUE(clean_once(*log, map));
    std::vector<uint8_t> later(rr->range.length);
    ASSERT_EQ(::pread(rr->range.fd, later.data(), later.size(), off_t(rr->range.position)), ssize_t(later.size()));
    EXPECT_EQ(before, later);
}

// Crash recovery: a pass that stopped before the commit leaves the old log; one that stopped
// after it (at any step of the swap) leaves the cleaned log.
class swap_recovery : public ::testing::TestWithParam<int> {};

TEST_P(swap_recovery, a_kill_at_any_step_leaves_a_whole_log) {
    const int step = GetParam();
    test::temp_dir dir;
    auto dirp = dir.path / "t" / "0";
    auto log = open_log(dirp, compact_cfg());
    for (int i = 0; i < 300; ++i) append(*log, keyed({{"k" + std::to_string(i % 7), "v" + std::to_string(i)}}));
    const auto original = read_all(*log);
    offset_map map(1 << 20);
    auto plan = log->plan_clean(timestamp_ms(5000));
    ASSERT_TRUE(plan);
    auto r = clean_log(*plan, map);
    ASSERT_TRUE(r);
    // Simulate kill -9: the files stay as they are at this step; the log object is dropped
    // without close().
    if (step >= 1) {
        ASSERT_EQ(commit_swap(dirp), error_code::none);
    }
    if (step == 2) {
        // Part of the swap done: the first created segment's files moved, nothing deleted.
        auto from = swap_dir(dirp) / (offset_file_stem(r->created.front()) + ".log");
        std::filesystem::rename(from, dirp / from.filename());
    }
    if (step == 3) {
        ASSERT_EQ(complete_swap(dirp), error_code::none);
    }
    log.reset();
    auto again = open_log(dirp, compact_cfg());
    ASSERT_TRUE(again);
    EXPECT_FALSE(std::filesystem::exists(cleaned_dir(dirp)));
    EXPECT_FALSE(std::filesystem::exists(swap_dir(dirp)));
    auto now = read_all(*again);
    EXPECT_EQ(latest_of(now), latest_of(original));
    if (step == 0) {
        EXPECT_EQ(now, original);
    } else {
        EXPECT_LT(now.size(), original.size());
    }
    EXPECT_EQ(again->log_end(), offset(300));
}

INSTANTIATE_TEST_SUITE_P(steps, swap_recovery, ::testing::Values(0, 1, 2, 3));

TEST(log_cleaner_pass, a_pass_whose_segments_went_meanwhile_is_discarded) {
    test::temp_dir dir;
    auto cfg = compact_cfg();
    cfg.cleanup_delete = true;
    cfg.retention_ms = 100;
    auto log = open_log(dir.path / "t" / "0", cfg);
    for (int i = 0; i < 300; ++i) append(*log, keyed({{"k" + std::to_string(i % 7), "v"}}, {.ts = 1000}));
    offset_map map(1 << 20);
    auto plan = log->plan_clean(timestamp_ms(5000));
    ASSERT_TRUE(plan);
    auto r = clean_log(*plan, map);
    ASSERT_TRUE(r);
    EXPECT_GT(log->apply_retention(timestamp_ms(100'000)), 0u);
    auto retired = log->install_clean(*r);
    ASSERT_TRUE(retired);
    EXPECT_TRUE(retired->empty());
    EXPECT_FALSE(std::filesystem::exists(cleaned_dir(log->dir())));
    EXPECT_FALSE(log->clean_in_flight());
}

// The broker destroys the replaced segments later, on the cleaner thread, while fetches go on
// on the shard. Until then the fd_cache must not hand a replaced file's descriptor to the
// cleaned segment that now has its path: reads right after the swap see the cleaned records,
// and a read through a replaced segment still sees the file its index describes.
TEST(log_cleaner_pass, reads_right_after_the_swap_use_the_cleaned_files) {
    test::temp_dir dir;
    auto files = std::make_shared<fd_cache>(256);
    auto log = open_log(dir.path / "t" / "0", compact_cfg(), files);
    ASSERT_TRUE(log);
    // 40 keys over 300 records: the segment holding offset 260 keeps part of its records, so
    // its cleaned file differs from the one it replaces at the same path.
    std::map<std::string, std::optional<std::string>> model;
    for (int i = 0; i < 300; ++i) {
        const std::string k = "k" + std::to_string(i % 40), v = "value-" + std::to_string(i);
        append(*log, keyed({{k, v}}));
        model[k] = v;
    }
    const auto original = read_all(*log); // every sealed segment's descriptor is in the cache now
    offset_map map(1 << 20);
    auto plan = log->plan_clean(timestamp_ms(5000));
    ASSERT_TRUE(plan);
    auto r = clean_log(*plan, map);
    ASSERT_TRUE(r);
    auto retired = log->install_clean(*r); // kept alive, as the broker's dispose queue does
    ASSERT_TRUE(retired);
    ASSERT_FALSE(retired->empty());
    const auto during = read_all(*log);
    for (const auto& seg : *retired) { // the replaced files, as their indexes describe them
        auto bytes = seg->read(0, 1 << 20);
        ASSERT_TRUE(bytes);
        ASSERT_GE(bytes->size(), records::batch_header_size);
        EXPECT_EQ(records::read_batch_header(*bytes).base_offset, seg->base_offset());
    }
    retired->clear(); // what the broker's cleaner thread does later
    const auto after = read_all(*log);
    EXPECT_EQ(during, after);
    EXPECT_LT(after.size(), original.size());
    EXPECT_EQ(latest_of(after), live(model));
}

} // namespace
} // namespace brook::storage
