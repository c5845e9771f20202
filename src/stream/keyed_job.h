#pragma once
// The key-grouped worker of an exactly-once windowed job (docs/sql-scale-out.md), private to
// src/stream: the class and what its parts share. keyed_job.cc: set-up, the loop, checkpoints
// (one transaction each); keyed_job_rebalance.cc: assignments, startup offsets, restores from
// the changelog; keyed_job_stages.cc: stage 1 (source → repartition) and stage 2 (key group →
// window operator → sink). One thread per worker.
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/admin.h"
#include "client/consumer.h"
#include "client/producer.h"
#include "stream/codec.h"
#include "stream/job.h"
#include "stream/key_groups.h"
#include "stream/pipeline.h"
#include "stream/state_store.h"

namespace brook::stream::keyed {

// The local mirror of key group g's panes in RocksDB: 'K', g big-endian, pane key.
inline std::string local_prefix(int32_t g) {
    std::string k = "K";
    for (int s = 24; s >= 0; s -= 8) k.push_back(char((uint32_t(g) >> s) & 0xff));
    return k;
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

    // Leaves the group while the producer and the store still exist: closing the consumer runs
    // the revocation callback, which must then checkpoint nothing (the open transaction is left
    // to the next instance's init_transactions or the transaction timeout to abort).
    ~keyed_job() {
        closing_ = true;
        consumer_.reset();
    }
    keyed_job(const keyed_job&) = delete;
    keyed_job& operator=(const keyed_job&) = delete;

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
    bool closing_ = false; // the worker is going away: a revocation only drops state

    std::vector<sink_row> rows_;
    std::vector<window_result> results_;
    std::vector<window> missed_;
    routed_row routed_;
    source_mark mark_;
    row r_;
    int64_t skipped_ = 0;
    int64_t checkpoints_ = 0;
};

} // namespace brook::stream::keyed
