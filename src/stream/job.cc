#include "stream/job.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "client/admin.h"
#include "client/consumer.h"
#include "client/producer.h"
#include "stream/codec.h"
#include "stream/job_common.h"
#include "stream/pipeline.h"
#include "stream/state_store.h"

namespace brook::stream {
namespace {

// Writes sink rows and late rows, and turns failed deliveries into one error.
class writer {
public:
    // transactional_id non-empty: every write belongs to the open transaction (exactly-once).
    static client::outcome<writer> create(const kafka_options& k, const std::string& transactional_id = {}) {
        auto cfg = with_properties(client::base_config(k.bootstrap), k);
        // Properties meant for the source's consumer do not belong on a producer.
        std::erase_if(cfg, [](const auto& kv) { return kv.first == "auto.offset.reset" || kv.first == "isolation.level"; });
        cfg.insert(cfg.begin() + 1, {"linger.ms", "5"});
        if (!transactional_id.empty()) cfg.emplace_back("transactional.id", transactional_id);
        auto p = client::producer::create(cfg);
        if (!p) return p.err();
        if (!transactional_id.empty()) {
            // Fences an older instance of this job and aborts the transaction it left open.
            if (auto st = p->init_transactions(timeout_ms); !st) return client::error{st.err().code, "init transactions: " + st.err().message};
            if (auto st = p->begin_transaction(); !st) return client::error{st.err().code, "begin transaction: " + st.err().message};
        }
        return writer(std::move(*p));
    }
    // Ends the open transaction with the input offsets it consumed (visible to read_committed
    // readers and to the group together), then opens the next unless this was the last.
    std::optional<std::string> commit_transaction(const std::vector<client::partition_offset>& offsets, const client::group_metadata& g,
                                                  const std::string& metadata, bool last) {
        if (auto st = p_->send_offsets_to_transaction(offsets, g, timeout_ms, metadata); !st) return "send offsets to transaction: " + st.err().message;
        if (auto st = p_->commit_transaction(timeout_ms); !st) return "commit transaction: " + st.err().message;
        if (auto e = check(p_->poll(0))) return e;
        if (!last)
            if (auto st = p_->begin_transaction(); !st) return "begin transaction: " + st.err().message;
        return std::nullopt;
    }
    std::optional<std::string> send(const client::record& r) {
        auto id = p_->send(r);
        if (!id) return "write to " + r.topic + ": " + id.err().message;
        return check(p_->poll(0));
    }
    std::optional<std::string> serve() { return check(p_->poll(0)); }
    std::optional<std::string> flush() {
        for (int i = 0; i < 6 && p_->in_flight() > 0; ++i)
            if (auto e = check(p_->flush(timeout_ms))) return e;
        if (p_->in_flight() > 0) return std::to_string(p_->in_flight()) + " write(s) not acknowledged in time";
        return std::nullopt;
    }

private:
    explicit writer(client::producer p) : p_(std::make_unique<client::producer>(std::move(p))) {}
    static std::optional<std::string> check(const std::vector<client::delivery>& ds) {
        for (const auto& d : ds)
            if (d.failed) return "write to " + d.topic + " failed: " + d.failed->message;
        return std::nullopt;
    }
    std::unique_ptr<client::producer> p_;
};

// Where each partition starts (scan.startup.mode) and, for a bounded source, ends.
struct source_positions {
    std::vector<int32_t> parts;
    std::vector<client::partition_offset> assignment;
    std::map<int32_t, int64_t> end_at; // bounded: the end offsets seen at start
};

client::outcome<source_positions> plan_source(client::admin& a, const kafka_options& src, const client::topic_info& topic) {
    source_positions sp;
    for (const auto& p : topic.partitions) sp.parts.push_back(p.partition);
    std::vector<int64_t> by_time;
    if (src.startup_mode == "timestamp") {
        auto offs = a.offsets_for_time(src.topic, sp.parts, src.startup_timestamp_ms, timeout_ms);
        if (!offs) return client::error{offs.err().code, "offsets for scan.startup.timestamp-millis: " + offs.err().message};
        by_time = *offs;
    }
    for (size_t i = 0; i < sp.parts.size(); ++i) {
        int64_t start = client::offset_beginning;
        if (src.startup_mode == "latest-offset") start = client::offset_end;
        else if (src.startup_mode == "group-offsets") start = client::offset_stored;
        else if (src.startup_mode == "timestamp") start = by_time[i] < 0 ? client::offset_end : by_time[i];
        else if (src.startup_mode == "specific-offsets") {
            auto it = src.specific_offsets.find(sp.parts[i]);
            start = it == src.specific_offsets.end() ? client::offset_beginning : it->second;
        }
        sp.assignment.push_back({{src.topic, sp.parts[i]}, start});
    }
    if (src.bounded)
        if (auto e = end_offsets(a, src, topic, sp.end_at)) return client::error{RD_KAFKA_RESP_ERR__FAIL, *e};
    return sp;
}

// What a state directory's contents belong to: a restart must run the same job over them.
std::string job_fingerprint(const job_plan& p) {
    std::string s = p.name + ": " + p.source.kafka.topic + " -> " + p.sink.kafka.topic;
    if (p.windowed) s += ", " + window_fingerprint(p);
    return s;
}

// Exactly-once: what a checkpoint's transaction commits as each partition's offset metadata.
std::string txn_metadata(int64_t seq, int64_t watermark) {
    return "brook-sql txn=" + std::to_string(seq) + " wm=" + std::to_string(watermark);
}

// The last committed transaction of the job (0: none) and its watermark, from the group's
// committed offsets' metadata.
struct committed_txn {
    int64_t seq = 0;
    int64_t watermark = no_watermark;
};

std::optional<std::string> read_committed_txn(client::consumer& c, const std::string& topic, const std::vector<int32_t>& parts,
                                              committed_txn& out) {
    std::vector<client::topic_partition> tps;
    for (int32_t p : parts) tps.push_back({topic, p});
    auto got = c.committed(tps, timeout_ms);
    if (!got) return "read the group's committed offsets: " + got.err().message;
    for (const auto& po : *got) {
        if (po.metadata.empty()) continue;
        long long seq = 0, wm = 0;
        if (std::sscanf(po.metadata.c_str(), "brook-sql txn=%lld wm=%lld", &seq, &wm) != 2)
            return "the group's committed offset of " + topic + "/" + std::to_string(po.tp.partition) + " has metadata '" + po.metadata +
                   "', not a brook sql transaction's (another application's group?)";
        if (seq > out.seq) out = {seq, wm};
    }
    return std::nullopt;
}

// Opens the job's state directory and restores what its last checkpoint left: window panes,
// watermarks, and the offsets the assignment resumes from. With `committed` (exactly-once) the
// store is first reconciled with the group's last committed transaction.
std::optional<std::string> open_state(const std::string& dir, const std::string& fingerprint, pipeline& pl,
                                      std::vector<client::partition_offset>& assignment, std::unique_ptr<state_store>& store,
                                      checkpoint_meta& meta, const committed_txn* committed) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return "--state-dir " + dir + ": " + ec.message();
    std::string err;
    store = state_store::open(dir, err);
    if (!store) return err;
    if (committed)
        if (auto e = store->reconcile(committed->seq)) return dir + ": " + *e;
    if (auto e = store->load(meta, [&](std::string_view k, std::string_view v) { return pl.op() && pl.op()->restore(k, v); }))
        return e;
    if (meta.present) {
        if (meta.job != fingerprint)
            return "state directory " + dir + " holds the state of another job (" + meta.job + "); use a new --state-dir";
        for (auto& po : assignment)
            if (auto it = meta.next_offsets.find(po.tp.partition); it != meta.next_offsets.end()) po.offset = it->second;
        for (const auto& [p, wm] : meta.partition_watermarks) pl.tracker().restore(p, wm);
        int64_t wm = meta.watermark;
        if (committed && committed->watermark != no_watermark) wm = std::max(wm, committed->watermark);
        pl.tracker().restore_current(wm);
        if (pl.op()) pl.op()->restore_watermark(wm);
    }
    if (pl.op()) pl.op()->track_changes(true);
    return std::nullopt;
}

} // namespace

bool is_keyed(const job_plan& plan) {
    return plan.windowed && !plan.window_rows && plan.sink.kafka.exactly_once && !plan.source.kafka.group_id.empty();
}

int run_job(const job_plan& plan, const job_options& o) {
    if (is_keyed(plan)) return run_keyed_job(plan, o);
    auto fail = [&](const std::string& what) {
        std::cerr << "brook sql: " << plan.name << ": " << what << "\n";
        return 1;
    };
    const kafka_options& src = plan.source.kafka;
    const kafka_options& dst = plan.sink.kafka;

    auto a = client::admin::create(with_properties(client::base_config(src.bootstrap), src));
    if (!a) return fail(a.err().message);
    client::topic_info topic;
    if (auto e = describe_source(*a, plan, topic)) return fail(*e);
    if (!src.late_topic.empty())
        if (auto lt = a->describe_topic(src.late_topic, timeout_ms); !lt)
            return fail("'late-data.topic' '" + src.late_topic + "': " + lt.err().message);
    {
        auto sa = client::admin::create(with_properties(client::base_config(dst.bootstrap), dst));
        if (!sa) return fail(sa.err().message);
        if (auto st = sa->describe_topic(dst.topic, timeout_ms); !st)
            return fail("sink topic '" + dst.topic + "' of table '" + plan.sink.name + "': " + st.err().message);
    }
    auto sp = plan_source(*a, src, topic);
    if (!sp) return fail(sp.err().message);
    // Formats with a schema registry: a sink registers its schemas before its first write (and,
    // exactly-once, before its first transaction).
    auto src_codec = table_codec::open(plan.source);
    if (auto* why = std::get_if<std::string>(&src_codec)) return fail(*why);
    auto sink_codec = table_codec::open(plan.sink);
    if (auto* why = std::get_if<std::string>(&sink_codec)) return fail(*why);
    table_codec& in_codec = std::get<table_codec>(src_codec);
    table_codec& out_codec = std::get<table_codec>(sink_codec);
    if (auto e = out_codec.prepare_sink()) return fail("sink '" + plan.sink.name + "': " + *e);
    auto& [parts, assignment, end_at] = *sp;

    // The pipeline, and with a state directory what the last checkpoint left.
    pipeline pl(plan);
    const int64_t t0 = now_ms();
    for (int32_t p : parts) pl.add_partition(p, t0);
    const bool eos = dst.exactly_once;
    if (eos && o.state_dir.empty())
        return fail("sink '" + plan.sink.name + "' is exactly-once, which needs --state-dir (its checkpoints are the transactions)");

    auto ccfg = with_properties(client::base_config(src.bootstrap), src);
    if (!src.group_id.empty()) ccfg.emplace_back("group.id", src.group_id);
    ccfg.emplace_back("enable.auto.commit", "false");
    auto c = client::consumer::create(ccfg);
    if (!c) return fail(c.err().message);

    // Exactly-once: the producer is created (fencing the job's previous instance and aborting its
    // open transaction) before the group's committed transaction is read, so that read is final.
    std::unique_ptr<writer> out;
    {
        std::string txn_id;
        if (eos) txn_id = dst.transactional_id_prefix + "-" + std::filesystem::path(o.state_dir).filename().string();
        auto w = writer::create(dst, txn_id);
        if (!w) return fail(w.err().message);
        out = std::make_unique<writer>(std::move(*w));
    }
    committed_txn committed;
    client::group_metadata group;
    if (eos) {
        if (auto e = read_committed_txn(*c, src.topic, parts, committed)) return fail(*e);
        auto g = c->txn_group_metadata();
        if (!g) return fail("group metadata of " + src.group_id + ": " + g.err().message);
        group = *g;
    }

    std::unique_ptr<state_store> store;
    checkpoint_meta meta;
    const std::string fingerprint = job_fingerprint(plan);
    if (!o.state_dir.empty()) {
        if (auto e = open_state(o.state_dir, fingerprint, pl, assignment, store, meta, eos ? &committed : nullptr)) return fail(*e);
        if (meta.present)
            std::cerr << "brook sql: " << plan.name << ": resuming from the checkpoint in " << o.state_dir << " ("
                      << pl.open_windows() << " open windows" << (eos ? ", transaction " + std::to_string(meta.txn_seq) : std::string()) << ")\n";
    }
    if (auto s = c->assign(assignment); !s) return fail("assign " + src.topic + ": " + s.err().message);

    // Exactly-once: late rows go into the sink's transaction (so 'late-data.topic' must live on
    // the sink's cluster); otherwise through their own producer on the source's cluster.
    writer* late_w = nullptr;
    std::unique_ptr<writer> late_out;
    if (eos && !src.late_topic.empty()) late_w = out.get();
    if (!eos && !src.late_topic.empty()) {
        auto lw = writer::create(src);
        if (!lw) return fail(lw.err().message);
        late_out = std::make_unique<writer>(std::move(*lw));
        late_w = late_out.get();
    }

    std::set<int32_t> finished;
    std::vector<sink_row> rows;
    auto finish = [&](int32_t p) {
        if (finished.insert(p).second) pl.finish_partition(p, now_ms(), rows);
    };
    if (src.bounded)
        for (const auto& po : assignment)
            if (po.offset == client::offset_end || (po.offset >= 0 && po.offset >= end_at[po.tp.partition])) finish(po.tp.partition);

    auto write_rows = [&]() -> std::optional<std::string> {
        client::record rec;
        for (const auto& r : rows) {
            if (auto e = out_codec.encode(r.values, r.is_delete, rec)) return "sink '" + plan.sink.name + "': " + *e;
            if (auto e = out->send(rec)) return e;
        }
        rows.clear();
        return std::nullopt;
    };
    auto progress = [&](bool done) {
        if (!o.on_progress) return;
        job_progress jp;
        jp.records_in = pl.stats().records_in;
        jp.rows_out = pl.stats().rows_out;
        jp.late_rows = pl.stats().late_rows;
        jp.watermark = pl.watermark();
        jp.open_windows = pl.open_windows();
        jp.state_bytes = store ? store->size_bytes() : 0;
        jp.finished = done;
        jp.source_watermarks = pl.tracker().partition_watermarks();
        o.on_progress(jp);
    };

    std::map<int32_t, int64_t> next_offset = meta.next_offsets;
    // The panes changed since the last checkpoint into the store's batch, and the metadata.
    auto take_state = [&] {
        if (pl.op())
            pl.op()->drain_changes([&](const std::string& k, const std::string* v) {
                if (v) store->put(k, *v);
                else store->erase(k);
            });
        meta.job = fingerprint;
        meta.next_offsets = next_offset;
        meta.partition_watermarks = pl.tracker().partition_watermarks();
        meta.watermark = pl.watermark();
    };
    // Exactly-once (protocol in README.md): stage the state in RocksDB, commit the transaction
    // holding this interval's writes and the input offsets, then apply the staged state.
    auto txn_checkpoint = [&](bool last) -> std::optional<std::string> {
        if (auto e = write_rows()) return e;
        if (next_offset.empty()) return std::nullopt; // nothing read yet, so nothing written
        take_state();
        meta.txn_seq += 1;
        if (auto e = store->stage(meta)) return e;
        std::vector<client::partition_offset> offs;
        for (const auto& [p, off] : next_offset) offs.push_back({{src.topic, p}, off});
        if (auto e = out->commit_transaction(offs, group, txn_metadata(meta.txn_seq, meta.watermark), last)) return e;
        return store->apply_staged();
    };
    // Writes first, then the state that no longer needs the input before them.
    auto checkpoint = [&](bool last) -> std::optional<std::string> {
        if (!store) return std::nullopt;
        if (eos) return txn_checkpoint(last);
        if (auto e = write_rows()) return e;
        if (auto e = out->flush()) return e;
        if (late_out) if (auto e = late_out->flush()) return e;
        take_state();
        if (auto e = store->commit(meta)) return e;
        // As Flink's Kafka source on a completed checkpoint: the group's committed offsets show
        // the job's progress (lag tools); the job itself resumes from its checkpoint.
        if (!src.group_id.empty())
            if (auto st = c->commit(); !st) return "commit offsets of group " + src.group_id + ": " + st.err().message;
        return std::nullopt;
    };

    int64_t skipped = 0;
    int64_t last_progress = t0;
    int64_t last_checkpoint = t0;
    row r;
    bool stopped = false;
    for (;;) {
        if (o.stop && o.stop->load()) { stopped = true; break; }
        if (src.bounded && finished.size() == parts.size()) break;
        auto ev = c->poll(100);
        if (!ev) return fail("read " + src.topic + ": " + ev.err().message);
        const int64_t now = now_ms();
        if (auto* rec = std::get_if<client::record>(&*ev)) {
            if (src.bounded && rec->offset >= end_at[rec->partition]) { finish(rec->partition); continue; }
            next_offset[rec->partition] = rec->offset + 1;
            if (auto err = in_codec.decode(*rec, r)) {
                if (!in_codec.skips_bad_records())
                    return fail("record " + rec->topic + "/" + std::to_string(rec->partition) + "@" + std::to_string(rec->offset) +
                                ": " + *err + in_codec.bad_record_hint());
                ++skipped;
            } else {
                const int64_t wm_before = pl.watermark();
                auto missed = pl.on_row(rec->partition, r, now, rows);
                if (!missed.empty() && late_w)
                    if (auto e = late_w->send(late_record(*rec, src.late_topic, missed, wm_before))) return fail(*e);
            }
            if (src.bounded && rec->offset + 1 >= end_at[rec->partition]) finish(rec->partition);
        } else if (auto* end = std::get_if<client::partition_end>(&*ev)) {
            if (src.bounded && end->offset >= end_at[end->tp.partition]) finish(end->tp.partition);
            pl.on_tick(now, rows);
        } else {
            pl.on_tick(now, rows);
        }
        if (auto e = write_rows()) return fail(*e);
        if (now - last_progress >= 1000) {
            last_progress = now;
            if (auto e = out->serve()) return fail(*e);
            if (late_out) if (auto e = late_out->serve()) return fail(*e);
            progress(false);
        }
        if (store && now - last_checkpoint >= o.checkpoint_interval_ms) {
            last_checkpoint = now;
            if (auto e = checkpoint(false)) return fail(*e);
            if (o.on_checkpoint) o.on_checkpoint(now_ms() - now);
        }
    }
    if (!stopped) pl.end_of_input(rows); // bounded: the end-of-input watermark fires everything
    if (eos) {
        if (auto e = checkpoint(true)) return fail(*e);
    } else {
        if (auto e = write_rows()) return fail(*e);
        if (auto e = out->flush()) return fail(*e);
        if (late_out) if (auto e = late_out->flush()) return fail(*e);
        if (auto e = checkpoint(true)) return fail(*e);
    }
    (void)c->close();
    progress(true);
    if (skipped > 0) std::cerr << "brook sql: " << plan.name << ": skipped " << skipped << " record(s) that did not parse\n";
    return 0;
}

} // namespace brook::stream
