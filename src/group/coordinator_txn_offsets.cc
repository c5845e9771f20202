// TxnOffsetCommit, transaction completion and the replay of transactional batches and markers
// of group_coordinator: offsets committed inside a producer's transaction stay pending under its
// producer id until the transaction coordinator's marker lands in __consumer_offsets.
//
// Ordering against plain commits follows Kafka (GroupMetadata.completePendingTxnOffsetCommit):
// a plain OffsetCommit to a partition with a pending transactional offset is applied at once
// (RequireStable fetches still see the partition as unstable); when the transaction commits,
// its offset replaces the current one only if its record is the later of the two in the log.
#include "group/coordinator_internal.h"
#include "group/group_coordinator.h"

namespace brook::group {

namespace {
using detail::commit_key;
using detail::commit_value;
using detail::err;
} // namespace

reply<protocol::TxnOffsetCommitResponse> group_coordinator::txn_offset_commit(
    const request_context& ctx, const protocol::TxnOffsetCommitRequest& req, timestamp_ms now, error_code producer) {
    reply<protocol::TxnOffsetCommitResponse> out;
    protocol::TxnOffsetCommitResponse r;
    auto answer_all = [&](error_code e) {
        for (const auto& t : req.Topics) {
            auto& rt = r.Topics.emplace_back();
            rt.Name = t.Name;
            for (const auto& p : t.Partitions) rt.Partitions.push_back({p.PartitionIndex, err(e), {}});
        }
        out.response = std::move(r);
        return out;
    };
    if (producer != error_code::none) return answer_all(producer);
    if (!valid_group_id(req.GroupId)) return answer_all(error_code::invalid_group_id);
    // v0-2 carry no member fields; their defaults (-1, "", null) skip the member checks, as in
    // Kafka's validateOffsetCommit. Unlike OffsetCommit there is no "only members may commit to
    // a non-empty group" rule and no check of the group's state: older clients cannot identify
    // themselves, and a commit inside a transaction is valid during a rebalance.
    const bool v3 = ctx.api_version >= 3;
    const int32_t generation = v3 ? req.GenerationId : -1;
    const std::string member_id = v3 ? req.MemberId : std::string();
    const std::optional<std::string> instance = v3 ? req.GroupInstanceId : std::nullopt;
    group* g = find_mut(req.GroupId);
    if (generation >= 0 || !member_id.empty() || instance) {
        if (g && g->is_fenced(instance, member_id)) return answer_all(error_code::fenced_instance_id);
        if (!g || !g->has_member(member_id)) return answer_all(error_code::unknown_member_id);
        if (generation != g->generation) return answer_all(error_code::illegal_generation);
    }
    if (!g) {
        // Kafka creates the group (Empty) for a transactional commit; it holds offsets only.
        g = &groups_[req.GroupId];
        g->group_id = req.GroupId;
        g->state_timestamp_ms = now.value();
    }
    const producer_id pid(req.ProducerId);
    for (const auto& t : req.Topics) {
        auto& rt = r.Topics.emplace_back();
        rt.Name = t.Name;
        for (const auto& p : t.Partitions) {
            auto& rp = rt.Partitions.emplace_back();
            rp.PartitionIndex = p.PartitionIndex;
            const std::string metadata = p.CommittedMetadata.value_or("");
            if (auto e = check_offset_commit(t.Name, p.PartitionIndex, metadata); e != error_code::none) {
                rp.ErrorCode = err(e);
                continue;
            }
            committed_offset c;
            c.offset = p.CommittedOffset;
            c.leader_epoch = ctx.api_version >= 2 ? p.CommittedLeaderEpoch : -1;
            c.metadata = metadata;
            c.commit_timestamp_ms = now.value(); // no retention field: expiry as for plain commits
            const topic_partition tp{t.Name, p.PartitionIndex};
            out.fx.records.push_back(offset_commit_record(commit_key(g->group_id, tp), commit_value(c)));
            add_pending(*g, pid, tp, std::move(c));
        }
    }
    if (!out.fx.records.empty()) out.fx.owner = coord::txn_owner{pid, producer_epoch(req.ProducerEpoch)};
    out.response = std::move(r);
    return out;
}

effects group_coordinator::complete_txn(producer_id pid, bool commit, timestamp_ms /*now*/) {
    complete_pending(pid, commit);
    return {};
}

bool group_coordinator::has_pending_transactions() const {
    for (const auto& [pid, ids] : txn_groups_)
        for (const auto& id : ids)
            if (const group* g = find(id); g && g->pending_txn.count(pid)) return true;
    return false;
}

void group_coordinator::add_pending(group& g, producer_id pid, const topic_partition& tp, committed_offset c) {
    c.log_order = next_log_order();
    g.pending_txn[pid][tp] = std::move(c);
    txn_groups_[pid].insert(g.group_id);
}

void group_coordinator::complete_pending(producer_id pid, bool commit) {
    auto it = txn_groups_.find(pid);
    if (it == txn_groups_.end()) return;
    for (const auto& id : it->second) {
        group* g = find_mut(id);
        if (!g) continue; // deleted while the transaction was open
        auto p = g->pending_txn.find(pid);
        if (p == g->pending_txn.end()) continue;
        if (commit) {
            for (auto& [tp, c] : p->second) {
                auto cur = g->offsets.find(tp);
                if (cur == g->offsets.end()) g->offsets.emplace(tp, std::move(c));
                else if (cur->second.log_order < c.log_order) cur->second = std::move(c);
                // else: a plain commit appended after this record already replaced it.
            }
        }
        g->pending_txn.erase(p);
    }
    txn_groups_.erase(it);
}

void group_coordinator::drop_pending(group& g, const topic_partition& tp) {
    for (auto it = g.pending_txn.begin(); it != g.pending_txn.end();) {
        it->second.erase(tp);
        it = it->second.empty() ? g.pending_txn.erase(it) : std::next(it);
    }
}

void group_coordinator::replay_marker(const coord::batch_context& batch, bool commit) {
    complete_pending(batch.pid, commit);
}

} // namespace brook::group
