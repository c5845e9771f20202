// `brook consume TOPIC`: records to stdout, by a kcat-style format string or as JSON lines.
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "cli/cli.h"
#include "cli/format.h"
#include "cli/time_spec.h"
#include "client/consumer.h"

namespace brook::cli {
namespace {

struct consume_options {
    global_options g;
    std::string topic;
    std::string offset = "start";
    int64_t count = -1; // -1: no limit
    std::string group;
    std::string format_string = "%v\\n";
    bool exit_at_end = false;
};

std::atomic<bool> interrupted{false};
extern "C" void on_interrupt(int) { interrupted = true; }

int run_consume(const consume_options& o) {
    // @time: resolved per partition below (ListOffsets by time); kept as the time until then.
    std::optional<int64_t> at_time;
    std::optional<int64_t> start;
    if (o.offset.starts_with("@")) {
        at_time = parse_time_spec(o.offset, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch()).count());
        if (!at_time) return usage("bad --offset '" + o.offset + "': expected " + std::string(time_spec_forms));
        start = 0;
    } else {
        start = parse_offset_spec(o.offset);
        if (!start) return usage("bad --offset '" + o.offset + "': expected start, end, an offset N >= 0 or @time");
    }
    if (!o.group.empty() && *start >= 0)
        return usage("--offset N needs partitions assigned, not a group (so does @time): drop -g, or use start/end with -g");
    const std::string what = "consume " + o.topic;

    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, what, a.err());
    auto t = a->describe_topic(o.topic, request_timeout_ms);
    if (!t) return fail(o.g, what, t.err());
    // The end offsets seen at start: --exit-at-end stops there even while producers go on.
    std::map<int32_t, int64_t> end_at;
    for (const auto& p : t->partitions) {
        auto w = a->query_watermarks({o.topic, p.partition}, request_timeout_ms);
        if (!w) return fail(o.g, what, w.err());
        end_at[p.partition] = w->high;
    }

    auto cfg = client_config(o.g);
    if (!o.group.empty()) {
        cfg.emplace_back("group.id", o.group);
        cfg.emplace_back("auto.offset.reset", *start == client::offset_end ? "latest" : "earliest");
    }
    auto c = client::consumer::create(cfg);
    if (!c) return fail(o.g, what, c.err());
    if (o.group.empty()) {
        std::vector<client::partition_offset> parts;
        for (const auto& p : t->partitions) parts.push_back({{o.topic, p.partition}, *start});
        if (at_time) {
            // The first offset at or after the time in each partition; past the last record: the end.
            std::vector<int32_t> ids;
            for (const auto& p : t->partitions) ids.push_back(p.partition);
            auto offs = a->offsets_for_time(o.topic, ids, *at_time, request_timeout_ms);
            if (!offs) return fail(o.g, what + ": offsets for " + o.offset, offs.err());
            for (size_t i = 0; i < parts.size(); ++i) parts[i].offset = (*offs)[i];
        }
        if (auto s = c->assign(parts); !s) return fail(o.g, what, s.err());
    } else if (auto s = c->subscribe({o.topic}); !s) {
        return fail(o.g, what, s.err());
    }

    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    std::set<int32_t> done; // partitions consumed up to end_at
    int64_t seen = 0;
    auto all_done = [&] { return o.exit_at_end && done.size() == end_at.size(); };
    while (!interrupted && (o.count < 0 || seen < o.count) && !all_done()) {
        auto ev = c->poll(200);
        if (!ev) return fail(o.g, what, ev.err());
        // Caught up or idle: flush, so a pipe reader sees records as they come while bulk
        // reads stay block-buffered.
        if (!std::holds_alternative<client::record>(*ev)) std::cout.flush();
        if (auto* end = std::get_if<client::partition_end>(&*ev)) {
            if (end->offset >= end_at[end->tp.partition]) done.insert(end->tp.partition);
        } else if (auto* r = std::get_if<client::record>(&*ev)) {
            ++seen;
            if (o.g.json())
                std::cout << dump_line(to_json(*r)) << "\n";
            else
                std::cout << render(o.format_string, *r);
            if (r->offset + 1 >= end_at[r->partition]) done.insert(r->partition);
        }
    }
    std::cout.flush();
    if (!o.group.empty())
        if (auto s = c->commit(); !s) return fail(o.g, "commit offsets of group " + o.group, s.err());
    if (auto s = c->close(); !s) return fail(o.g, what, s.err());
    return exit_ok;
}

} // namespace

void add_consume_command(CLI::App& app, action& picked) {
    auto o = std::make_shared<consume_options>();
    auto* cmd = app.add_subcommand("consume", "Print a topic's records");
    cmd->add_option("topic", o->topic, "Topic name")->required();
    cmd->add_option("-o,--offset", o->offset, "Where to start: start, end, an offset N or @time (each partition; @time is the first record at or "
                    "after it, or the end: @<epoch ms>, @2024-05-01T12:00:00Z (RFC 3339, no zone = UTC), @-1h, @-30m)")
        ->capture_default_str();
    cmd->add_option("-n,--count", o->count, "Stop after N records")->check(CLI::NonNegativeNumber);
    cmd->add_option("-g,--group", o->group, "Consume as a member of group G (commits offsets); default: all partitions, no group");
    cmd->add_option("-f,--format-string", o->format_string,
                    "kcat-style: %k key, %v value, %p partition, %o offset, %t timestamp, %h headers, %T topic")
        ->capture_default_str();
    cmd->add_flag("-e,--exit-at-end", o->exit_at_end,
                  "Stop at the end offsets seen at start (with -g: once this member read every partition)");
    add_global_options(cmd, o->g);
    cmd->callback([o, &picked] { picked = [o] { return run_consume(*o); }; });
}

} // namespace brook::cli
