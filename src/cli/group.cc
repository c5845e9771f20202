// `brook group list|describe` (delete and reset-offsets: group_admin.cc).
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>

#include "cli/cli.h"
#include "cli/format.h"

namespace brook::cli {
namespace {

struct list_options {
    global_options g;
};

int run_list(const list_options& o) {
    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, "list groups", a.err());
    auto groups = a->list_groups(request_timeout_ms);
    if (!groups) return fail(o.g, "list groups", groups.err());
    table out{{"group", "state"}, {}};
    for (const auto& gl : *groups) out.rows.push_back({{"group", gl.group}, {"state", gl.state}});
    out.print(o.g);
    return exit_ok;
}

struct describe_options {
    global_options g;
    std::string group;
};

int run_describe(const describe_options& o) {
    const std::string what = "describe group " + o.group;
    auto a = connect_admin(o.g);
    if (!a) return fail(o.g, what, a.err());
    auto d = a->describe_group(o.group, request_timeout_ms);
    if (!d) return fail(o.g, what, d.err());
    auto lag = a->group_lag(o.group, request_timeout_ms);
    if (!lag) return fail(o.g, what, lag.err());
    // Partitions a member holds but has not committed yet are rows too: their lag is what the
    // member still has to read from the log start.
    for (const auto& m : d->members)
        for (const auto& tp : m.assignment) {
            if (std::ranges::any_of(*lag, [&](const auto& l) { return l.tp == tp; })) continue;
            auto w = a->query_watermarks(tp, request_timeout_ms);
            if (!w) return fail(o.g, what, w.err());
            lag->push_back({tp, -1, w->high, w->high - w->log_start});
        }
    std::ranges::sort(*lag, {}, &client::partition_lag::tp);

    // Which member holds which partition, for the per-partition rows.
    std::map<client::topic_partition, std::string> owner;
    for (const auto& m : d->members)
        for (const auto& tp : m.assignment) owner[tp] = m.member_id;
    int64_t total = 0;
    table parts{{"topic", "partition", "committed", "log_end", "lag", "member"}, {}};
    for (const auto& l : *lag) {
        total += l.lag;
        parts.rows.push_back({{"topic", l.tp.topic}, {"partition", l.tp.partition},
                              {"committed", l.committed < 0 ? nlohmann::ordered_json() : nlohmann::ordered_json(l.committed)},
                              {"log_end", l.log_end}, {"lag", l.lag},
                              {"member", owner.count(l.tp) ? nlohmann::ordered_json(owner[l.tp]) : nlohmann::ordered_json()}});
    }
    if (o.g.json()) {
        // One object for the group: its members and partitions are parts of one answer.
        nlohmann::ordered_json j{{"group", d->group}, {"state", d->state}, {"assignor", d->assignor},
                                 {"coordinator", d->coordinator}, {"total_lag", total}};
        j["members"] = nlohmann::ordered_json::array();
        for (const auto& m : d->members) {
            nlohmann::ordered_json mj{{"member_id", m.member_id}, {"client_id", m.client_id}, {"host", m.host}};
            mj["assignment"] = nlohmann::ordered_json::array();
            for (const auto& tp : m.assignment) mj["assignment"].push_back({{"topic", tp.topic}, {"partition", tp.partition}});
            j["members"].push_back(std::move(mj));
        }
        j["partitions"] = parts.rows;
        std::cout << dump_line(j) << "\n";
        return exit_ok;
    }
    std::cout << "GROUP        " << d->group << "\nSTATE        " << d->state << "\nCOORDINATOR  " << d->coordinator
              << "\nMEMBERS      " << d->members.size() << "\nTOTAL-LAG    " << total << "\n\n";
    if (!d->members.empty()) {
        table members{{"member_id", "client_id", "host", "partitions"}, {}};
        for (const auto& m : d->members) {
            std::string ps;
            for (const auto& tp : m.assignment) ps += (ps.empty() ? "" : ",") + tp.topic + "/" + std::to_string(tp.partition);
            members.rows.push_back({{"member_id", m.member_id}, {"client_id", m.client_id}, {"host", m.host}, {"partitions", ps}});
        }
        members.print(o.g);
        std::cout << "\n";
    }
    parts.print(o.g);
    return exit_ok;
}

} // namespace

void add_group_commands(CLI::App& app, action& picked) {
    auto* group = app.add_subcommand("group", "List, describe and delete consumer groups; reset their offsets");
    group->require_subcommand(1);

    auto l = std::make_shared<list_options>();
    auto* list = group->add_subcommand("list", "List consumer groups and their state");
    add_global_options(list, l->g);
    list->callback([l, &picked] { picked = [l] { return run_list(*l); }; });

    auto d = std::make_shared<describe_options>();
    auto* describe = group->add_subcommand("describe", "State, members, and per-partition committed offset, log end and lag");
    describe->add_option("group", d->group, "Group id")->required();
    add_global_options(describe, d->g);
    describe->callback([d, &picked] { picked = [d] { return run_describe(*d); }; });

    add_group_admin_commands(group, picked);
}

} // namespace brook::cli
