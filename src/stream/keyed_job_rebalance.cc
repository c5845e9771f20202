// A key-grouped worker's assignments (docs/sql-scale-out.md "Rebalance, restore, restart"):
// eager rebalancing, the startup offsets of a first start, and restoring key groups from the
// job's changelog.
#include <algorithm>
#include <iterator>

#include "stream/job_common.h"
#include "stream/keyed_job.h"

namespace brook::stream::keyed {
namespace {

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

} // namespace

// Eager rebalancing: a revocation checkpoints (commits everything read so far with its outputs)
// and drops all state; the assignment that follows restores its key groups from the changelog.
void keyed_job::on_rebalance(bool assigned, std::vector<client::partition_offset>& parts) {
    if (rebalance_error_) return;
    if (!assigned) {
        rebalancing_ = true;
        if (in_txn_ && !closing_) rebalance_error_ = checkpoint(false);
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
        // A SIGTERM (the broker gone, say) must not wait out the 120 s.
        if (o_.stop && o_.stop->load()) return "stopped while restoring key groups from " + changelog_;
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

} // namespace brook::stream::keyed
