#include "group/group.h"

#include <algorithm>
#include <set>

namespace brook::group {

std::string_view state_name(group_state s) {
    switch (s) {
    case group_state::empty: return "Empty";
    case group_state::preparing_rebalance: return "PreparingRebalance";
    case group_state::completing_rebalance: return "CompletingRebalance";
    case group_state::stable: return "Stable";
    case group_state::dead: return "Dead";
    }
    return "Dead";
}

const std::vector<uint8_t>* member::metadata_for(std::string_view protocol) const {
    for (const auto& p : protocols)
        if (p.name == protocol) return &p.metadata;
    return nullptr;
}

bool group::has_pending_txn_offset(const topic_partition& tp) const {
    for (const auto& [pid, offsets] : pending_txn)
        if (offsets.count(tp)) return true;
    return false;
}

bool group::is_fenced(const std::optional<std::string>& instance_id, std::string_view member_id) const {
    if (!instance_id) return false;
    auto it = static_members.find(*instance_id);
    return it != static_members.end() && it->second != member_id;
}

bool group::supports(std::string_view type, const std::vector<member_protocol>& protocols) const {
    if (type.empty() || protocols.empty()) return false;
    if (members.empty()) return true;
    if (type != protocol_type) return false;
    // Some protocol of the joiner must be supported by every current member.
    return std::any_of(protocols.begin(), protocols.end(), [&](const member_protocol& p) {
        return std::all_of(members.begin(), members.end(),
                           [&](const auto& m) { return m.second.metadata_for(p.name) != nullptr; });
    });
}

std::string group::select_protocol() const {
    std::set<std::string> candidates;
    bool first = true;
    for (const auto& [id, m] : members) {
        std::set<std::string> mine;
        for (const auto& p : m.protocols) mine.insert(p.name);
        if (first) {
            candidates = std::move(mine);
            first = false;
        } else {
            std::set<std::string> both;
            std::set_intersection(candidates.begin(), candidates.end(), mine.begin(), mine.end(),
                                  std::inserter(both, both.end()));
            candidates = std::move(both);
        }
    }
    // Each member votes for its most preferred candidate (Kafka's rule); ties go to the
    // smallest name so the choice is deterministic.
    std::map<std::string, int> votes;
    for (const auto& [id, m] : members) {
        for (const auto& p : m.protocols) {
            if (candidates.count(p.name)) {
                ++votes[p.name];
                break;
            }
        }
    }
    std::string best;
    int best_votes = -1;
    for (const auto& [name, n] : votes) {
        if (n > best_votes) {
            best = name;
            best_votes = n;
        }
    }
    return best;
}

protocol::GroupMetadataValue group::to_metadata_value() const {
    protocol::GroupMetadataValue v;
    v.protocolType = protocol_type;
    v.generation = generation;
    v.protocol = protocol_name;
    v.leader = leader_id;
    v.currentStateTimestamp = state_timestamp_ms;
    for (const auto& [id, m] : members) {
        auto& mm = v.members.emplace_back();
        mm.memberId = m.member_id;
        mm.groupInstanceId = m.group_instance_id;
        mm.clientId = m.client_id;
        mm.clientHost = m.client_host;
        mm.rebalanceTimeout = m.rebalance_timeout_ms;
        mm.sessionTimeout = m.session_timeout_ms;
        if (protocol_name) {
            if (const auto* md = m.metadata_for(*protocol_name)) mm.subscription = *md;
        }
        mm.assignment = m.assignment;
    }
    return v;
}

persisted_view persisted(const group& g) {
    persisted_view v{g.protocol_type, g.generation,          g.protocol_name, g.leader_id,
                     g.to_metadata_value(), g.offsets, g.pending_txn};
    v.metadata.currentStateTimestamp = -1;
    return v;
}

} // namespace brook::group
