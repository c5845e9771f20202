// A windowed job with an exactly-once sink, run as one worker of a consumer group
// (docs/sql-scale-out.md): the worker reads the source partitions and the key groups (partitions
// of the job's repartition topic) the group assigns it, with one consumer and one transactional
// producer. Stage 1 (source partition → repartition) and stage 2 (key group → window operator →
// sink) run on the same thread; a checkpoint is one transaction holding the repartition writes,
// watermark marks, changelog writes, sink rows, late rows and the offsets of both topics.
#include "stream/keyed_job.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "stream/job_common.h"
#include "stream/state_codec.h"

namespace brook::stream {
namespace keyed {
namespace {

// Creates the job's internal topic with `partitions` partitions or checks the one there.
// Changelogs ask for compaction; a broker that refuses it gets delete with infinite retention.
// A stop (SIGTERM) ends the wait for a new topic's partitions.
std::optional<std::string> ensure_topic(client::admin& a, const std::string& name, int32_t partitions, bool changelog,
                                        const std::string& job, const std::atomic<bool>* stop) {
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
            if (stop && stop->load()) return "stopped while waiting for topic " + name;
            have = a.describe_topic(name, timeout_ms);
            if (have && int32_t(have->partitions.size()) == partitions) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (!have) return "topic " + name + ": " + have.err().message;
    }
    if (int32_t(have->partitions.size()) != partitions)
        return "topic " + name + " has " + std::to_string(have->partitions.size()) + " partitions but the job has " +
               std::to_string(partitions) + " key groups ('pipeline.max-parallelism' is fixed when a job is created)";
    return std::nullopt;
}

} // namespace

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
    client::topic_info topic;
    if (auto e = describe_source(*a, plan_, topic)) return e;
    sources_n_ = int32_t(topic.partitions.size());
    for (const auto& t : {dst_.topic, src_.late_topic})
        if (!t.empty())
            if (auto st = a->describe_topic(t, timeout_ms); !st) return "topic '" + t + "': " + st.err().message;
    if (auto e = ensure_topic(*a, repartition_, groups_n_, false, plan_.name, o_.stop)) return e;
    if (auto e = ensure_topic(*a, changelog_, groups_n_, true, plan_.name, o_.stop)) return e;
    if (src_.bounded)
        if (auto e = end_offsets(*a, src_, topic, end_at_)) return e;

    // The local store: a mirror of the owned key groups; the changelog is what a worker restores.
    std::error_code ec;
    std::filesystem::create_directories(o_.state_dir, ec);
    if (ec) return "--state-dir " + o_.state_dir + ": " + ec.message();
    std::string err;
    store_ = state_store::open(o_.state_dir, err);
    if (!store_) return err;
    fingerprint_ = "keyed " + src_.group_id + ": " + src_.topic + " -> " + dst_.topic + ", " + std::to_string(groups_n_) +
                   " key groups, " + window_fingerprint(plan_);
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
    // Stage 2 reads the repartition topic through the consumer's priority lane: what a key group
    // was sent is processed before more source is read, and the source's prefetch (librdkafka's
    // queued.min.messages counts one shared queue) can no longer hold the repartition partitions'
    // fetches back — with one queue, a loaded worker ran stage 1 thousands of records ahead and
    // its key groups saw nothing for seconds.
    ccfg.emplace_back("group.id", group_id_);
    ccfg.emplace_back("client.id", client_id);
    ccfg.emplace_back("enable.auto.commit", "false");
    ccfg.emplace_back("isolation.level", "read_committed");
    ccfg.emplace_back("partition.assignment.strategy", "range");
    ccfg.emplace_back("auto.offset.reset", "earliest");
    auto c = client::consumer::create(
        ccfg, [this](bool assigned, std::vector<client::partition_offset>& parts) { on_rebalance(assigned, parts); }, repartition_);
    if (!c) return c.err().message;
    consumer_ = std::make_unique<client::consumer>(std::move(*c));
    if (auto st = consumer_->subscribe({src_.topic, repartition_}); !st) return "subscribe: " + st.err().message;
    log("worker " + worker + " joined group " + group_id_ + " (" + std::to_string(groups_n_) + " key groups, " + repartition_ + ", " +
        changelog_ + ")");
    return std::nullopt;
}

std::optional<std::string> keyed_job::send(client::record r) {
    sent_since_commit_ = true;
    auto id = producer_->send(r);
    if (!id) return "write to " + r.topic + ": " + id.err().message;
    return std::nullopt;
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
    // A checkpoint that fails once a stop was asked for (a dead broker fails it within the client
    // timeouts, ~10 s) says so: what was read since the last committed one is read again.
    auto checkpoint_failed = [&](const std::string& e) {
        if (o_.stop && o_.stop->load())
            return fail("stopped without committing the last checkpoint (" + e + "); a restart resumes from the last committed one");
        return fail(e);
    };
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
            if (auto e = checkpoint(false)) return checkpoint_failed(*e);
        }
    }
    if (auto e = checkpoint(true)) return checkpoint_failed(*e);
    (void)stopped;
    progress(true);
    (void)consumer_->close(); // leaves the group: the others take this worker's partitions over
    if (rebalance_error_) return fail(*rebalance_error_);
    if (skipped_ > 0) log("skipped " + std::to_string(skipped_) + " record(s) that did not parse");
    return 0;
}

} // namespace keyed

int run_keyed_job(const job_plan& plan, const job_options& o) {
    keyed::keyed_job j(plan, o);
    return j.run();
}

} // namespace brook::stream
