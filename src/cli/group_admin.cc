// `brook group delete GROUP...` and `brook group reset-offsets GROUP --topic T[:p,p] MODE [--execute]`,
// the two group commands that change a group; reset-offsets follows kafka-consumer-groups.sh:
// a dry run unless --execute, refused while the group has members, offsets clamped to
// [log start, end].
#include <charconv>
#include <iostream>
#include <map>
#include <memory>

#include "cli/cli.h"
#include "cli/time_spec.h"

namespace brook::cli {
namespace {

struct delete_options {
    global_options g;
    std::vector<std::string> groups;
};

int run_delete(const delete_options& o) {
    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, "delete groups", a.err());
    auto res = a->delete_groups(o.groups, request_timeout_ms);
    if (!res) return fail(o.g, "delete groups", res.err());
    int rc = exit_ok;
    table out{{"group", "result"}, {}};
    for (const auto& s : *res) {
        std::string result = "deleted";
        if (s.failed) {
            rc = exit_failed;
            if (s.failed->code == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP)
                result = "NON_EMPTY_GROUP: the group has active members; stop its consumers first";
            else if (s.failed->code == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
                result = "GROUP_ID_NOT_FOUND: no such group";
            else
                result = s.failed->code_name() + ": " + s.failed->message;
            std::cerr << "brook: delete group " << s.group << ": " << result << "\n";
        }
        out.rows.push_back({{"group", s.group}, {"result", result}});
    }
    out.print(o.g);
    return rc;
}

struct reset_options {
    global_options g;
    std::string group;
    std::string topic_spec; // T or T:p,p
    bool to_earliest = false, to_latest = false;
    std::string to_datetime;
    int64_t to_offset = -1;
    std::string shift_by;
    bool execute = false;
};

int run_reset(const reset_options& o) {
    const std::string what = "reset offsets of group " + o.group;
    const int modes = int(o.to_earliest) + int(o.to_latest) + int(!o.to_datetime.empty()) + int(o.to_offset >= 0) +
                      int(!o.shift_by.empty());
    if (modes != 1)
        return usage("give exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset, --shift-by");
    int64_t shift = 0;
    if (!o.shift_by.empty()) {
        std::string_view s = o.shift_by;
        if (s.starts_with('+')) s.remove_prefix(1);
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), shift);
        if (s.empty() || ec != std::errc{} || p != s.data() + s.size())
            return usage("bad --shift-by '" + o.shift_by + "': expected a signed number of records, e.g. -100 or +5");
    }
    std::optional<int64_t> at;
    if (!o.to_datetime.empty()) {
        const std::string spec = o.to_datetime.starts_with("@") ? o.to_datetime : "@" + o.to_datetime;
        at = parse_time_spec(spec, 0);
        if (!at || spec.starts_with("@-"))
            return usage("bad --to-datetime '" + o.to_datetime + "': expected YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM] or epoch ms");
    }
    std::string topic = o.topic_spec;
    std::vector<int32_t> wanted;
    if (auto colon = o.topic_spec.find(':'); colon != std::string::npos) {
        topic = o.topic_spec.substr(0, colon);
        std::string_view rest = std::string_view(o.topic_spec).substr(colon + 1);
        while (true) {
            auto comma = rest.find(',');
            auto item = rest.substr(0, comma);
            int32_t p = -1;
            auto [q, ec] = std::from_chars(item.data(), item.data() + item.size(), p);
            if (item.empty() || ec != std::errc{} || q != item.data() + item.size() || p < 0)
                return usage("bad --topic '" + o.topic_spec + "': expected TOPIC or TOPIC:P[,P...]");
            wanted.push_back(p);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    if (topic.empty()) return usage("bad --topic '" + o.topic_spec + "': expected TOPIC or TOPIC:P[,P...]");

    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, what, a.err());
    auto d = a->describe_group(o.group, request_timeout_ms);
    if (!d) return fail(o.g, what, d.err());
    if (o.execute && !d->members.empty()) {
        std::cerr << "brook: " << what << ": the group has " << d->members.size() << " active member(s) (state " << d->state
                  << "); stop its consumers first (offsets of an active group cannot be reset)\n";
        return exit_failed;
    }
    auto t = a->describe_topic(topic, request_timeout_ms);
    if (!t) return fail(o.g, what, t.err());
    if (wanted.empty())
        for (const auto& p : t->partitions) wanted.push_back(p.partition);
    for (int32_t p : wanted)
        if (p >= int32_t(t->partitions.size()))
            return usage("topic " + topic + " has no partition " + std::to_string(p) + " (it has " +
                         std::to_string(t->partitions.size()) + ")");
    auto lag = a->group_lag(o.group, request_timeout_ms);
    if (!lag) return fail(o.g, what, lag.err());
    std::map<int32_t, int64_t> current;
    for (const auto& l : *lag)
        if (l.tp.topic == topic) current[l.tp.partition] = l.committed;
    std::vector<int64_t> by_time;
    if (at) {
        auto offs = a->offsets_for_time(topic, wanted, *at, request_timeout_ms);
        if (!offs) return fail(o.g, what, offs.err());
        by_time = *offs;
    }

    table out{{"topic", "partition", "current", "new"}, {}};
    std::vector<client::partition_offset> apply;
    for (size_t i = 0; i < wanted.size(); ++i) {
        const int32_t p = wanted[i];
        auto w = a->query_watermarks({topic, p}, request_timeout_ms);
        if (!w) return fail(o.g, what, w.err());
        const int64_t cur = current.contains(p) ? current[p] : -1;
        int64_t n = 0;
        if (o.to_earliest) n = w->log_start;
        else if (o.to_latest) n = w->high;
        else if (at) n = by_time[i] >= 0 ? by_time[i] : w->high;
        else if (o.to_offset >= 0) n = o.to_offset;
        else n = (cur >= 0 ? cur : w->log_start) + shift; // nothing committed: shift from the log start
        n = std::clamp(n, w->log_start, w->high);
        out.rows.push_back({{"topic", topic}, {"partition", p},
                            {"current", cur >= 0 ? nlohmann::ordered_json(cur) : nlohmann::ordered_json()}, {"new", n}});
        apply.push_back({{topic, p}, n});
    }
    if (o.execute) {
        if (auto s = a->alter_group_offsets(o.group, apply, request_timeout_ms); !s) {
            if (s.err().code == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || s.err().code == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS) {
                std::cerr << "brook: " << what << ": the group gained members meanwhile; stop its consumers first ("
                          << s.err().code_name() << ")\n";
                return exit_failed;
            }
            return fail(o.g, what, s.err());
        }
    } else if (!o.g.json()) {
        std::cerr << "brook: dry run: nothing committed; add --execute to apply\n";
    }
    out.print(o.g);
    return exit_ok;
}

} // namespace

void add_group_admin_commands(CLI::App* group, action& picked) {
    auto d = std::make_shared<delete_options>();
    auto* del = group->add_subcommand("delete", "Delete groups and their committed offsets (refused while a group has members)");
    del->add_option("group", d->groups, "Group ids")->required();
    add_global_options(del, d->g);
    del->callback([d, &picked] { picked = [d] { return run_delete(*d); }; });

    auto r = std::make_shared<reset_options>();
    auto* reset = group->add_subcommand(
        "reset-offsets", "Show (dry run) or --execute new committed offsets for a group with no active members");
    reset->add_option("group", r->group, "Group id (must exist)")->required();
    reset->add_option("--topic", r->topic_spec, "TOPIC (all partitions) or TOPIC:P[,P...]")->required();
    reset->add_flag("--to-earliest", r->to_earliest, "To each partition's log start");
    reset->add_flag("--to-latest", r->to_latest, "To each partition's end");
    reset->add_option("--to-datetime", r->to_datetime,
                      "To the first record at or after YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+HH:MM] (no zone = UTC) or epoch ms; "
                      "none that late: the end");
    reset->add_option("--to-offset", r->to_offset, "To offset N")->check(CLI::NonNegativeNumber);
    reset->add_option("--shift-by", r->shift_by, "Move the committed offset by ±N (nothing committed: from the log start)")
        ->allow_extra_args(false);
    reset->add_flag("--execute", r->execute, "Commit the new offsets (default: a dry run that only prints them)");
    reset->footer("New offsets are clamped to [log start, end], as kafka-consumer-groups.sh does. Prints TOPIC, PARTITION, "
                  "CURRENT (- when nothing is committed) and NEW.");
    add_global_options(reset, r->g);
    reset->callback([r, &picked] { picked = [r] { return run_reset(*r); }; });
}

} // namespace brook::cli
