// SyncGroup, Heartbeat, LeaveGroup, member removal and timers of group_coordinator.
#include <algorithm>
#include <string>

#include "group/group_coordinator.h"
#include "group/storm_reasons.h"

namespace brook::group {

namespace {

int16_t err(error_code e) { return static_cast<int16_t>(e); }

protocol::SyncGroupResponse sync_error(error_code e) {
    protocol::SyncGroupResponse r;
    r.ErrorCode = err(e);
    return r;
}

protocol::HeartbeatResponse heartbeat_response(error_code e) {
    protocol::HeartbeatResponse r;
    r.ErrorCode = err(e);
    return r;
}

} // namespace

reply<protocol::SyncGroupResponse> group_coordinator::sync_group(const request_context& ctx,
                                                                 const protocol::SyncGroupRequest& req,
                                                                 timestamp_ms now_ts) {
    const int64_t now = now_ts.value();
    reply<protocol::SyncGroupResponse> out;
    auto fail = [&](error_code e) {
        out.response = sync_error(e);
        return out;
    };
    if (!valid_group_id(req.GroupId)) return fail(error_code::invalid_group_id);
    group* g = find_mut(req.GroupId);
    if (!g) return fail(error_code::unknown_member_id);
    if (g->is_fenced(req.GroupInstanceId, req.MemberId)) return fail(error_code::fenced_instance_id);
    auto it = g->members.find(req.MemberId);
    if (it == g->members.end()) return fail(error_code::unknown_member_id);
    if (req.GenerationId != g->generation) return fail(error_code::illegal_generation);
    if ((req.ProtocolType && *req.ProtocolType != g->protocol_type) ||
        (req.ProtocolName && req.ProtocolName != g->protocol_name))
        return fail(error_code::inconsistent_group_protocol);
    member& m = it->second;
    auto ok = [&](const member& who) {
        protocol::SyncGroupResponse r;
        r.ProtocolType = g->protocol_type;
        r.ProtocolName = g->protocol_name;
        r.Assignment = who.assignment;
        return r;
    };
    switch (g->state) {
    case group_state::empty:
    case group_state::dead:
        return fail(error_code::unknown_member_id);
    case group_state::preparing_rebalance:
        return fail(error_code::rebalance_in_progress);
    case group_state::stable:
        m.last_heartbeat_ms = now;
        m.awaiting_sync = false;
        out.response = ok(m);
        return out;
    case group_state::completing_rebalance:
        break;
    }
    m.last_heartbeat_ms = now;
    m.awaiting_sync = false;
    if (m.pending_sync && *m.pending_sync != ctx.token)
        out.fx.released.push_back({*m.pending_sync, sync_error(error_code::rebalance_in_progress)});
    m.pending_sync.reset();
    if (g->leader_id != m.member_id) {
        m.pending_sync = ctx.token; // released when the leader's assignment arrives
        return out;
    }
    // The leader's assignment: members it did not mention get an empty one; ids that are not
    // members (stale view) are ignored.
    for (auto& [id, mm] : g->members) mm.assignment.clear();
    for (const auto& a : req.Assignments)
        if (auto t = g->members.find(a.MemberId); t != g->members.end()) t->second.assignment = a.Assignment;
    g->state = group_state::stable;
    g->state_timestamp_ms = now;
    store_group(*g, out.fx);
    for (auto& [id, mm] : g->members) {
        if (!mm.pending_sync) continue;
        out.fx.released.push_back({*mm.pending_sync, ok(mm)});
        mm.pending_sync.reset();
    }
    out.response = ok(m);
    return out;
}

reply<protocol::HeartbeatResponse> group_coordinator::heartbeat(const request_context& ctx,
                                                                const protocol::HeartbeatRequest& req,
                                                                timestamp_ms now_ts) {
    reply<protocol::HeartbeatResponse> out;
    if (!valid_group_id(req.GroupId)) {
        out.response = heartbeat_response(error_code::invalid_group_id);
        return out;
    }
    group* g = find_mut(req.GroupId);
    error_code e = error_code::none;
    if (!g) {
        e = error_code::unknown_member_id;
    } else if (g->is_fenced(req.GroupInstanceId, req.MemberId)) {
        e = error_code::fenced_instance_id;
    } else if (!g->has_member(req.MemberId)) {
        e = error_code::unknown_member_id;
    } else if (req.GenerationId != g->generation) {
        e = error_code::illegal_generation;
    } else if (g->state == group_state::empty) {
        e = error_code::unknown_member_id;
    } else {
        g->members.at(req.MemberId).last_heartbeat_ms = now_ts.value();
        if (g->state == group_state::preparing_rebalance) e = error_code::rebalance_in_progress;
    }
    out.response = heartbeat_response(e);
    return out;
}

reply<protocol::LeaveGroupResponse> group_coordinator::leave_group(const request_context& ctx,
                                                                   const protocol::LeaveGroupRequest& req,
                                                                   timestamp_ms now_ts) {
    const int64_t now = now_ts.value();
    reply<protocol::LeaveGroupResponse> out;
    protocol::LeaveGroupResponse r;
    // v0-2 name one dynamic member; v3+ a batch (by member id and/or group.instance.id).
    std::vector<protocol::LeaveGroupRequest::MemberIdentity> who = req.Members;
    if (ctx.api_version < 3) who = {{req.MemberId, std::nullopt, std::nullopt, {}}};
    group* g = valid_group_id(req.GroupId) ? find_mut(req.GroupId) : nullptr;
    if (!valid_group_id(req.GroupId) || !g) {
        r.ErrorCode = err(valid_group_id(req.GroupId) ? error_code::unknown_member_id : error_code::invalid_group_id);
        out.response = std::move(r);
        return out;
    }
    for (const auto& id : who) {
        error_code e = error_code::none;
        std::string member_id = id.MemberId;
        if (id.GroupInstanceId) {
            auto s = g->static_members.find(*id.GroupInstanceId);
            if (s == g->static_members.end())
                e = error_code::unknown_member_id;
            else if (!id.MemberId.empty() && id.MemberId != s->second)
                e = error_code::fenced_instance_id;
            else
                member_id = s->second;
        } else if (g->pending_members.erase(id.MemberId)) {
            member_id.clear(); // a KIP-394 id that never joined: nothing else to undo
        } else if (!g->has_member(id.MemberId)) {
            e = error_code::unknown_member_id;
        }
        if (e == error_code::none && !member_id.empty()) {
            remove_member(*g, member_id, "member " + member_id + " left" + (id.Reason ? ": " + *id.Reason : ""), now,
                          out.fx);
        }
        if (ctx.api_version < 3) {
            r.ErrorCode = err(e);
        } else {
            auto& mr = r.Members.emplace_back();
            mr.MemberId = id.MemberId;
            mr.GroupInstanceId = id.GroupInstanceId;
            mr.ErrorCode = err(e);
        }
    }
    // A pending member leaving may be what a rebalance was waiting for.
    maybe_complete_join(*g, now, out.fx);
    out.response = std::move(r);
    return out;
}

void group_coordinator::remove_member(group& g, const std::string& member_id, std::string reason, int64_t now,
                                      effects& fx) {
    auto it = g.members.find(member_id);
    if (it == g.members.end()) return;
    member& m = it->second;
    if (m.pending_join) {
        protocol::JoinGroupResponse r;
        r.ErrorCode = err(error_code::unknown_member_id);
        r.GenerationId = -1;
        r.MemberId = member_id;
        fx.released.push_back({*m.pending_join, std::move(r)});
    }
    if (m.pending_sync) fx.released.push_back({*m.pending_sync, sync_error(error_code::unknown_member_id)});
    rebalance_trigger trigger{m.member_id, m.client_id, m.client_host};
    if (m.group_instance_id) g.static_members.erase(*m.group_instance_id);
    g.members.erase(it);
    ++g.stats.members_left;
    if (g.leader_id == member_id) {
        g.leader_id.reset();
        const member* next = nullptr;
        for (const auto& [id, o] : g.members)
            if (!next || o.join_order < next->join_order) next = &o;
        if (next) g.leader_id = next->member_id;
    }
    switch (g.state) {
    case group_state::stable:
    case group_state::completing_rebalance:
        prepare_rebalance(g, std::move(reason), std::move(trigger), now, fx);
        break;
    case group_state::preparing_rebalance:
        maybe_complete_join(g, now, fx);
        break;
    default:
        break;
    }
}

effects group_coordinator::tick(timestamp_ms now_ts) {
    const int64_t now = now_ts.value();
    effects fx;
    for (auto& [id, g] : groups_) tick_group(g, now, fx);
    if (now >= next_retention_check_ms_) {
        expire_offsets(now, fx);
        next_retention_check_ms_ = now + cfg_.offsets_retention_check_interval_ms;
    }
    return fx;
}

void group_coordinator::tick_group(group& g, int64_t now, effects& fx) {
    for (auto p = g.pending_members.begin(); p != g.pending_members.end();)
        p = p->second <= now ? g.pending_members.erase(p) : std::next(p);
    // Session expiry; a member parked in JoinGroup/SyncGroup is waiting on us, not dead.
    std::vector<std::string> expired;
    for (const auto& [id, m] : g.members)
        if (!m.pending_join && !m.pending_sync && m.last_heartbeat_ms + m.session_timeout_ms <= now)
            expired.push_back(id);
    for (const auto& id : expired) remove_member(g, id, "member " + id + " session timeout", now, fx);

    if (g.state == group_state::preparing_rebalance && now >= g.rebalance_deadline_ms) {
        if (g.initial_delay && g.new_member_added && g.rebalance_deadline_ms < g.initial_delay_cap_ms) {
            // Members are still arriving: wait one more delay (Kafka's InitialDelayedJoin).
            g.new_member_added = false;
            g.rebalance_deadline_ms = std::min(now + cfg_.initial_rebalance_delay_ms, g.initial_delay_cap_ms);
        } else {
            complete_join(g, now, fx);
        }
    } else if (g.state == group_state::completing_rebalance && now >= g.rebalance_deadline_ms) {
        // Members that never sent SyncGroup (the leader among them, or we would be stable)
        // are dropped and the rest rebalance; parked syncs learn REBALANCE_IN_PROGRESS.
        std::vector<std::string> lagging;
        for (const auto& [id, m] : g.members)
            if (m.awaiting_sync && !m.pending_sync) lagging.push_back(id);
        for (const auto& id : lagging) remove_member(g, id, "member " + id + " did not sync in time", now, fx);
    } else {
        maybe_complete_join(g, now, fx);
    }
}

std::optional<timestamp_ms> group_coordinator::next_deadline() const {
    std::optional<int64_t> t;
    auto at = [&](int64_t v) { t = t ? std::min(*t, v) : v; };
    for (const auto& [gid, g] : groups_) {
        for (const auto& [id, exp] : g.pending_members) at(exp);
        for (const auto& [id, m] : g.members)
            if (!m.pending_join && !m.pending_sync) at(m.last_heartbeat_ms + m.session_timeout_ms);
        if (g.state == group_state::preparing_rebalance || g.state == group_state::completing_rebalance)
            at(g.rebalance_deadline_ms);
    }
    // Offset retention: the earliest expiry among Empty groups, no sooner than the next scan.
    std::optional<int64_t> expiry;
    for (const auto& [gid, g] : groups_) {
        if (g.state != group_state::empty) continue;
        if (g.offsets.empty() && g.members.empty() && g.pending_members.empty()) expiry = 0;
        for (const auto& [tp, c] : g.offsets) {
            const int64_t e = offset_expiry(g, c);
            expiry = expiry ? std::min(*expiry, e) : e;
        }
    }
    if (expiry) at(std::max(*expiry, next_retention_check_ms_));
    if (!t) return std::nullopt;
    return timestamp_ms(*t);
}

std::optional<group_signals> group_coordinator::signals(std::string_view group_id, timestamp_ms now) const {
    const group* g = find(group_id);
    if (!g) return std::nullopt;
    const auto& st = g->stats;
    const auto in_window = std::count_if(st.recent_rebalances.begin(), st.recent_rebalances.end(),
                                         [&](const rebalance_event& e) { return e.at_ms > now.value() - cfg_.rebalance_window_ms; });
    return group_signals{static_cast<uint64_t>(in_window), st.rebalances_total, st.members_joined, st.members_left,
                         st.last_rebalance_reason, st.last_trigger,
                         // The flag is cleared lazily (at the next rebalance); a window that has
                         // since drained below the threshold is no storm any more.
                         st.in_storm && static_cast<uint64_t>(in_window) >= cfg_.rebalance_storm_threshold};
}

} // namespace brook::group

namespace brook::group {

std::string storm_reasons(const storm_alert& a) {
    // A restarting client joins under a new member id each time, so reasons are counted with the
    // member id replaced by its client.id: a storm then reads as a few repeated shapes.
    std::vector<std::pair<std::string, uint64_t>> counts; // in order of first appearance
    for (const auto& e : a.rebalances) {
        std::string shape = e.reason;
        if (auto at = shape.find(e.trigger.member_id); !e.trigger.member_id.empty() && at != std::string::npos)
            shape.replace(at, e.trigger.member_id.size(), "of client.id '" + e.trigger.client_id + "'");
        auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == shape; });
        if (it == counts.end()) counts.emplace_back(std::move(shape), 1);
        else ++it->second;
    }
    std::stable_sort(counts.begin(), counts.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    constexpr size_t shown = 5;
    std::string reasons;
    for (size_t i = 0; i < counts.size() && i < shown; ++i) {
        if (i) reasons += "; ";
        reasons += counts[i].first;
        if (counts[i].second > 1) reasons += " (x" + std::to_string(counts[i].second) + ")";
    }
    if (counts.size() > shown) reasons += "; and " + std::to_string(counts.size() - shown) + " other reason(s)";
    return reasons;
}

std::string describe(const storm_alert& a) {
    const auto reasons = storm_reasons(a);
    return "consumer group '" + a.group_id + "' is in a rebalance storm: " + std::to_string(a.rebalances_in_window) +
           " rebalances in the last " + std::to_string(a.window_ms / 1000) + " s (group.rebalance.storm.threshold=" +
           std::to_string(a.threshold) + "); reasons: " + reasons + "; the last one set off by member '" +
           a.trigger.member_id + "' (client.id '" + a.trigger.client_id + "', host " + a.trigger.client_host + ")";
}

} // namespace brook::group
