// DescribeGroups, ListGroups, DeleteGroups and load (replay) of group_coordinator.
#include <algorithm>
#include <cctype>
#include <set>

#include "group/coordinator_internal.h"
#include "group/group_coordinator.h"

namespace brook::group {

namespace {
using detail::err;
} // namespace

protocol::DescribeGroupsResponse group_coordinator::describe_groups(const request_context& ctx,
                                                                    const protocol::DescribeGroupsRequest& req) const {
    protocol::DescribeGroupsResponse r;
    for (const auto& id : req.Groups) {
        auto& d = r.Groups.emplace_back();
        d.GroupId = id;
        if (!valid_group_id(id)) {
            d.ErrorCode = err(error_code::invalid_group_id);
            d.GroupState = state_name(group_state::dead);
            continue;
        }
        const group* g = find(id);
        if (!g) { // Kafka describes an unknown group as Dead, with no error.
            d.GroupState = state_name(group_state::dead);
            continue;
        }
        d.GroupState = state_name(g->state);
        d.ProtocolType = g->protocol_type;
        const bool stable = g->state == group_state::stable;
        // Metadata and assignments mean something only for a stable generation.
        if (stable) d.ProtocolData = g->protocol_name.value_or("");
        for (const auto& [mid, m] : g->members) {
            auto& dm = d.Members.emplace_back();
            dm.MemberId = mid;
            dm.GroupInstanceId = m.group_instance_id;
            dm.ClientId = m.client_id;
            dm.ClientHost = m.client_host;
            if (stable) {
                if (const auto* md = m.metadata_for(*g->protocol_name)) dm.MemberMetadata = *md;
                dm.MemberAssignment = m.assignment;
            }
        }
    }
    return r;
}

protocol::ListGroupsResponse group_coordinator::list_groups(const request_context& ctx,
                                                            const protocol::ListGroupsRequest& req) const {
    protocol::ListGroupsResponse r;
    for (const auto& [id, g] : groups_) {
        const auto state = state_name(g.state);
        // StatesFilter (v4+) matches case-insensitively, as Kafka does.
        if (!req.StatesFilter.empty() &&
            std::none_of(req.StatesFilter.begin(), req.StatesFilter.end(), [&](const std::string& s) {
                return std::equal(s.begin(), s.end(), state.begin(), state.end(),
                                  [](char a, char b) { return std::tolower(a) == std::tolower(b); });
            }))
            continue;
        auto& l = r.Groups.emplace_back();
        l.GroupId = id;
        l.ProtocolType = g.protocol_type;
        l.GroupState = state;
    }
    return r;
}

reply<protocol::DeleteGroupsResponse> group_coordinator::delete_groups(const request_context& ctx,
                                                                       const protocol::DeleteGroupsRequest& req,
                                                                       timestamp_ms now) {
    reply<protocol::DeleteGroupsResponse> out;
    protocol::DeleteGroupsResponse r;
    for (const auto& id : req.GroupsNames) {
        auto& res = r.Results.emplace_back();
        res.GroupId = id;
        group* g = valid_group_id(id) ? find_mut(id) : nullptr;
        if (!valid_group_id(id)) {
            res.ErrorCode = err(error_code::invalid_group_id);
        } else if (!g) {
            res.ErrorCode = err(error_code::group_id_not_found);
        } else if (g->state != group_state::empty || !g->members.empty()) {
            res.ErrorCode = err(error_code::non_empty_group);
        } else {
            // Offsets first, then the group: a reader of the log never sees offsets outlive it.
            // Kafka deletes an Empty group even with open transactional offsets (removeAllOffsets
            // drops them); their partitions get tombstones too, so a reload drops them as well.
            std::set<topic_partition> tps;
            for (const auto& [tp, c] : g->offsets) tps.insert(tp);
            for (const auto& [pid, pending] : g->pending_txn)
                for (const auto& [tp, c] : pending) tps.insert(tp);
            for (const auto& tp : tps) out.fx.records.push_back(offset_commit_tombstone(detail::commit_key(id, tp)));
            out.fx.records.push_back(group_metadata_tombstone(id));
            groups_.erase(id);
        }
    }
    out.response = std::move(r);
    return out;
}

error_code group_coordinator::replay(const coord::batch_context& batch, std::span<const uint8_t> key,
                                     std::optional<std::span<const uint8_t>> value) {
    auto rec = decode_record(key, value);
    if (!rec) return rec.error();
    if (auto* oc = std::get_if<offset_commit_entry>(&*rec)) {
        const topic_partition tp{oc->key.topic, oc->key.partition};
        const bool txn = batch.transactional && batch.pid != no_producer_id;
        if (!oc->value) {
            if (group* g = find_mut(oc->key.group)) {
                if (txn) { // Kafka's load: drops that producer's pending offset only
                    auto p = g->pending_txn.find(batch.pid);
                    if (p != g->pending_txn.end() && p->second.erase(tp) && p->second.empty()) g->pending_txn.erase(p);
                } else { // as OffsetDelete / DeleteGroups / expiry did live
                    g->offsets.erase(tp);
                    drop_pending(*g, tp);
                }
            }
            return error_code::none;
        }
        group& g = groups_[oc->key.group];
        g.group_id = oc->key.group;
        const auto& v = *oc->value;
        committed_offset c{v.offset, v.leaderEpoch, v.metadata, v.commitTimestamp, v.expireTimestamp};
        if (txn) {
            add_pending(g, batch.pid, tp, std::move(c));
        } else {
            c.log_order = next_log_order();
            g.offsets[tp] = std::move(c);
        }
        return error_code::none;
    }
    if (auto* gm = std::get_if<group_metadata_entry>(&*rec)) {
        const std::string& id = gm->key.group;
        if (!gm->value) {
            // Deleted. Offsets committed after the deletion (a new incarnation) stay.
            if (group* g = find_mut(id)) {
                if (!g->has_offsets()) {
                    groups_.erase(id);
                } else {
                    auto offsets = std::move(g->offsets);
                    auto pending = std::move(g->pending_txn);
                    *g = group{};
                    g->group_id = id;
                    g->offsets = std::move(offsets);
                    g->pending_txn = std::move(pending);
                }
            }
            return error_code::none;
        }
        const auto& v = *gm->value;
        group& g = groups_[id];
        g.group_id = id;
        g.protocol_type = v.protocolType;
        g.generation = v.generation;
        g.protocol_name = v.protocol;
        g.leader_id = v.leader;
        g.state_timestamp_ms = v.currentStateTimestamp;
        g.members.clear();
        g.static_members.clear();
        g.pending_members.clear();
        for (const auto& mm : v.members) {
            member m;
            m.member_id = mm.memberId;
            m.group_instance_id = mm.groupInstanceId;
            m.client_id = mm.clientId;
            m.client_host = mm.clientHost;
            m.session_timeout_ms = mm.sessionTimeout;
            m.rebalance_timeout_ms = mm.rebalanceTimeout > 0 ? mm.rebalanceTimeout : mm.sessionTimeout;
            if (v.protocol) m.protocols.push_back({*v.protocol, mm.subscription});
            m.assignment = mm.assignment;
            m.join_order = g.next_join_order++;
            if (m.group_instance_id) g.static_members[*m.group_instance_id] = m.member_id;
            g.members.emplace(m.member_id, std::move(m));
        }
        // A generation is stored once the leader's assignment is in; that group is Stable.
        g.state = g.members.empty() ? group_state::empty : group_state::stable;
        return error_code::none;
    }
    return error_code::none; // newer record types (KIP-848 groups): not ours
}

void group_coordinator::load_complete(timestamp_ms now) {
    // As Kafka's load: a group exists afterwards only if its latest metadata record or an
    // offset (committed or pending) says so. Replay creates a group at its first offset record;
    // one whose offsets were all tombstoned and that never had a metadata record is a leftover
    // of the full history only (the cleaned log no longer holds those records), so the two
    // loads would disagree. Live, the next retention check deletes such a group anyway.
    std::erase_if(groups_, [](const auto& e) {
        const group& g = e.second;
        return !g.has_offsets() && g.members.empty() && g.protocol_type.empty() && g.generation == 0;
    });
    for (auto& [id, g] : groups_) {
        if (g.state_timestamp_ms < 0) g.state_timestamp_ms = now.value();
        for (auto& [mid, m] : g.members) m.last_heartbeat_ms = now.value();
    }
}

} // namespace brook::group
