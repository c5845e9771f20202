// JoinGroup and the rebalance machinery (prepare -> complete join) of group_coordinator.
#include <algorithm>
#include <cstdio>

#include "group/group_coordinator.h"

namespace brook::group {

namespace {

int16_t err(error_code e) { return static_cast<int16_t>(e); }

protocol::JoinGroupResponse join_error(error_code e, std::string member_id = {}) {
    protocol::JoinGroupResponse r;
    r.ErrorCode = err(e);
    r.GenerationId = -1;
    r.MemberId = std::move(member_id);
    return r;
}

std::vector<member_protocol> protocols_of(const protocol::JoinGroupRequest& req) {
    std::vector<member_protocol> out;
    out.reserve(req.Protocols.size());
    for (const auto& p : req.Protocols) out.push_back({p.Name, p.Metadata});
    return out;
}

// JoinGroup v0 has no rebalance timeout: Kafka uses the session timeout.
int32_t rebalance_timeout_of(const protocol::JoinGroupRequest& req) {
    return req.RebalanceTimeoutMs > 0 ? req.RebalanceTimeoutMs : req.SessionTimeoutMs;
}

int32_t max_rebalance_timeout(const group& g) {
    int32_t t = 0;
    for (const auto& [id, m] : g.members) t = std::max(t, m.rebalance_timeout_ms);
    return t;
}

} // namespace

group_coordinator::group_coordinator(group_config cfg, partition_exists_fn exists, std::optional<uint64_t> id_seed)
    : cfg_(cfg), exists_(std::move(exists)), ids_(id_seed ? *id_seed : std::random_device{}()) {
    if (!exists_) exists_ = [](std::string_view, int32_t) { return true; };
}

bool group_coordinator::valid_group_id(std::string_view id) const {
    return !id.empty() && id.size() <= cfg_.max_group_id_length;
}

group* group_coordinator::find_mut(std::string_view group_id) {
    auto it = groups_.find(group_id);
    return it == groups_.end() ? nullptr : &it->second;
}

const group* group_coordinator::find(std::string_view group_id) const {
    auto it = groups_.find(group_id);
    return it == groups_.end() ? nullptr : &it->second;
}

std::vector<std::string> group_coordinator::group_ids() const {
    std::vector<std::string> out;
    for (const auto& [id, g] : groups_) out.push_back(id);
    return out;
}

// "<client id>-<uuid>", as Kafka forms member ids.
std::string group_coordinator::new_member_id(std::string_view client_id) {
    const uint64_t hi = ids_(), lo = ids_();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", unsigned(hi >> 32), unsigned(hi >> 16) & 0xffff,
                  unsigned(hi) & 0xffff, unsigned(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
    return std::string(client_id) + "-" + buf;
}

reply<protocol::JoinGroupResponse> group_coordinator::join_group(const request_context& ctx,
                                                                 const protocol::JoinGroupRequest& req,
                                                                 timestamp_ms now_ts) {
    const int64_t now = now_ts.value();
    reply<protocol::JoinGroupResponse> out;
    if (!valid_group_id(req.GroupId)) {
        out.response = join_error(error_code::invalid_group_id, req.MemberId);
        return out;
    }
    if (req.SessionTimeoutMs < cfg_.min_session_timeout_ms || req.SessionTimeoutMs > cfg_.max_session_timeout_ms) {
        out.response = join_error(error_code::invalid_session_timeout, req.MemberId);
        return out;
    }
    const bool unknown_member = req.MemberId.empty();
    group* g = find_mut(req.GroupId);
    if (!g) {
        if (!unknown_member) {
            out.response = join_error(error_code::unknown_member_id, req.MemberId);
            return out;
        }
        g = &groups_[req.GroupId];
        g->group_id = req.GroupId;
        g->state_timestamp_ms = now;
    }
    if (!g->supports(req.ProtocolType, protocols_of(req))) {
        out.response = join_error(error_code::inconsistent_group_protocol, req.MemberId);
        if (g->members.empty() && g->offsets.empty() && g->pending_members.empty() && g->generation == 0)
            groups_.erase(req.GroupId); // do not leave a group behind for a refused first join
        return out;
    }
    const bool is_member = g->has_member(req.MemberId) || g->pending_members.count(req.MemberId);
    if ((unknown_member || !is_member) && !(req.GroupInstanceId && g->static_members.count(*req.GroupInstanceId)) &&
        static_cast<int32_t>(g->members.size()) >= cfg_.max_group_size) {
        out.response = join_error(error_code::group_max_size_reached, req.MemberId);
        return out;
    }
    return unknown_member ? join_new_member(*g, ctx, req, now) : join_known_member(*g, ctx, req, now);
}

reply<protocol::JoinGroupResponse> group_coordinator::join_new_member(group& g, const request_context& ctx,
                                                                      const protocol::JoinGroupRequest& req,
                                                                      int64_t now) {
    reply<protocol::JoinGroupResponse> out;
    if (req.GroupInstanceId && g.static_members.count(*req.GroupInstanceId))
        return rejoin_static_member(g, ctx, req, now);
    std::string id = new_member_id(ctx.client_id);
    if (!req.GroupInstanceId && ctx.api_version >= 4) {
        // KIP-394: hand out the id and make the client come back with it, so that a client
        // retrying a lost response cannot leave ghost members behind.
        g.pending_members[id] = now + req.SessionTimeoutMs;
        out.response = join_error(error_code::member_id_required, id);
        return out;
    }
    add_member_and_rebalance(g, ctx, req, std::move(id), now, out.fx);
    return out;
}

reply<protocol::JoinGroupResponse> group_coordinator::join_known_member(group& g, const request_context& ctx,
                                                                        const protocol::JoinGroupRequest& req,
                                                                        int64_t now) {
    reply<protocol::JoinGroupResponse> out;
    if (auto p = g.pending_members.find(req.MemberId); p != g.pending_members.end()) {
        g.pending_members.erase(p);
        add_member_and_rebalance(g, ctx, req, req.MemberId, now, out.fx);
        return out;
    }
    if (g.is_fenced(req.GroupInstanceId, req.MemberId)) {
        out.response = join_error(error_code::fenced_instance_id, req.MemberId);
        return out;
    }
    auto it = g.members.find(req.MemberId);
    if (it == g.members.end()) {
        out.response = join_error(error_code::unknown_member_id, req.MemberId);
        return out;
    }
    member& m = it->second;
    const auto protocols = protocols_of(req);
    switch (g.state) {
    case group_state::preparing_rebalance:
        update_member_and_rebalance(g, m, ctx, req, now, out.fx);
        break;
    case group_state::completing_rebalance:
    case group_state::stable:
        // A follower repeating its join with unchanged metadata (e.g. a lost response) gets
        // the current generation back. The leader, or a member whose metadata changed
        // (cooperative rebalancing: owned partitions revoked), starts a new rebalance.
        if (m.protocols == protocols && (g.state == group_state::completing_rebalance || g.leader_id != m.member_id)) {
            m.last_heartbeat_ms = now;
            out.response = join_response(g, m);
        } else {
            update_member_and_rebalance(g, m, ctx, req, now, out.fx);
        }
        break;
    case group_state::empty:
    case group_state::dead:
        out.response = join_error(error_code::unknown_member_id, req.MemberId);
        break;
    }
    return out;
}

// KIP-345: a static member came back with no member id (a restart). It takes over the old
// member's id slot (fencing the old process) and, in a stable group whose metadata it still
// matches, gets the current assignment back with no rebalance.
reply<protocol::JoinGroupResponse> group_coordinator::rejoin_static_member(group& g, const request_context& ctx,
                                                                           const protocol::JoinGroupRequest& req,
                                                                           int64_t now) {
    reply<protocol::JoinGroupResponse> out;
    const std::string old_id = g.static_members.at(*req.GroupInstanceId);
    auto node = g.members.extract(old_id);
    member m = std::move(node.mapped());
    if (m.pending_join) {
        out.fx.released.push_back({*m.pending_join, join_error(error_code::fenced_instance_id, old_id)});
        m.pending_join.reset();
    }
    if (m.pending_sync) {
        protocol::SyncGroupResponse r;
        r.ErrorCode = err(error_code::fenced_instance_id);
        out.fx.released.push_back({*m.pending_sync, std::move(r)});
        m.pending_sync.reset();
    }
    const std::string new_id = new_member_id(ctx.client_id);
    m.member_id = new_id;
    m.client_id = ctx.client_id;
    m.client_host = ctx.client_host;
    m.session_timeout_ms = req.SessionTimeoutMs;
    m.rebalance_timeout_ms = rebalance_timeout_of(req);
    m.last_heartbeat_ms = now;
    const bool was_leader = g.leader_id == old_id;
    if (was_leader) g.leader_id = new_id;
    g.static_members[*req.GroupInstanceId] = new_id;
    member& mm = g.members.emplace(new_id, std::move(m)).first->second;
    ++g.stats.members_joined;

    const auto protocols = protocols_of(req);
    const std::vector<uint8_t>* old_md = g.protocol_name ? mm.metadata_for(*g.protocol_name) : nullptr;
    const member_protocol* new_md = nullptr;
    for (const auto& p : protocols)
        if (g.protocol_name && p.name == *g.protocol_name) new_md = &p;
    if (g.state == group_state::stable && old_md && new_md && *old_md == new_md->metadata) {
        mm.protocols = protocols;
        store_group(g, out.fx); // the new member id must survive a coordinator restart
        protocol::JoinGroupResponse r;
        r.GenerationId = g.generation;
        r.ProtocolType = g.protocol_type;
        r.ProtocolName = g.protocol_name;
        r.MemberId = new_id;
        // Before v9 the old leader id is returned so that a restarted leader does not run an
        // assignment a stable group would never distribute; v9 says so with SkipAssignment.
        r.Leader = ctx.api_version >= 9 ? g.leader_id.value_or("") : (was_leader ? old_id : g.leader_id.value_or(""));
        r.SkipAssignment = ctx.api_version >= 9 && was_leader;
        if (r.SkipAssignment) r.Members = join_response(g, mm).Members;
        out.response = std::move(r);
        return out;
    }
    update_member_and_rebalance(g, mm, ctx, req, now, out.fx);
    return out;
}

void group_coordinator::add_member_and_rebalance(group& g, const request_context& ctx,
                                                 const protocol::JoinGroupRequest& req, std::string member_id,
                                                 int64_t now, effects& fx) {
    member m;
    m.member_id = member_id;
    m.group_instance_id = req.GroupInstanceId;
    m.client_id = ctx.client_id;
    m.client_host = ctx.client_host;
    m.session_timeout_ms = req.SessionTimeoutMs;
    m.rebalance_timeout_ms = rebalance_timeout_of(req);
    m.protocols = protocols_of(req);
    m.join_order = g.next_join_order++;
    m.last_heartbeat_ms = now;
    m.pending_join = ctx.token;
    m.is_new = true;
    if (g.members.empty()) g.protocol_type = req.ProtocolType;
    if (m.group_instance_id) g.static_members[*m.group_instance_id] = member_id;
    g.members.emplace(member_id, std::move(m));
    g.new_member_added = true;
    ++g.stats.members_joined;
    if (g.state == group_state::preparing_rebalance)
        maybe_complete_join(g, now, fx);
    else
        prepare_rebalance(g, "member " + member_id + " joined", {member_id, ctx.client_id, ctx.client_host}, now, fx);
}

void group_coordinator::update_member_and_rebalance(group& g, member& m, const request_context& ctx,
                                                    const protocol::JoinGroupRequest& req, int64_t now, effects& fx) {
    if (m.pending_join && *m.pending_join != ctx.token) {
        // The client gave up on its earlier join and sent another: answer the old one so the
        // connection's in-order pipeline is not stuck behind it.
        fx.released.push_back({*m.pending_join, join_error(error_code::rebalance_in_progress, m.member_id)});
    }
    m.protocols = protocols_of(req);
    m.session_timeout_ms = req.SessionTimeoutMs;
    m.rebalance_timeout_ms = rebalance_timeout_of(req);
    m.client_id = ctx.client_id;
    m.client_host = ctx.client_host;
    m.last_heartbeat_ms = now;
    m.pending_join = ctx.token;
    if (g.state == group_state::preparing_rebalance)
        maybe_complete_join(g, now, fx);
    else
        prepare_rebalance(g, "member " + m.member_id + " rejoined with new metadata",
                          {m.member_id, m.client_id, m.client_host}, now, fx);
}

void group_coordinator::prepare_rebalance(group& g, std::string reason, rebalance_trigger trigger, int64_t now,
                                          effects& fx) {
    if (g.state == group_state::completing_rebalance) {
        // The assignment being distributed is void: parked syncs learn to rejoin.
        for (auto& [id, m] : g.members) {
            m.assignment.clear();
            m.awaiting_sync = false;
            if (m.pending_sync) {
                protocol::SyncGroupResponse r;
                r.ErrorCode = err(error_code::rebalance_in_progress);
                fx.released.push_back({*m.pending_sync, std::move(r)});
                m.pending_sync.reset();
            }
        }
    }
    const bool was_empty = g.state == group_state::empty;
    g.state = group_state::preparing_rebalance;
    g.state_timestamp_ms = now;
    g.new_member_added = false;
    const int64_t rebalance_timeout = std::max<int32_t>(max_rebalance_timeout(g), 0);
    if (was_empty && cfg_.initial_rebalance_delay_ms > 0) {
        g.initial_delay = true;
        g.initial_delay_cap_ms = now + rebalance_timeout;
        g.rebalance_deadline_ms = std::min(now + cfg_.initial_rebalance_delay_ms, g.initial_delay_cap_ms);
    } else {
        g.initial_delay = false;
        g.rebalance_deadline_ms = now + rebalance_timeout;
    }
    count_rebalance(g, std::move(reason), std::move(trigger), now, fx);
    maybe_complete_join(g, now, fx);
}

void group_coordinator::count_rebalance(group& g, std::string reason, rebalance_trigger trigger, int64_t now,
                                        effects& fx) {
    auto& st = g.stats;
    auto& recent = st.recent_rebalances;
    while (!recent.empty() && recent.front().at_ms <= now - cfg_.rebalance_window_ms) recent.pop_front();
    const uint64_t threshold = cfg_.rebalance_storm_threshold;
    // The count only grows by this push, so seeing it below the threshold now means it fell
    // below at some point since the alert: the storm ended and a new crossing may alert again.
    if (st.in_storm && recent.size() < threshold) st.in_storm = false;
    ++st.rebalances_total;
    recent.push_back({now, reason, trigger});
    st.last_rebalance_reason = std::move(reason);
    st.last_trigger = std::move(trigger);
    if (threshold == 0 || st.in_storm || recent.size() < threshold) return;
    st.in_storm = true;
    storm_alert a{g.group_id, recent.size(), cfg_.rebalance_window_ms, threshold, {recent.begin(), recent.end()},
                  st.last_trigger};
    fx.storms.push_back(std::move(a));
}

// Completes the join phase as soon as every known member has rejoined (and no id handed out
// by MEMBER_ID_REQUIRED is still expected); during the initial delay only the timer does.
void group_coordinator::maybe_complete_join(group& g, int64_t now, effects& fx) {
    if (g.state != group_state::preparing_rebalance || g.initial_delay) return;
    const bool all_joined = std::all_of(g.members.begin(), g.members.end(),
                                        [](const auto& e) { return e.second.pending_join.has_value(); });
    if (all_joined && g.pending_members.empty()) complete_join(g, now, fx);
}

void group_coordinator::complete_join(group& g, int64_t now, effects& fx) {
    // Dynamic members that did not rejoin in time are dropped; static ones keep their slot
    // until their session expires (KIP-345).
    std::vector<std::string> gone;
    for (const auto& [id, m] : g.members)
        if (!m.pending_join && !m.group_instance_id) gone.push_back(id);
    for (const auto& id : gone) {
        g.static_members.erase(id);
        g.members.erase(id);
        ++g.stats.members_left;
    }
    if (g.leader_id && !g.has_member(*g.leader_id)) g.leader_id.reset();
    g.initial_delay = false;
    ++g.generation;
    g.state_timestamp_ms = now;
    if (g.members.empty()) {
        g.state = group_state::empty;
        g.protocol_name.reset();
        g.leader_id.reset();
        store_group(g, fx);
        return;
    }
    g.protocol_name = g.select_protocol();
    // The leader must be a member that is about to get a JoinGroup response (a static member
    // that did not rejoin cannot assign); the longest-standing one otherwise.
    if (!g.leader_id || !g.members.at(*g.leader_id).pending_join) {
        const member* first = nullptr;
        for (const auto& [id, m] : g.members)
            if (m.pending_join && (!first || m.join_order < first->join_order)) first = &m;
        if (first) g.leader_id = first->member_id;
    }
    g.state = group_state::completing_rebalance;
    g.rebalance_deadline_ms = now + max_rebalance_timeout(g);
    for (auto& [id, m] : g.members) {
        m.assignment.clear();
        m.is_new = false;
        if (!m.pending_join) continue;
        m.awaiting_sync = true;
        m.last_heartbeat_ms = now;
        fx.released.push_back({*m.pending_join, join_response(g, m)});
        m.pending_join.reset();
    }
}

protocol::JoinGroupResponse group_coordinator::join_response(const group& g, const member& m) const {
    protocol::JoinGroupResponse r;
    r.GenerationId = g.generation;
    r.ProtocolType = g.protocol_type;
    r.ProtocolName = g.protocol_name;
    r.Leader = g.leader_id.value_or("");
    r.MemberId = m.member_id;
    if (g.leader_id == m.member_id) {
        for (const auto& [id, other] : g.members) {
            auto& e = r.Members.emplace_back();
            e.MemberId = id;
            e.GroupInstanceId = other.group_instance_id;
            if (const auto* md = g.protocol_name ? other.metadata_for(*g.protocol_name) : nullptr) e.Metadata = *md;
        }
    }
    return r;
}

void group_coordinator::store_group(const group& g, effects& fx) const {
    fx.records.push_back(group_metadata_record(g.group_id, g.to_metadata_value()));
}

} // namespace brook::group
