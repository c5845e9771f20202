// Transactions on the partition: markers, last stable offset, aborted-transaction index,
// producer expiry and their recovery.
#include <algorithm>
#include <fstream>
#include <gtest/gtest.h>

#include "records/control.h"
#include "storage/partition_log.h"
#include "test_util.h"

namespace brook::storage {
namespace {

using test::make_batch;

struct producer {
    int64_t pid;
    int16_t epoch = 0;
    int32_t seq = 0;
    // One transactional (or plain idempotent) batch of `n` records, next in sequence.
    test::batch next(int n = 1, bool transactional = true, size_t value_size = 10) {
        records::batch_builder b;
        b.producer(producer_id(pid), producer_epoch(epoch), sequence(seq)).transactional(transactional);
        std::string value(value_size, 'v');
        for (int i = 0; i < n; ++i) b.add("k", value, timestamp_ms(1000));
        seq += n;
        test::batch out;
        out.bytes = b.build();
        out.header = records::read_batch_header(out.bytes);
        return out;
    }
};

offset append(partition_log& log, const test::batch& b, int64_t now = 1000) {
    auto r = log.append(b.bytes, b.header, append_options{timestamp_ms(now)});
    EXPECT_TRUE(r) << error_name(r.error());
    return r ? r->base : offset(-1);
}

offset marker(partition_log& log, const producer& p, bool commit, int32_t coordinator_epoch = 0, int64_t now = 2000) {
    auto r = log.append_marker(producer_id(p.pid), producer_epoch(p.epoch), commit, coordinator_epoch, timestamp_ms(now));
    EXPECT_TRUE(r) << error_name(r.error());
    return r ? r->base : offset(-1);
}

void plain(partition_log& log, int n = 1) {
    for (int i = 0; i < n; ++i) append(log, make_batch(1, 1000, 10));
}

std::unique_ptr<partition_log> open_log(const std::filesystem::path& dir, log_config cfg = {}) {
    auto log = partition_log::open(dir, cfg);
    EXPECT_TRUE(log) << error_name(log.error());
    return std::move(log).value();
}

TEST(txn, commit_and_abort_markers) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    producer p{7};
    EXPECT_EQ(log->last_stable_offset(), offset(0));
    plain(*log);                               // 0
    offset first = append(*log, p.next(2));    // 1-2
    append(*log, p.next());                    // 3
    EXPECT_EQ(first, offset(1));
    EXPECT_EQ(log->last_stable_offset(), offset(1));
    EXPECT_EQ(log->producers().producers().at(producer_id(7)).txn_first_offset, offset(1));
    offset c = marker(*log, p, true);          // 4
    EXPECT_EQ(c, offset(4));
    EXPECT_EQ(log->log_end(), offset(5));
    EXPECT_EQ(log->last_stable_offset(), offset(5));
    EXPECT_TRUE(log->aborted_transactions(offset(0), offset(5)).empty()); // a commit indexes nothing

    // The marker is a control batch in the log, read back as Kafka's bytes.
    auto rd = log->read(offset(4), 1 << 20, offset(5));
    ASSERT_TRUE(rd);
    auto d = records::decode_batch(rd->data);
    ASSERT_TRUE(d);
    EXPECT_TRUE(d->header.is_control());
    EXPECT_EQ(d->header.base_offset, offset(4));
    EXPECT_EQ(d->records[0].key, (std::vector<uint8_t>{0, 0, 0, 1}));

    offset a_first = append(*log, p.next());   // 5
    plain(*log);                               // 6 (another producer's data)
    offset a = marker(*log, p, false, 3);      // 7
    EXPECT_EQ(log->last_stable_offset(), offset(8));
    auto ab = log->aborted_transactions(offset(0), offset(8));
    ASSERT_EQ(ab.size(), 1u);
    EXPECT_EQ(ab[0], (aborted_txn{producer_id(7), a_first}));
    const auto& entries = log->active().txns().entries();
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0], (aborted_txn_entry{producer_id(7), offset(5), a, offset(8)}));
    EXPECT_EQ(log->producers().producers().at(producer_id(7)).coordinator_epoch, 3);
    // The file holds Kafka's 34-byte entry.
    auto raw = read_whole_file(log->active().txns().path());
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->size(), 34u);
}

TEST(txn, lso_follows_interleaved_transactions) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    producer a{1}, b{2};
    append(*log, a.next());                // 0: a opens
    append(*log, b.next());                // 1: b opens
    append(*log, a.next());                // 2
    EXPECT_EQ(log->last_stable_offset(), offset(0));
    EXPECT_EQ(log->producers().open_txn_count(), 2u);
    marker(*log, a, true);                 // 3: a ends, b still open at 1
    EXPECT_EQ(log->last_stable_offset(), offset(1));
    append(*log, a.next());                // 4: a opens again
    EXPECT_EQ(log->last_stable_offset(), offset(1));
    marker(*log, b, false);                // 5: b aborted; a open at 4
    EXPECT_EQ(log->last_stable_offset(), offset(4));
    auto entries = log->active().txns().entries();
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].last_stable_offset, offset(4)); // LSO just after b's marker
    marker(*log, a, false);                // 6
    EXPECT_EQ(log->last_stable_offset(), log->log_end());
    EXPECT_EQ(log->producers().open_txn_count(), 0u);
    auto ab = log->aborted_transactions(offset(0), log->log_end());
    EXPECT_EQ(ab, (std::vector<aborted_txn>{{producer_id(2), offset(1)}, {producer_id(1), offset(4)}}));
}

TEST(txn, aborted_lookup_stops_only_where_no_later_marker_can_matter) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    producer x{1}, y{2};
    append(*log, x.next());   // 0: x opens
    append(*log, y.next());   // 1: y opens
    marker(*log, y, false);   // 2: y aborted, x still open (LSO 0)
    marker(*log, x, false);   // 3: x aborted (LSO 4)
    // x's marker is past the range's end, but x started inside it: both are reported.
    EXPECT_EQ(log->aborted_transactions(offset(0), offset(2)),
              (std::vector<aborted_txn>{{producer_id(2), offset(1)}, {producer_id(1), offset(0)}}));
    EXPECT_EQ(log->aborted_transactions(offset(3), offset(4)), (std::vector<aborted_txn>{{producer_id(1), offset(0)}}));
}

TEST(txn, marker_epoch_rules) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    producer p{3, 2};
    append(*log, p.next());
    offset end = log->log_end();
    producer old = p;
    old.epoch = 1;
    EXPECT_EQ(log->append_marker(producer_id(3), producer_epoch(1), false, 0, timestamp_ms(5)).error(),
              error_code::invalid_producer_epoch);
    EXPECT_EQ(log->log_end(), end); // nothing written
    EXPECT_EQ(log->last_stable_offset(), offset(0));
    // A zombie coordinator (older coordinator epoch) is fenced once a newer one wrote.
    marker(*log, p, true, 5);
    EXPECT_EQ(log->append_marker(producer_id(3), producer_epoch(2), true, 4, timestamp_ms(5)).error(),
              error_code::transaction_coordinator_fenced);
    // A retried marker (no open transaction) is written and indexes nothing.
    offset retry = marker(*log, p, false, 5);
    EXPECT_EQ(retry, offset(2));
    EXPECT_TRUE(log->aborted_transactions(offset(0), log->log_end()).empty());
    // Markers for a producer this partition never saw are written too.
    EXPECT_TRUE(log->append_marker(producer_id(99), producer_epoch(0), true, 0, timestamp_ms(5)));
}

TEST(txn, bumped_epoch_marker_becomes_the_producers_epoch) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    producer p{4, 1};
    offset first = append(*log, p.next(3));
    // The coordinator's timeout abort bumps the epoch.
    producer bumped{4, 2, 0};
    marker(*log, bumped, false);
    const auto& e = log->producers().producers().at(producer_id(4));
    EXPECT_EQ(e.epoch, producer_epoch(2));
    EXPECT_FALSE(e.txn_first_offset);
    EXPECT_EQ(log->aborted_transactions(offset(0), log->log_end()),
              (std::vector<aborted_txn>{{producer_id(4), first}}));
    // The zombie at the old epoch is fenced; the new epoch starts at sequence 0.
    auto zombie = p.next();
    EXPECT_EQ(log->append(zombie.bytes, zombie.header).error(), error_code::invalid_producer_epoch);
    auto wrong_seq = producer{4, 2, 1}.next();
    EXPECT_EQ(log->append(wrong_seq.bytes, wrong_seq.header).error(), error_code::out_of_order_sequence_number);
    append(*log, bumped.next());
}

TEST(txn, append_rules) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    producer p{5};
    append(*log, p.next());
    // Non-transactional data from a producer in a transaction (Kafka: INVALID_TXN_STATE).
    auto nontxn = p.next(1, false);
    EXPECT_EQ(log->append(nontxn.bytes, nontxn.header).error(), error_code::invalid_txn_state);
    p.seq -= 1;
    // Control batches only through append_marker.
    auto ctl = records::build_control_batch(producer_id(5), producer_epoch(0), true, 0, timestamp_ms(1));
    EXPECT_EQ(log->append(ctl, records::read_batch_header(ctl)).error(), error_code::invalid_record);
    // A retried transactional batch is a duplicate and does not move the transaction.
    producer again{5};
    auto dup = again.next();
    auto r = log->append(dup.bytes, dup.header);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->duplicate);
    // A data batch with a higher epoch while the transaction is open is accepted (Kafka): the
    // transaction carries on from its first offset under the new epoch.
    producer next_epoch{5, 1, 0};
    append(*log, next_epoch.next());
    EXPECT_EQ(log->last_stable_offset(), offset(0));
    EXPECT_EQ(log->producers().producers().at(producer_id(5)).epoch, producer_epoch(1));
    marker(*log, next_epoch, false);
    EXPECT_EQ(log->aborted_transactions(offset(0), log->log_end()),
              (std::vector<aborted_txn>{{producer_id(5), offset(0)}}));
}

// Segments of ~3 small batches each.
log_config small_segments() {
    log_config cfg;
    cfg.segment_bytes = 300;
    cfg.index_interval_bytes = 1;
    return cfg;
}

TEST(txn, aborted_transactions_over_ranges_and_segments) {
    test::temp_dir dir;
    auto log = open_log(dir.path, small_segments());
    producer a{1}, b{2}, c{3};
    offset a0 = append(*log, a.next());          // a's txn starts in the first segment
    for (int i = 0; i < 8; ++i) plain(*log);     // several rolls
    offset b0 = append(*log, b.next());
    offset a_end = marker(*log, a, false);       // a aborted: spans segments
    offset c0 = append(*log, c.next());
    offset b_end = marker(*log, b, true);        // b committed
    for (int i = 0; i < 4; ++i) plain(*log);
    offset c_end = marker(*log, c, false);
    ASSERT_GT(log->segment_count(), 3u);
    // a's first offset and its marker are in different segments; the entry is in the marker's.
    auto bases = log->segment_bases();
    auto seg_of = [&](offset o) { return *std::prev(std::upper_bound(bases.begin(), bases.end(), o)); };
    ASSERT_NE(seg_of(a0), seg_of(a_end));
    auto in_first = txn_index::load(dir.path / (offset_file_stem(seg_of(a0)) + ".txnindex"));
    ASSERT_TRUE(in_first);
    EXPECT_TRUE(in_first->entries().empty());
    EXPECT_TRUE(log->aborted_transactions(offset(0), a0).empty());          // nothing before a's start
    auto all = log->aborted_transactions(offset(0), log->log_end());
    EXPECT_EQ(all, (std::vector<aborted_txn>{{producer_id(1), a0}, {producer_id(3), c0}}));
    // From inside a's range (a later segment than a's first offset): a still overlaps.
    EXPECT_EQ(log->aborted_transactions(offset(5), offset(6)), (std::vector<aborted_txn>{{producer_id(1), a0}}));
    // Past a's marker: only c.
    EXPECT_EQ(log->aborted_transactions(a_end + 1, log->log_end()), (std::vector<aborted_txn>{{producer_id(3), c0}}));
    // A range ending at c's first offset does not include c.
    EXPECT_EQ(log->aborted_transactions(a_end + 1, c0), std::vector<aborted_txn>{});
    // The fetch offset at a marker still includes it (last_offset >= from).
    EXPECT_EQ(log->aborted_transactions(c_end, log->log_end()), (std::vector<aborted_txn>{{producer_id(3), c0}}));
    // b's range holds only the aborted a and c that overlap it; b itself committed.
    EXPECT_EQ(log->aborted_transactions(b0, b_end + 1),
              (std::vector<aborted_txn>{{producer_id(1), a0}, {producer_id(3), c0}}));
}

// The state a reader sees: LSO, open transactions, aborted entries of every segment.
struct txn_view {
    offset lso;
    std::vector<std::pair<offset, int64_t>> open;
    std::vector<aborted_txn_entry> entries;
    bool operator==(const txn_view&) const = default;
};

txn_view view(const partition_log& log) {
    txn_view v{log.last_stable_offset(), {}, {}};
    for (const auto& [pid, e] : log.producers().producers())
        if (e.txn_first_offset) v.open.emplace_back(*e.txn_first_offset, pid());
    std::sort(v.open.begin(), v.open.end());
    // Every segment's entries as its file holds them.
    for (auto base : log.segment_bases()) {
        auto idx = txn_index::load(log.dir() / (offset_file_stem(base) + ".txnindex"));
        EXPECT_TRUE(idx && !idx->needs_rebuild());
        if (idx) v.entries.insert(v.entries.end(), idx->entries().begin(), idx->entries().end());
    }
    // ... and as a fetch sees them.
    EXPECT_EQ(log.aborted_transactions(log.log_start(), log.log_end()).size(), v.entries.size());
    return v;
}

void write_history(partition_log& log, producer& a, producer& b) {
    append(log, a.next());                  // a opens
    plain(log, 4);
    append(log, b.next());                  // b opens
    marker(log, a, false);                  // a aborted (spans a roll)
    plain(log, 3);
    append(log, a.next());                  // a opens again
    marker(log, b, false);                  // b aborted
    plain(log, 2);
    // left open: a
}

TEST(txn, reopen_after_close_and_after_crash) {
    enum mode { closed, crashed, crashed_without_snapshots };
    for (mode m : {closed, crashed, crashed_without_snapshots}) {
        bool crash = m != closed;
        test::temp_dir dir;
        txn_view before;
        {
            auto log = open_log(dir.path, small_segments());
            producer a{1}, b{2};
            write_history(*log, a, b);
            ASSERT_GT(log->segment_count(), 2u);
            before = view(*log);
            EXPECT_EQ(before.open.size(), 1u);
            EXPECT_EQ(before.entries.size(), 2u);
            EXPECT_LT(before.lso, log->log_end());
            if (!crash) log->close();
        }
        // Without snapshots the whole log is replayed, sealed segments' entries included.
        if (m == crashed_without_snapshots)
            for (auto o : producer_state::list_snapshots(dir.path))
                std::filesystem::remove(producer_state::snapshot_path(dir.path, o));
        auto log = open_log(dir.path, small_segments());
        EXPECT_EQ(view(*log), before) << "mode: " << m;
        // The reopened log carries on: a's open transaction commits, LSO catches up.
        marker(*log, producer{1}, true);
        EXPECT_EQ(log->last_stable_offset(), log->log_end());
    }
}

TEST(txn, crash_replays_markers_of_the_active_segment) {
    test::temp_dir dir;
    std::vector<aborted_txn_entry> entries;
    {
        auto log = open_log(dir.path); // one segment: everything is replayed
        producer a{1};
        append(*log, a.next());
        plain(*log);
        marker(*log, a, false);
        append(*log, a.next());
        entries = log->active().txns().entries();
        ASSERT_EQ(entries.size(), 1u);
    }
    // As if the unsynced index write was lost in the crash.
    std::filesystem::resize_file(dir.path / "00000000000000000000.txnindex", 0);
    auto log = open_log(dir.path);
    EXPECT_EQ(log->active().txns().entries(), entries);
    EXPECT_EQ(log->last_stable_offset(), offset(3));
}

TEST(txn, missing_or_corrupt_txnindex_of_a_sealed_segment_is_rebuilt) {
    for (bool corrupt : {false, true}) {
        test::temp_dir dir;
        std::vector<std::vector<aborted_txn_entry>> before; // per file below
        {
            auto log = open_log(dir.path, small_segments());
            producer a{1}, b{2};
            write_history(*log, a, b);
            plain(*log, 6); // push the markers' segments below the snapshot
            log->close();
        }
        std::vector<std::filesystem::path> files;
        {
            auto log = open_log(dir.path, small_segments());
            for (auto base : log->segment_bases()) {
                auto p = dir.path / (offset_file_stem(base) + ".txnindex");
                auto raw = read_whole_file(p);
                ASSERT_TRUE(raw);
                if (!raw->empty()) files.push_back(p);
            }
            ASSERT_EQ(files.size(), 2u); // the two aborts' markers are in different sealed segments
            for (const auto& f : files) before.push_back(txn_index::load(f).value().entries());
        }
        for (const auto& f : files) {
            if (corrupt) {
                std::ofstream(f, std::ios::binary | std::ios::app) << "xyz";
            } else {
                std::filesystem::remove(f);
            }
        }
        auto log = open_log(dir.path, small_segments());
        for (size_t i = 0; i < files.size(); ++i) {
            auto idx = txn_index::load(files[i]);
            ASSERT_TRUE(idx);
            EXPECT_FALSE(idx->needs_rebuild());
            EXPECT_EQ(idx->entries(), before[i]) << "corrupt: " << corrupt << " file " << files[i];
        }
    }
}

TEST(txn, upgrade_from_meta_v1_creates_missing_txnindex_without_a_scan) {
    test::temp_dir dir;
    {
        auto log = open_log(dir.path, small_segments());
        producer a{1};
        append(*log, a.next());
        marker(*log, a, false); // cannot happen under v1; here it shows no scan ran
        plain(*log, 8);
        log->close();
    }
    std::vector<std::filesystem::path> idx_files;
    for (const auto& de : std::filesystem::directory_iterator(dir.path))
        if (de.path().extension() == ".txnindex") idx_files.push_back(de.path());
    ASSERT_GT(idx_files.size(), 2u);
    for (const auto& f : idx_files) std::filesystem::remove(f);
    std::ofstream(dir.path / "partition.meta", std::ios::trunc) << R"({"version":1,"leader_epoch":0,"log_start_offset":0})";
    auto log = open_log(dir.path, small_segments());
    for (const auto& f : idx_files) {
        ASSERT_TRUE(std::filesystem::exists(f)) << f;
        EXPECT_EQ(std::filesystem::file_size(f), 0u) << f;
    }
    EXPECT_TRUE(log->aborted_transactions(offset(0), log->log_end()).empty());
    log->close();
    auto meta = read_whole_file(dir.path / "partition.meta");
    ASSERT_TRUE(meta);
    EXPECT_NE(std::string(meta->begin(), meta->end()).find(R"("version":2)"), std::string::npos);
}

TEST(txn, failed_txnindex_write_keeps_the_entry_and_rebuilds_the_file) {
    test::temp_dir dir;
    auto idx_path = dir.path / "00000000000000000000.txnindex";
    std::vector<aborted_txn> expected;
    {
        auto log = open_log(dir.path);
        // Make the index unwritable: a directory where the file was.
        std::filesystem::remove(idx_path);
        std::filesystem::create_directory(idx_path);
        producer a{1};
        offset first = append(*log, a.next());
        marker(*log, a, false); // succeeds: the marker is in the log
        expected = {{producer_id(1), first}};
        EXPECT_EQ(log->aborted_transactions(offset(0), log->log_end()), expected);
        log->close(); // abandons the index file
    }
    EXPECT_FALSE(std::filesystem::exists(idx_path));
    auto log = open_log(dir.path);
    EXPECT_EQ(log->aborted_transactions(offset(0), log->log_end()), expected);
    EXPECT_EQ(std::filesystem::file_size(idx_path), aborted_txn_entry::size);
}

TEST(txn, retention_keeps_lso_at_log_start_and_deletes_txnindex) {
    test::temp_dir dir;
    auto log = open_log(dir.path, small_segments());
    producer a{1}, b{2};
    append(*log, b.next());
    plain(*log, 2);
    marker(*log, b, false); // an entry in the first segment
    append(*log, a.next()); // open
    plain(*log, 8);
    auto first_base = log->segment_bases().front();
    auto first_idx = dir.path / (offset_file_stem(first_base) + ".txnindex");
    ASSERT_TRUE(std::filesystem::exists(first_idx));
    offset open_at = *log->producers().producers().at(producer_id(1)).txn_first_offset;
    log->delete_before(offset(8));
    EXPECT_GT(log->log_start(), open_at);
    EXPECT_FALSE(std::filesystem::exists(first_idx));
    EXPECT_EQ(log->last_stable_offset(), log->log_start());
    EXPECT_TRUE(log->aborted_transactions(log->log_start(), log->log_end()).empty());
}

TEST(txn, producer_expiry_keeps_open_transactions) {
    test::temp_dir dir;
    auto log = open_log(dir.path);
    producer idle{1}, open{2}, fresh{3};
    append(*log, idle.next(1, false), 1000);
    append(*log, open.next(1, true), 1000);
    append(*log, fresh.next(1, false), 50'000);
    const int64_t day = 86'400'000;
    EXPECT_EQ(log->expire_producers(timestamp_ms(1000 + day - 1), day), 0u);
    EXPECT_EQ(log->expire_producers(timestamp_ms(1000 + day), day), 1u); // idle only
    EXPECT_EQ(log->producers().size(), 2u);
    EXPECT_FALSE(log->producers().producers().contains(producer_id(1)));
    EXPECT_TRUE(log->producers().producers().contains(producer_id(2)));
    // Once its transaction ends (the marker counts as activity), it expires in its turn.
    marker(*log, open, true, 0, 2 * day + 1);
    EXPECT_EQ(log->expire_producers(timestamp_ms(3 * day), day), 1u); // fresh
    EXPECT_TRUE(log->producers().producers().contains(producer_id(2)));
    EXPECT_EQ(log->expire_producers(timestamp_ms(3 * day + 1), day), 1u);
    EXPECT_EQ(log->producers().size(), 0u);
    // An expired producer is unknown again: accepted at whatever sequence it sends (Kafka).
    auto late = idle.next(1, false);
    EXPECT_TRUE(log->append(late.bytes, late.header));
}

} // namespace
} // namespace brook::storage
