// A windowed job with an exactly-once sink, run as one worker of a consumer group
// (docs/sql-scale-out.md): the worker reads the source partitions and the key groups (partitions
// of the job's repartition topic) the group assigns it, with one consumer and one transactional
// producer. Stage 1 (source partition → repartition) and stage 2 (key group → window operator →
// sink) run on the same thread; a checkpoint is one transaction holding the repartition writes,
// watermark marks, changelog writes, sink rows, late rows and the offsets of both topics.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "client/admin.h"
#include "client/consumer.h"
#include "client/producer.h"
#include "stream/codec.h"
#include "stream/job.h"
#include "stream/key_groups.h"
#include "stream/pipeline.h"
#include "stream/state_codec.h"
#include "stream/state_store.h"

namespace brook::stream {
namespace {

constexpr int timeout_ms = 10000;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

client::config with_properties(client::config cfg, const kafka_options& k) {
    for (const auto& kv : k.properties) cfg.push_back(kv);
    return cfg;
}

std::string describe_groups(const std::set<int32_t>& gs) {
    std::string s;
    for (auto it = gs.begin(); it != gs.end();) {
        auto run_end = it;
        while (std::next(run_end) != gs.end() && *std::next(run_end) == *run_end + 1) ++run_end;
        if (!s.empty()) s += ",";
        s += std::to_string(*it);
        if (run_end != it) s += "-" + std::to_string(*run_end);
        it = std::next(run_end);
    }
    return s.empty() ? "none" : s;
}

// The local mirror of key group g's panes in RocksDB: 'K', g big-endian, pane key.
std::string local_prefix(int32_t g) {
    std::string k = "K";
    for (int s = 24; s >= 0; s -= 8) k.push_back(char((uint32_t(g) >> s) & 0xff));
    return k;
}

// Creates the job's internal topic with `partitions` partitions or checks the one there.
// Changelogs ask for compaction; a broker that refuses it gets delete with infinite retention.
std::optional<std::string> ensure_topic(client::admin& a, const std::string& name, int32_t partitions, bool changelog,
                                        const std::string& job) {
    auto have = a.describe_topic(name, timeout_ms);
    if (!have) {
        client::new_topic t{name, partitions, 1, {}};
        if (changelog) t.configs = {{"cleanup.policy", "compact"}};
        auto st = a.create_topic(t, timeout_ms);
        if (!st && changelog && st.err().code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            std::cerr << "brook sql: " << job << ": the broker refused cleanup.policy=compact for " << name << " ("
                      << st.err().message << "); using cleanup.policy=delete with retention.ms=-1\n";
            t.configs = {{"cleanup.policy", "delete"}, {"retention.ms", "-1"}};
            st = a.create_topic(t, timeout_ms);
        }
        if (!st && st.err().code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return "create topic " + name + ": " + st.err().message;
        for (int i = 0; i < 50; ++i) {
            have = a.describe_topic(name, timeout_ms);
            if (have && int32_t(have->partitions.size()) == partitions) break;
        }
        if (!have) return "topic " + name + ": " + have.err().message;
    }
    if (int32_t(have->partitions.size()) != partitions)
        return "topic " + name + " has " + std::to_string(have->partitions.size()) + " partitions but the job has " +
               std::to_string(partitions) + " key groups ('pipeline.max-parallelism' is fixed when a job is created)";
    return std::nullopt;
}

struct key_group {
    window_operator op;
    key_group_clock clock;
    key_group(const job_plan& plan, int32_t sources) : op(plan.spec, plan.aggs, plan.emit_changes), clock(sources) {}
};

// What stage 1 knows of a source partition it reads.
struct source_state {
    int64_t watermark = no_watermark;
    int64_t last_row_ms = 0;
    bool finished = false;
    source_mark sent{-1, no_watermark, false, false}; // the last mark broadcast
};

class keyed_job {
public:
    keyed_job(const job_plan& plan, const job_options& o)
        : plan_(plan), o_(o), src_(plan.source.kafka), dst_(plan.sink.kafka), pl_(plan),
          group_id_("brook-sql-" + src_.group_id), repartition_(group_id_ + "-repartition"),
          changelog_(group_id_ + "-window-changelog"), groups_n_(plan.max_parallelism) {}

    int run();

private:
    int fail(const std::string& what) {
        std::cerr << "brook sql: " << plan_.name << ": " << what << "\n";
        return 1;
    }
    void log(const std::string& what) { std::cerr << "brook sql: " << plan_.name << ": " << what << "\n"; }
    std::optional<std::string> setup();
    void on_rebalance(bool assigned, std::vector<client::partition_offset>& parts);
    std::optional<std::string> restore(const std::set<int32_t>& gs);
    std::optional<std::string> startup_offsets(const std::vector<client::topic_partition>& fresh,
                                               std::vector<client::partition_offset>& parts);
    std::optional<std::string> on_source(const client::record& rec, int64_t now);
    std::optional<std::string> on_routed(const client::record& rec);
    std::optional<std::string> fire(int32_t g, key_group& kg);
    std::optional<std::string> send_rows(); // results_ → sink rows → the sink
    std::optional<std::string> send(client::record r);
    std::optional<std::string> broadcast(int32_t p, bool force, int64_t now);
    std::optional<std::string> finish_source(int32_t p, int64_t now);
    std::optional<std::string> checkpoint(bool last);
    bool done() const;
    void progress(bool finished);

    const job_plan& plan_;
    const job_options& o_;
    const kafka_options& src_;
    const kafka_options& dst_;
    pipeline pl_;
    std::string group_id_, repartition_, changelog_;
    int32_t groups_n_;
    int32_t sources_n_ = 0;
    std::string fingerprint_;
    std::map<int32_t, int64_t> end_at_; // bounded: each source partition's end offset at start

    std::unique_ptr<table_codec> in_codec_, out_codec_;
    std::unique_ptr<client::admin> admin_; // offsets by time for scan.startup.mode = timestamp
    std::unique_ptr<client::consumer> consumer_;
    std::unique_ptr<client::producer> producer_;
    std::unique_ptr<state_store> store_;
    std::map<int32_t, source_state> sources_;
    std::map<int32_t, std::unique_ptr<key_group>> groups_;
    std::set<int32_t> last_groups_; // the key groups of the previous assignment (for the log)
    bool rebalancing_ = true;       // until the first assignment, and between revoke and assign
    bool in_txn_ = false;
    bool read_since_checkpoint_ = false;
    bool sent_since_commit_ = false;
    std::optional<std::string> rebalance_error_;

    std::vector<sink_row> rows_;
    std::vector<window_result> results_;
    std::vector<window> missed_;
    routed_row routed_;
    source_mark mark_;
    row r_;
    int64_t skipped_ = 0;
    int64_t checkpoints_ = 0;

};

std::optional<std::string> keyed_job::setup() {
    if (src_.bootstrap != dst_.bootstrap)
        return "an exactly-once windowed job writes its sink, repartition and changelog topics in one transaction, so the "
               "sink must be on the source's cluster ('properties.bootstrap.servers' " + src_.bootstrap + " vs " + dst_.bootstrap + ")";
    if (o_.state_dir.empty())
        return "sink '" + plan_.sink.name + "' is exactly-once, which needs --state-dir (its checkpoints are the transactions)";

    {
        auto made = client::admin::create(with_properties(client::base_config(src_.bootstrap), src_));
        if (!made) return made.err().message;
        admin_ = std::make_unique<client::admin>(std::move(*made));
    }
    client::admin* a = admin_.get();
    auto topic = a->describe_topic(src_.topic, timeout_ms);
    if (!topic) {
        if (topic.err().unreachable) return "cannot reach the brokers at " + src_.bootstrap + " (check --brokers or 'properties.bootstrap.servers')";
        return "source topic '" + src_.topic + "' of table '" + plan_.source.name + "': " + topic.err().message;
    }
    sources_n_ = int32_t(topic->partitions.size());
    for (const auto& t : {dst_.topic, src_.late_topic})
        if (!t.empty())
            if (auto st = a->describe_topic(t, timeout_ms); !st) return "topic '" + t + "': " + st.err().message;
    if (auto e = ensure_topic(*a, repartition_, groups_n_, false, plan_.name)) return e;
    if (auto e = ensure_topic(*a, changelog_, groups_n_, true, plan_.name)) return e;
    if (src_.bounded)
        for (const auto& p : topic->partitions) {
            auto w = a->query_watermarks({src_.topic, p.partition}, timeout_ms);
            if (!w) return "end offsets of " + src_.topic + ": " + w.err().message;
            end_at_[p.partition] = w->high;
        }

    // The local store: a mirror of the owned key groups; the changelog is what a worker restores.
    std::error_code ec;
    std::filesystem::create_directories(o_.state_dir, ec);
    if (ec) return "--state-dir " + o_.state_dir + ": " + ec.message();
    std::string err;
    store_ = state_store::open(o_.state_dir, err);
    if (!store_) return err;
    fingerprint_ = "keyed " + src_.group_id + ": " + src_.topic + " -> " + dst_.topic + ", " + std::to_string(groups_n_) +
                   " key groups, window " + std::to_string(int(plan_.spec.kind)) + "/" + std::to_string(plan_.spec.size) + "/" +
                   std::to_string(plan_.spec.slide) + "/" + std::to_string(plan_.spec.gap) + "/" + std::to_string(plan_.spec.offset) +
                   "/" + std::to_string(plan_.spec.grace) + ", " + std::to_string(plan_.keys.size()) + " keys, " +
                   std::to_string(plan_.aggs.size()) + " aggregates";
    std::string had, worker;
    if (auto e = store_->job(had)) return e;
    if (!had.empty() && had != fingerprint_)
        return "state directory " + o_.state_dir + " holds the state of another job (" + had + "); use a new --state-dir";
    if (auto e = store_->worker_id(worker)) return e;
    store_->erase_range("K", "L"); // whatever this worker owned before is restored from the changelog
    checkpoint_meta meta;
    meta.job = fingerprint_;
    if (auto e = store_->commit(meta)) return e;

    // Formats with a schema registry: the sink registers before the first transaction.
    for (auto [t, codec] : {std::pair{&plan_.source, &in_codec_}, {&plan_.sink, &out_codec_}}) {
        auto tc = table_codec::open(*t);
        if (auto* why = std::get_if<std::string>(&tc)) return *why;
        *codec = std::make_unique<table_codec>(std::get<table_codec>(std::move(tc)));
    }
    if (auto e = out_codec_->prepare_sink()) return "sink '" + plan_.sink.name + "': " + *e;

    // One transactional producer per worker: the id is stable across restarts of this state
    // directory (init_transactions fences a killed predecessor and aborts what it left open)
    // and distinct between workers; zombies of other workers are fenced by the group generation
    // that send_offsets_to_transaction carries (KIP-447).
    const std::string client_id = "brook-sql-" + worker + (o_.metrics_addr.empty() ? "" : "@" + o_.metrics_addr);
    auto pcfg = with_properties(client::base_config(dst_.bootstrap), dst_);
    pcfg.insert(pcfg.begin() + 1, {"linger.ms", "5"});
    pcfg.emplace_back("transactional.id", dst_.transactional_id_prefix + "-" + std::filesystem::path(o_.state_dir).filename().string() +
                                              "-" + worker);
    pcfg.emplace_back("transaction.timeout.ms", "10000"); // a killed worker's open transaction blocks its key groups this long at most
    pcfg.emplace_back("client.id", client_id);
    auto p = client::producer::create(pcfg);
    if (!p) return p.err().message;
    producer_ = std::make_unique<client::producer>(std::move(*p));
    if (auto st = producer_->init_transactions(timeout_ms); !st) return "init transactions: " + st.err().message;
    (void)producer_->prepare_topics({repartition_, changelog_, dst_.topic}, timeout_ms);

    auto ccfg = with_properties(client::base_config(src_.bootstrap), src_);
    ccfg.insert(ccfg.begin() + 1, {"session.timeout.ms", "6000"}); // a killed worker's partitions move after this
    ccfg.insert(ccfg.begin() + 1, {"heartbeat.interval.ms", "1000"});
    // Both stages share one fetch queue, so with librdkafka's default prefetch (100,000 records
    // a partition) the key groups see repartition records only behind what stage 1 has queued.
    // That costs latency, not results; 'properties.queued.min.messages' = '1000' keeps them in
    // step, but librdkafka 2.0 then backs the source off so long that throughput drops ~5x.
    ccfg.emplace_back("group.id", group_id_);
    ccfg.emplace_back("client.id", client_id);
    ccfg.emplace_back("enable.auto.commit", "false");
    ccfg.emplace_back("isolation.level", "read_committed");
    ccfg.emplace_back("partition.assignment.strategy", "range");
    ccfg.emplace_back("auto.offset.reset", "earliest");
    auto c = client::consumer::create(ccfg, [this](bool assigned, std::vector<client::partition_offset>& parts) {
        on_rebalance(assigned, parts);
    });
    if (!c) return c.err().message;
    consumer_ = std::make_unique<client::consumer>(std::move(*c));
    if (auto st = consumer_->subscribe({src_.topic, repartition_}); !st) return "subscribe: " + st.err().message;
    log("worker " + worker + " joined group " + group_id_ + " (" + std::to_string(groups_n_) + " key groups, " + repartition_ + ", " +
        changelog_ + ")");
    return std::nullopt;
}

// Eager rebalancing: a revocation checkpoints (commits everything read so far with its outputs)
// and drops all state; the assignment that follows restores its key groups from the changelog.
void keyed_job::on_rebalance(bool assigned, std::vector<client::partition_offset>& parts) {
    if (rebalance_error_) return;
    if (!assigned) {
        rebalancing_ = true;
        if (in_txn_) rebalance_error_ = checkpoint(false);
        sources_.clear();
        groups_.clear();
        store_->erase_range("K", "L");
        return;
    }
    std::set<int32_t> gs;
    std::vector<client::topic_partition> fresh_sources;
    const int64_t now = now_ms();
    for (auto& po : parts) {
        if (po.tp.topic == repartition_) gs.insert(po.tp.partition);
        else {
            sources_[po.tp.partition].last_row_ms = now;
            if (src_.startup_mode != "earliest-offset" && src_.startup_mode != "group-offsets") fresh_sources.push_back(po.tp);
        }
    }
    if (!fresh_sources.empty())
        if (auto e = startup_offsets(fresh_sources, parts)) {
            rebalance_error_ = *e;
            return;
        }
    std::set<int32_t> in, out;
    std::set_difference(gs.begin(), gs.end(), last_groups_.begin(), last_groups_.end(), std::inserter(in, in.end()));
    std::set_difference(last_groups_.begin(), last_groups_.end(), gs.begin(), gs.end(), std::inserter(out, out.end()));
    const int64_t t0 = now_ms();
    if (auto e = restore(gs)) {
        rebalance_error_ = *e;
        return;
    }
    size_t panes = 0;
    for (const auto& [g, kg] : groups_) panes += kg->op.open_windows();
    log("assigned key groups " + describe_groups(gs) + " (" + std::to_string(gs.size()) + " of " + std::to_string(groups_n_) +
        "; moved in " + describe_groups(in) + ", moved out " + describe_groups(out) + ") and " + std::to_string(sources_.size()) +
        " source partition(s); restored " + std::to_string(panes) + " panes from " + changelog_ + " in " +
        std::to_string(now_ms() - t0) + " ms");
    last_groups_ = gs;
    rebalancing_ = false;
    progress(false); // the metrics show the new assignment at once
    if (!in_txn_) {
        if (auto st = producer_->begin_transaction(); !st) rebalance_error_ = "begin transaction: " + st.err().message;
        else in_txn_ = true;
    }
}

// scan.startup.mode for the source partitions the group has no committed offset of, i.e. on the
// job's first start (a restart, or a partition moved to another worker, resumes from the
// group's offsets, as Flink's and Kafka's consumers do): latest-offset the end, timestamp the
// first offset at or after scan.startup.timestamp-millis, specific-offsets the listed offset
// (unlisted partitions the earliest). earliest-offset and group-offsets need nothing here
// (auto.offset.reset is earliest).
std::optional<std::string> keyed_job::startup_offsets(const std::vector<client::topic_partition>& fresh,
                                                      std::vector<client::partition_offset>& parts) {
    auto got = consumer_->committed(fresh, timeout_ms);
    if (!got) return "committed offsets: " + got.err().message;
    std::vector<int32_t> uncommitted;
    for (const auto& co : *got)
        if (co.offset < 0) uncommitted.push_back(co.tp.partition);
    if (uncommitted.empty()) return std::nullopt;
    std::map<int32_t, int64_t> start;
    if (src_.startup_mode == "timestamp") {
        auto offs = admin_->offsets_for_time(src_.topic, uncommitted, src_.startup_timestamp_ms, timeout_ms);
        if (!offs) return "offsets for scan.startup.timestamp-millis: " + offs.err().message;
        for (size_t i = 0; i < uncommitted.size(); ++i) start[uncommitted[i]] = (*offs)[i] < 0 ? client::offset_end : (*offs)[i];
    }
    for (int32_t p : uncommitted) {
        if (src_.startup_mode == "latest-offset") start[p] = client::offset_end;
        else if (src_.startup_mode == "specific-offsets") {
            auto it = src_.specific_offsets.find(p);
            start[p] = it == src_.specific_offsets.end() ? client::offset_beginning : it->second;
        }
    }
    for (auto& po : parts)
        if (po.tp.topic == src_.topic)
            if (auto it = start.find(po.tp.partition); it != start.end()) po.offset = it->second;
    return std::nullopt;
}

// Reads each key group's changelog partition to its end (read_committed) and rebuilds its
// operator and clock from the last value of every key.
std::optional<std::string> keyed_job::restore(const std::set<int32_t>& gs) {
    groups_.clear();
    store_->erase_range("K", "L");
    if (gs.empty()) return std::nullopt;
    auto cfg = with_properties(client::base_config(src_.bootstrap), src_);
    cfg.emplace_back("isolation.level", "read_committed");
    cfg.emplace_back("fetch.wait.max.ms", "10");
    auto c = client::consumer::create(cfg);
    if (!c) return "changelog reader: " + c.err().message;
    std::vector<client::partition_offset> assign;
    for (int32_t g : gs) assign.push_back({{changelog_, g}, client::offset_beginning});
    if (auto st = c->assign(assign); !st) return "assign " + changelog_ + ": " + st.err().message;
    std::map<int32_t, std::map<std::string, std::optional<std::string>>> latest;
    std::set<int32_t> ended;
    const int64_t deadline = now_ms() + 120000;
    while (ended.size() < gs.size()) {
        if (now_ms() > deadline) return "restoring " + changelog_ + " took more than 120 s";
        auto ev = c->poll(100);
        if (!ev) return "read " + changelog_ + ": " + ev.err().message;
        if (auto* rec = std::get_if<client::record>(&*ev)) {
            if (rec->key) latest[rec->partition][*rec->key] = rec->value;
        } else if (auto* end = std::get_if<client::partition_end>(&*ev)) {
            ended.insert(end->tp.partition);
        }
    }
    (void)c->close();
    for (int32_t g : gs) {
        auto kg = std::make_unique<key_group>(plan_, sources_n_);
        for (const auto& [k, v] : latest[g]) {
            if (!v) continue;
            if (k == "W") {
                if (!kg->clock.decode(*v))
                    return changelog_ + "/" + std::to_string(g) + ": the key group's watermarks do not decode (another job's topic?)";
                continue;
            }
            if (!kg->op.restore(k, *v)) return changelog_ + "/" + std::to_string(g) + ": a window pane does not decode";
            store_->put(local_prefix(g) + k, *v);
        }
        kg->op.restore_watermark(kg->clock.current());
        kg->op.track_changes(true);
        kg->clock.clear_changed();
        groups_[g] = std::move(kg);
    }
    return std::nullopt;
}

std::optional<std::string> keyed_job::send(client::record r) {
    sent_since_commit_ = true;
    auto id = producer_->send(r);
    if (!id) return "write to " + r.topic + ": " + id.err().message;
    return std::nullopt;
}

// A source partition's mark to every key group, when it changed (or always with force).
std::optional<std::string> keyed_job::broadcast(int32_t p, bool force, int64_t now) {
    auto& s = sources_[p];
    const bool idle = src_.idle_timeout_ms > 0 && !s.finished && now - s.last_row_ms >= src_.idle_timeout_ms;
    source_mark m{p, s.watermark, idle, s.finished};
    if (!force && m.watermark == s.sent.watermark && m.idle == s.sent.idle && m.finished == s.sent.finished) return std::nullopt;
    const std::string v = encode_mark(m);
    for (int32_t g = 0; g < groups_n_; ++g) {
        client::record r;
        r.topic = repartition_;
        r.partition = g;
        r.value = v;
        if (auto e = send(std::move(r))) return e;
    }
    s.sent = m;
    return std::nullopt;
}

std::optional<std::string> keyed_job::finish_source(int32_t p, int64_t now) {
    auto& s = sources_[p];
    if (s.finished) return std::nullopt;
    s.finished = true;
    return broadcast(p, true, now);
}

// Stage 1: a source record becomes a routed row in the repartition partition of its key group.
std::optional<std::string> keyed_job::on_source(const client::record& rec, int64_t now) {
    auto& s = sources_[rec.partition];
    if (src_.bounded && rec.offset >= end_at_[rec.partition]) return finish_source(rec.partition, now);
    if (auto err = in_codec_->decode(rec, r_)) {
        if (!in_codec_->skips_bad_records())
            return "record " + rec.topic + "/" + std::to_string(rec.partition) + "@" + std::to_string(rec.offset) + ": " + *err +
                   in_codec_->bad_record_hint();
        ++skipped_;
    } else {
        std::optional<int64_t> wm;
        const bool routed = pl_.route(r_, routed_.ts, routed_.keys, routed_.args, wm);
        const bool was_idle = s.sent.idle;
        if (wm) s.watermark = std::max(s.watermark, *wm);
        s.last_row_ms = now;
        if (was_idle)
            if (auto e = broadcast(rec.partition, false, now)) return e; // active again
        if (routed) {
            std::string enc;
            for (const auto& k : routed_.keys) encode_key(k, enc);
            routed_.source_partition = rec.partition;
            routed_.source_watermark = s.watermark;
            if (!src_.late_topic.empty()) routed_.original = rec;
            else routed_.original.reset();
            client::record out;
            out.topic = repartition_;
            out.partition = key_group_of(enc, groups_n_);
            out.timestamp_ms = rec.timestamp_ms;
            out.key = std::move(enc);
            out.value = encode_routed_row(routed_);
            if (auto e = send(std::move(out))) return e;
        }
    }
    if (src_.bounded && rec.offset + 1 >= end_at_[rec.partition]) return finish_source(rec.partition, now);
    return std::nullopt;
}

std::optional<std::string> keyed_job::fire(int32_t, key_group& kg) {
    const int64_t wm = kg.clock.advance();
    kg.op.advance(wm, results_);
    return send_rows();
}

std::optional<std::string> keyed_job::send_rows() {
    pl_.emit_results(results_, rows_);
    client::record rec;
    for (const auto& r : rows_) {
        if (auto e = out_codec_->encode(r.values, r.is_delete, rec)) return "sink '" + plan_.sink.name + "': " + *e;
        if (auto e = send(std::move(rec))) return e;
    }
    rows_.clear();
    return std::nullopt;
}

// Stage 2: a routed row or mark of key group rec.partition.
std::optional<std::string> keyed_job::on_routed(const client::record& rec) {
    auto it = groups_.find(rec.partition);
    if (it == groups_.end()) return std::nullopt; // revoked while the fetch was under way
    auto& kg = *it->second;
    const char kind = rec.value ? decode_routed(*rec.value, routed_, mark_) : 0;
    if (kind == 'W') {
        kg.clock.on_mark(mark_);
        return fire(rec.partition, kg);
    }
    if (kind != 'D') return "record " + rec.topic + "/" + std::to_string(rec.partition) + "@" + std::to_string(rec.offset) +
                             " is not a brook sql repartition record";
    kg.op.process(routed_.ts, std::move(routed_.keys), routed_.args, results_, missed_);
    if (auto e = send_rows()) return e;
    if (!missed_.empty()) {
        pl_.count_late();
        if (routed_.original && !src_.late_topic.empty()) {
            client::record late;
            const auto& in = *routed_.original;
            late.topic = src_.late_topic;
            late.key = in.key;
            late.value = in.value;
            late.timestamp_ms = in.timestamp_ms;
            late.headers = in.headers;
            for (const auto& w : missed_) {
                late.headers.push_back({"brook.window.start", std::to_string(w.start)});
                late.headers.push_back({"brook.window.end", std::to_string(w.end)});
            }
            late.headers.push_back({"brook.watermark", std::to_string(kg.op.watermark())});
            late.headers.push_back({"brook.source", in.topic + "/" + std::to_string(in.partition) + "/" + std::to_string(in.offset)});
            if (auto e = send(std::move(late))) return e;
        }
    }
    kg.clock.on_row(routed_.source_partition, routed_.source_watermark);
    return fire(rec.partition, kg);
}

// One transaction: marks, changelog writes, then the offsets of everything read; then the
// local mirror. Nothing read since the last one: nothing to commit.
std::optional<std::string> keyed_job::checkpoint(bool last) {
    if (!in_txn_) return std::nullopt;
    const int64_t t0 = now_ms();
    for (auto& [p, s] : sources_)
        if (auto e = broadcast(p, false, t0)) return e;
    for (auto& [g, kg] : groups_) {
        auto put = [&](const std::string& k, const std::optional<std::string>& v) -> std::optional<std::string> {
            client::record r;
            r.topic = changelog_;
            r.partition = g;
            r.key = k;
            r.value = v;
            if (v) store_->put(local_prefix(g) + k, *v);
            else store_->erase(local_prefix(g) + k);
            return send(std::move(r));
        };
        std::optional<std::string> err;
        kg->op.drain_changes([&](const std::string& k, const std::string* v) {
            if (!err) err = put(k, v ? std::optional<std::string>(*v) : std::nullopt);
        });
        if (err) return err;
        if (kg->clock.changed()) {
            if (auto e = put("W", kg->clock.encode())) return e;
            kg->clock.clear_changed();
        }
    }
    if (!read_since_checkpoint_ && !sent_since_commit_ && !last) return std::nullopt;
    auto offs = consumer_->positions();
    if (!offs) return "positions: " + offs.err().message;
    auto g = consumer_->txn_group_metadata();
    if (!g) return "group metadata of " + group_id_ + ": " + g.err().message;
    if (!offs->empty())
        if (auto st = producer_->send_offsets_to_transaction(*offs, *g, timeout_ms); !st)
            return "send offsets to transaction: " + st.err().message;
    if (auto st = producer_->commit_transaction(timeout_ms); !st) return "commit transaction: " + st.err().message;
    in_txn_ = false;
    for (const auto& d : producer_->poll(0))
        if (d.failed) return "write to " + d.topic + " failed: " + d.failed->message;
    checkpoint_meta meta;
    meta.job = fingerprint_;
    if (auto e = store_->commit(meta)) return e;
    read_since_checkpoint_ = false;
    sent_since_commit_ = false;
    ++checkpoints_;
    if (o_.on_checkpoint) o_.on_checkpoint(now_ms() - t0);
    if (!last) {
        if (auto st = producer_->begin_transaction(); !st) return "begin transaction: " + st.err().message;
        in_txn_ = true;
    }
    return std::nullopt;
}

// Bounded: every source partition this worker reads has ended and every key group it owns has
// seen all source partitions end (and so fired every window).
bool keyed_job::done() const {
    if (!src_.bounded || rebalancing_) return false;
    for (const auto& [p, s] : sources_)
        if (!s.finished) return false;
    for (const auto& [g, kg] : groups_)
        if (!kg->clock.all_finished()) return false;
    return true;
}

void keyed_job::progress(bool finished) {
    if (!o_.on_progress) return;
    job_progress jp;
    jp.records_in = pl_.stats().records_in;
    jp.rows_out = pl_.stats().rows_out;
    jp.late_rows = pl_.stats().late_rows;
    jp.watermark = no_watermark;
    bool first = true;
    for (const auto& [g, kg] : groups_) {
        jp.open_windows += kg->op.open_windows();
        const int64_t wm = kg->clock.current();
        if (wm == end_of_time) continue;
        jp.watermark = first ? wm : std::min(jp.watermark, wm);
        first = false;
    }
    jp.state_bytes = store_ ? store_->size_bytes() : 0;
    jp.finished = finished;
    jp.key_groups = std::vector<int32_t>(last_groups_.begin(), last_groups_.end());
    for (const auto& [p, s] : sources_) jp.source_watermarks[p] = s.watermark;
    o_.on_progress(jp);
}

int keyed_job::run() {
    if (auto e = setup()) return fail(*e);
    int64_t last_progress = now_ms(), last_checkpoint = last_progress;
    bool stopped = false;
    for (;;) {
        if (o_.stop && o_.stop->load()) { stopped = true; break; }
        if (done()) break;
        auto ev = consumer_->poll(100);
        if (rebalance_error_) return fail(*rebalance_error_);
        if (!ev) return fail("read: " + ev.err().message);
        const int64_t now = now_ms();
        if (auto* rec = std::get_if<client::record>(&*ev)) {
            read_since_checkpoint_ = true;
            auto e = rec->topic == repartition_ ? on_routed(*rec) : on_source(*rec, now);
            if (e) return fail(*e);
        } else if (auto* end = std::get_if<client::partition_end>(&*ev)) {
            if (end->tp.topic == src_.topic && src_.bounded && end->offset >= end_at_[end->tp.partition])
                if (auto e = finish_source(end->tp.partition, now)) return fail(*e);
        }
        if (now - last_progress >= 1000) {
            last_progress = now;
            for (const auto& d : producer_->poll(0))
                if (d.failed) return fail("write to " + d.topic + " failed: " + d.failed->message);
            progress(false);
        }
        if (now - last_checkpoint >= o_.checkpoint_interval_ms) {
            last_checkpoint = now;
            if (auto e = checkpoint(false)) return fail(*e);
        }
    }
    if (auto e = checkpoint(true)) return fail(*e);
    progress(true);
    (void)stopped;
    (void)consumer_->close(); // leaves the group: the others take this worker's partitions over
    if (rebalance_error_) return fail(*rebalance_error_);
    if (skipped_ > 0) log("skipped " + std::to_string(skipped_) + " record(s) that did not parse");
    return 0;
}

} // namespace

int run_keyed_job(const job_plan& plan, const job_options& o) {
    keyed_job j(plan, o);
    return j.run();
}

} // namespace brook::stream
