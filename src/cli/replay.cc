// `brook replay SOURCE --to TARGET`: the backfill replayer. It copies a bounded range of SOURCE
// into TARGET exactly once and resumably, over the Kafka protocol only (works against any broker
// with transactions):
//  1. A transactional producer, transactional.id "brook-replay-<source>-<target>", runs
//     init_transactions first: that fences an earlier run of the same copy (killed or still
//     alive) and aborts the transaction it left open, so what its group has committed is final.
//  2. A consumer in the replay's own group (assign only, never joins, read_committed) reads the
//     group's committed offsets. Their metadata ("brook-replay v1 to=T ends=p:e,...") holds the
//     end offsets fixed at the first start: a rerun resumes from the committed offsets up to
//     those ends, never a longer range. No metadata: a first start, which resolves --from/--until
//     to offsets and commits them (a transaction holding offsets only) before copying anything.
//  3. Consume-transform-produce: records are copied inside a transaction that also commits the
//     group's next offsets (send_offsets_to_transaction); a kill anywhere loses or repeats
//     nothing because the copies and the positions become visible together or not at all.
// The live groups of SOURCE are never read or written.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <cmath>
#include <sstream>
#include <thread>

#include "cli/cli.h"
#include "cli/format.h"
#include "cli/time_spec.h"
#include "client/consumer.h"
#include "client/producer.h"

namespace brook::cli {
namespace {

struct replay_options {
    global_options g;
    std::string source;
    std::string target;
    std::string from = "start";
    std::string until = "end";
    double rate = 0; // records per second; 0: unlimited
    std::string group;
};

// A transaction closes after this many records or this long, whichever comes first: small
// enough that a kill repeats little work, large enough that commits do not dominate.
constexpr int64_t txn_max_records = 20'000;
constexpr auto txn_max_age = std::chrono::milliseconds(500);

std::atomic<bool> interrupted{false};
extern "C" void on_replay_interrupt(int) { interrupted = true; }

using clock_type = std::chrono::steady_clock;

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string encode_plan(const std::string& target, const std::map<int32_t, int64_t>& ends) {
    std::string s = "brook-replay v1 to=" + target + " ends=";
    bool first = true;
    for (const auto& [p, e] : ends) {
        s += (first ? "" : ",") + std::to_string(p) + ":" + std::to_string(e);
        first = false;
    }
    return s;
}

// The target and end offsets a first start committed, or nullopt when `meta` is not a replay's.
std::optional<std::pair<std::string, std::map<int32_t, int64_t>>> decode_plan(const std::string& meta) {
    constexpr std::string_view prefix = "brook-replay v1 to=";
    if (meta.rfind(prefix, 0) != 0) return std::nullopt;
    auto sp = meta.find(" ends=", prefix.size());
    if (sp == std::string::npos) return std::nullopt;
    std::string target = meta.substr(prefix.size(), sp - prefix.size());
    std::map<int32_t, int64_t> ends;
    std::istringstream in(meta.substr(sp + 6));
    std::string item;
    while (std::getline(in, item, ',')) {
        long long p = 0, e = 0;
        if (std::sscanf(item.c_str(), "%lld:%lld", &p, &e) != 2) return std::nullopt;
        ends[static_cast<int32_t>(p)] = e;
    }
    return std::pair{target, ends};
}

// Resolves one end of the range for every partition: "start"/"end", an offset N, or @time.
client::outcome<std::map<int32_t, int64_t>> resolve(client::admin& a, const std::string& topic, const std::vector<int32_t>& parts,
                                                    const std::map<int32_t, client::watermarks>& wm, const std::string& spec,
                                                    bool is_from) {
    std::map<int32_t, int64_t> out;
    if (spec.starts_with("@")) {
        auto ts = parse_time_spec(spec, wall_ms());
        if (!ts) return client::error{-1, "bad time '" + spec + "': expected " + std::string(time_spec_forms)};
        auto offs = a.offsets_for_time(topic, parts, *ts, request_timeout_ms);
        if (!offs) return offs.err();
        // No record that late: the end (offsets_for_time says so with a logical -1).
        for (size_t i = 0; i < parts.size(); ++i) out[parts[i]] = (*offs)[i] >= 0 ? (*offs)[i] : wm.at(parts[i]).high;
        return out;
    }
    auto o = parse_offset_spec(spec);
    if (!o || (!is_from && *o >= 0) || (!is_from && *o == client::offset_beginning))
        return client::error{-1, is_from ? "bad --from '" + spec + "': expected start, an offset N or @time"
                                         : "bad --until '" + spec + "': expected end or @time"};
    for (int32_t p : parts) {
        const auto& w = wm.at(p);
        if (*o == client::offset_beginning) out[p] = w.log_start;
        else if (*o == client::offset_end) out[p] = w.high;
        else out[p] = std::clamp(*o, w.log_start, w.high); // past either end: that end
    }
    return out;
}

// Progress on stderr when it is a terminal: records, MB/s and ETA, redrawn in place.
class progress_bar {
public:
    explicit progress_bar(int64_t total) : on_(isatty(STDERR_FILENO) == 1), total_(total) {}
    void update(int64_t records, int64_t bytes, double seconds, bool force = false) {
        if (!on_) return;
        auto now = clock_type::now();
        if (!force && now - last_ < std::chrono::milliseconds(200)) return;
        last_ = now;
        const double frac = total_ > 0 ? std::min(1.0, double(records) / double(total_)) : 1.0;
        const int width = 30;
        std::string bar(size_t(frac * width), '#');
        bar.resize(width, '.');
        const double mbs = seconds > 0 ? double(bytes) / 1e6 / seconds : 0;
        const double rps = seconds > 0 ? double(records) / seconds : 0;
        char line[160];
        std::snprintf(line, sizeof line, "\r[%s] %3.0f%% %lld/%lld records  %.1f MB/s  ETA %s   ", bar.c_str(), frac * 100,
                      static_cast<long long>(records), static_cast<long long>(total_), mbs,
                      rps > 0 ? (std::to_string(int64_t(double(total_ - records) / rps)) + "s").c_str() : "-");
        std::cerr << line << std::flush;
    }
    void finish() {
        if (on_) std::cerr << "\n";
    }

private:
    bool on_;
    int64_t total_;
    clock_type::time_point last_{};
};

int64_t record_bytes(const client::record& r) {
    int64_t n = (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
    for (const auto& h : r.headers) n += h.key.size() + (h.value ? h.value->size() : 0);
    return n;
}

int run_replay(const replay_options& o) {
    const std::string what = "replay " + o.source + " to " + o.target;
    if (o.source == o.target) return usage("--to must name another topic than SOURCE '" + o.source + "'");
    const std::string group = o.group.empty() ? "brook-replay-" + o.source + "-" + o.target : o.group;
    const std::string txn_id = "brook-replay-" + o.source + "-" + o.target;
    // Bad specs are usage errors before anything touches the cluster.
    if (!o.from.starts_with("@")) {
        auto f = parse_offset_spec(o.from);
        if (!f || *f == client::offset_end) return usage("bad --from '" + o.from + "': expected start, an offset N or @time");
    } else if (!parse_time_spec(o.from, 0)) {
        return usage("bad --from '" + o.from + "': expected start, an offset N or " + std::string(time_spec_forms));
    }
    if (!o.until.starts_with("@")) {
        if (auto u = parse_offset_spec(o.until); !u || *u != client::offset_end)
            return usage("bad --until '" + o.until + "': expected end or " + std::string(time_spec_forms));
    } else if (!parse_time_spec(o.until, 0)) {
        return usage("bad --until '" + o.until + "': expected end or " + std::string(time_spec_forms));
    }

    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, what, a.err());
    auto src = a->describe_topic(o.source, request_timeout_ms);
    if (!src) return fail(o.g, what, src.err());
    std::vector<int32_t> parts;
    std::map<int32_t, client::watermarks> wm;
    for (const auto& p : src->partitions) {
        parts.push_back(p.partition);
        auto w = a->query_watermarks({o.source, p.partition}, request_timeout_ms);
        if (!w) return fail(o.g, what, w.err());
        wm[p.partition] = *w;
    }
    auto dst = a->describe_topic(o.target, request_timeout_ms);
    if (!dst && dst.err().code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        const int rf = src->partitions.empty() ? 1 : std::max<int>(1, int(src->partitions[0].replicas.size()));
        if (auto c = a->create_topic({o.target, int(parts.size()), rf, {}}, request_timeout_ms); !c)
            return fail(o.g, "create target topic " + o.target, c.err());
        std::cerr << "brook: created topic " << o.target << " with " << parts.size() << " partitions, as " << o.source << " has\n";
        dst = a->describe_topic(o.target, request_timeout_ms);
    }
    if (!dst) return fail(o.g, what, dst.err());
    // Same partition count: partition for partition (keeps per-partition order and placement);
    // otherwise librdkafka's murmur2_random partitioner, which is Kafka's default
    // (murmur2(key) mod partitions; null keys spread at random).
    const bool same_partitions = dst->partitions.size() == parts.size();

    auto pcfg = client_config(o.g);
    pcfg.emplace_back("transactional.id", txn_id);
    pcfg.emplace_back("partitioner", "murmur2_random");
    pcfg.emplace_back("linger.ms", "20");
    auto p = client::producer::create(pcfg);
    if (!p) return fail(o.g, what, p.err());
    if (auto s = p->init_transactions(request_timeout_ms); !s) return fail(o.g, what + ": init transactions", s.err());
    if (auto s = p->prepare_topics({o.target}, request_timeout_ms); !s) return fail(o.g, what, s.err());

    auto ccfg = client_config(o.g);
    ccfg.emplace_back("group.id", group);
    ccfg.emplace_back("isolation.level", "read_committed");
    ccfg.emplace_back("enable.auto.commit", "false");
    ccfg.emplace_back("enable.auto.offset.store", "false");
    auto c = client::consumer::create(ccfg);
    if (!c) return fail(o.g, what, c.err());

    // Resume, or fix the range of a first start.
    std::vector<client::topic_partition> tps;
    for (int32_t q : parts) tps.push_back({o.source, q});
    auto committed = c->committed(tps, request_timeout_ms);
    if (!committed) return fail(o.g, what + ": committed offsets of group " + group, committed.err());
    std::map<int32_t, int64_t> next, ends;
    bool resumed = false;
    for (const auto& co : *committed) {
        if (co.offset < 0 && co.metadata.empty()) continue; // nothing committed there
        auto plan = decode_plan(co.metadata);
        if (!plan) {
            std::cerr << "brook: " << what << ": group " << group << " has offsets committed by something else than brook replay ('"
                      << co.metadata << "'); pick another --group\n";
            return exit_failed;
        }
        if (plan->first != o.target) {
            std::cerr << "brook: " << what << ": group " << group << " belongs to a replay into " << plan->first
                      << "; pick another --group\n";
            return exit_failed;
        }
        ends = plan->second;
        resumed = true;
    }
    auto gm = c->txn_group_metadata();
    if (!gm) return fail(o.g, what, gm.err());
    if (resumed) {
        for (const auto& co : *committed)
            if (ends.contains(co.tp.partition)) next[co.tp.partition] = co.offset >= 0 ? co.offset : wm[co.tp.partition].log_start;
        std::cerr << "brook: resuming the replay group " << group << " started (its range is kept; --from/--until are not re-read)\n";
    } else {
        auto from = resolve(*a, o.source, parts, wm, o.from, true);
        if (!from) return fail(o.g, what + ": --from " + o.from, from.err());
        auto until = resolve(*a, o.source, parts, wm, o.until, false);
        if (!until) return fail(o.g, what + ": --until " + o.until, until.err());
        next = *from;
        for (int32_t q : parts) ends[q] = std::max(next[q], (*until)[q]);
    }
    const std::string plan_meta = encode_plan(o.target, ends);
    std::vector<client::partition_offset> offsets_out;
    auto offsets_now = [&] {
        offsets_out.clear();
        for (const auto& [q, n] : next) offsets_out.push_back({{o.source, q}, n});
        return offsets_out;
    };
    auto txn_error = [&](const std::string& step, const client::error& e) {
        if (e.fatal)
            std::cerr << "brook: " << what << ": " << step << ": " << e.message
                      << " (another brook replay of the same topics took over, or the producer's state was lost)\n";
        else
            std::cerr << "brook: " << what << ": " << step << ": " << e.message << " (" << e.code_name()
                      << "); nothing of the open transaction is kept: rerun the same command to resume\n";
        return exit_failed;
    };
    if (!resumed) {
        // The range is fixed before the first record is copied: a rerun finds it here.
        if (auto s = p->begin_transaction(); !s) return txn_error("begin transaction", s.err());
        if (auto s = p->send_offsets_to_transaction(offsets_now(), *gm, request_timeout_ms, plan_meta); !s)
            return txn_error("commit the replay's range", s.err());
        if (auto s = p->commit_transaction(request_timeout_ms); !s) return txn_error("commit the replay's range", s.err());
    }

    int64_t total = 0;
    std::vector<client::partition_offset> assignment;
    for (const auto& [q, e] : ends)
        if (next[q] < e) {
            total += e - next[q];
            assignment.push_back({{o.source, q}, next[q]});
        }
    int64_t records = 0, bytes = 0;
    const auto t0 = clock_type::now();
    progress_bar bar(total);
    std::signal(SIGINT, on_replay_interrupt);
    std::signal(SIGTERM, on_replay_interrupt);
    if (!assignment.empty()) {
        if (auto s = c->assign(assignment); !s) return fail(o.g, what, s.err());
        if (auto s = p->begin_transaction(); !s) return txn_error("begin transaction", s.err());
    }
    std::set<int32_t> closed; // partitions copied up to their end
    for (int32_t q : parts)
        if (!ends.contains(q) || next[q] >= ends[q]) closed.insert(q);
    int64_t in_txn = 0;
    auto txn_start = clock_type::now();
    bool committed_last = false;
    auto commit = [&](bool last) -> std::optional<int> {
        committed_last = last;
        if (auto s = p->send_offsets_to_transaction(offsets_now(), *gm, request_timeout_ms, plan_meta); !s)
            return txn_error("send offsets to the transaction", s.err());
        if (auto s = p->commit_transaction(request_timeout_ms); !s) return txn_error("commit transaction", s.err());
        for (const auto& d : p->poll(0))
            if (d.failed) return txn_error("write to " + d.topic, *d.failed);
        if (!last)
            if (auto s = p->begin_transaction(); !s) return txn_error("begin transaction", s.err());
        in_txn = 0;
        txn_start = clock_type::now();
        return std::nullopt;
    };
    while (closed.size() < parts.size()) {
        if (interrupted) {
            if (auto rc = commit(true)) return *rc;
            bar.finish();
            std::cerr << "brook: " << what << ": interrupted after " << records << " of " << total
                      << " records (committed); rerun the same command to finish\n";
            return exit_failed;
        }
        auto ev = c->poll(100);
        if (!ev) return fail(o.g, what, ev.err());
        auto close_partition = [&](int32_t q) {
            if (next[q] >= ends[q]) closed.insert(q);
        };
        if (auto* r = std::get_if<client::record>(&*ev)) {
            const int32_t q = r->partition;
            if (!closed.contains(q) && r->offset < ends[q]) {
                client::record out;
                out.topic = o.target;
                out.partition = same_partitions ? q : -1;
                out.timestamp_ms = r->timestamp_ms;
                out.key = std::move(r->key);
                out.value = std::move(r->value);
                out.headers = std::move(r->headers);
                bytes += record_bytes(out);
                if (auto id = p->send(out); !id) return txn_error("write to " + o.target, id.err());
                ++records;
                ++in_txn;
                next[q] = r->offset + 1;
                close_partition(q);
            }
        } else if (auto* end = std::get_if<client::partition_end>(&*ev)) {
            // Everything below end->offset was delivered or skipped (aborted or control records).
            const int32_t q = end->tp.partition;
            if (!closed.contains(q)) {
                next[q] = std::max(next[q], std::min(end->offset, ends[q]));
                close_partition(q);
            }
        }
        for (const auto& d : p->poll(0))
            if (d.failed) return txn_error("write to " + d.topic, *d.failed);
        const double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
        bar.update(records, bytes, elapsed);
        if (in_txn >= txn_max_records || (in_txn > 0 && clock_type::now() - txn_start >= txn_max_age))
            if (auto rc = commit(closed.size() == parts.size())) return *rc;
        if (o.rate > 0) {
            const double ahead = double(records) / o.rate - elapsed;
            if (ahead > 0) std::this_thread::sleep_for(std::chrono::duration<double>(std::min(ahead, 0.1)));
        }
    }
    // The last positions, even when only end-of-partition marks moved them, close the range.
    if (!assignment.empty() && !committed_last)
        if (auto rc = commit(true)) return *rc;
    const double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
    bar.update(records, bytes, seconds, true);
    bar.finish();
    (void)c->close();

    nlohmann::ordered_json row{{"source", o.source},
                               {"target", o.target},
                               {"group", group},
                               {"resumed", resumed},
                               {"records", records},
                               {"bytes", bytes},
                               {"seconds", std::round(seconds * 1000) / 1000},
                               {"records_per_s", seconds > 0 ? std::round(double(records) / seconds) : 0.0}};
    if (o.g.json()) {
        std::cout << dump_line(row) << "\n";
    } else {
        char line[256];
        std::snprintf(line, sizeof line, "replayed %lld records (%.1f MB) from %s to %s in %.2f s (%.0f records/s)%s\n",
                      static_cast<long long>(records), double(bytes) / 1e6, o.source.c_str(), o.target.c_str(), seconds,
                      seconds > 0 ? double(records) / seconds : 0.0, resumed ? ", resumed" : "");
        std::cout << line;
    }
    return exit_ok;
}

} // namespace

void add_replay_command(CLI::App& app, action& picked) {
    auto o = std::make_shared<replay_options>();
    auto* cmd = app.add_subcommand("replay", "Copy a range of a topic into another exactly once (backfill), resumable");
    cmd->footer(
        "Keys, values, headers and timestamps are kept. Partition for partition when the partition counts match,\n"
        "otherwise by key with Kafka's default partitioner (murmur2; null keys spread at random). A missing TARGET is\n"
        "created with SOURCE's partition count and replication.\n"
        "Exactly once: the copied records and the replay group's offsets commit in one transaction (transactional.id\n"
        "brook-replay-SOURCE-TARGET; needs a broker with transactions); read TARGET with isolation.level=read_committed.\n"
        "After a kill or Ctrl-C rerun the same command: it resumes and finishes the range fixed at the first start\n"
        "(--from/--until and the end offsets seen then are kept in the group; a finished replay copies nothing; use\n"
        "another --group to copy again). The consumer groups of SOURCE are never read or changed.\n"
        "A progress bar (records, MB/s, ETA) is drawn on stderr when it is a terminal.");
    cmd->add_option("source", o->source, "Topic to copy from")->required();
    cmd->add_option("--to", o->target, "Topic to copy into (created when missing)")->required();
    cmd->add_option("--from", o->from, "Where to start in each partition: start, an offset N, or @time (" + std::string(time_spec_forms) + ")")
        ->capture_default_str();
    cmd->add_option("--until", o->until, "Where to stop (excluded): end (the end offsets seen at the first start) or @time")
        ->capture_default_str();
    cmd->add_option("--rate", o->rate, "At most this many records per second (default: unlimited)")->check(CLI::PositiveNumber);
    cmd->add_option("-g,--group", o->group, "The replay's own group, where its progress and range are committed "
                                            "(default brook-replay-SOURCE-TARGET)");
    add_global_options(cmd, o->g);
    cmd->callback([o, &picked] { picked = [o] { return run_replay(*o); }; });
}

} // namespace brook::cli
