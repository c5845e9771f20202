// OffsetCommit, OffsetFetch, OffsetDelete and offset retention of group_coordinator.
#include <algorithm>
#include <set>

#include "group/coordinator_internal.h"
#include "group/group_coordinator.h"

namespace brook::group {

namespace {

using detail::commit_key;
using detail::commit_value;
using detail::err;

// Topics named by the members' subscriptions ("consumer" protocol metadata:
// int16 version, [string topic], ...). Unparseable metadata subscribes to nothing.
std::set<std::string> subscribed_topics(const group& g) {
    std::set<std::string> out;
    if (g.protocol_type != "consumer" || !g.protocol_name) return out;
    for (const auto& [id, m] : g.members) {
        const auto* md = m.metadata_for(*g.protocol_name);
        if (!md) continue;
        protocol::reader r(*md);
        (void)r.i16();
        const int32_t n = r.i32();
        for (int32_t i = 0; r.ok() && i < n; ++i) {
            std::string t;
            if (r.string(t, false)) out.insert(std::move(t));
        }
    }
    return out;
}

} // namespace

error_code group_coordinator::check_offset_commit(std::string_view topic, int32_t partition,
                                                  const std::string& metadata) const {
    if (!exists_(topic, partition)) return error_code::unknown_topic_or_partition;
    if (metadata.size() > cfg_.offset_metadata_max_bytes) return error_code::offset_metadata_too_large;
    return error_code::none;
}

reply<protocol::OffsetCommitResponse> group_coordinator::offset_commit(const request_context& ctx,
                                                                       const protocol::OffsetCommitRequest& req,
                                                                       timestamp_ms now_ts) {
    const int64_t now = now_ts.value();
    reply<protocol::OffsetCommitResponse> out;
    protocol::OffsetCommitResponse r;
    auto answer_all = [&](error_code e) {
        for (const auto& t : req.Topics) {
            auto& rt = r.Topics.emplace_back();
            rt.Name = t.Name;
            for (const auto& p : t.Partitions) {
                auto& rp = rt.Partitions.emplace_back();
                rp.PartitionIndex = p.PartitionIndex;
                rp.ErrorCode = err(e);
            }
        }
        out.response = std::move(r);
        return out;
    };
    if (!valid_group_id(req.GroupId)) return answer_all(error_code::invalid_group_id);
    const int32_t generation = ctx.api_version >= 1 ? req.GenerationIdOrMemberEpoch : -1;
    group* g = find_mut(req.GroupId);
    if (!g) {
        // No group: only a commit outside group management (assign(), admin tools) may create one.
        if (generation >= 0) return answer_all(error_code::illegal_generation);
        g = &groups_[req.GroupId];
        g->group_id = req.GroupId;
        g->state_timestamp_ms = now;
    } else if (g->is_fenced(req.GroupInstanceId, req.MemberId)) {
        return answer_all(error_code::fenced_instance_id);
    } else if (generation < 0 && g->state == group_state::empty) {
        // Simple commit into a group with no members.
    } else if (!g->has_member(req.MemberId)) {
        return answer_all(error_code::unknown_member_id);
    } else if (generation != g->generation) {
        return answer_all(error_code::illegal_generation);
    } else if (g->state == group_state::completing_rebalance) {
        return answer_all(error_code::rebalance_in_progress);
    } else {
        g->members.at(req.MemberId).last_heartbeat_ms = now;
    }
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
            c.leader_epoch = p.CommittedLeaderEpoch;
            c.metadata = metadata;
            c.commit_timestamp_ms = (ctx.api_version == 1 && p.CommitTimestamp >= 0) ? p.CommitTimestamp : now;
            if (ctx.api_version >= 2 && ctx.api_version <= 4 && req.RetentionTimeMs >= 0)
                c.expire_timestamp_ms = c.commit_timestamp_ms + req.RetentionTimeMs;
            const topic_partition tp{t.Name, p.PartitionIndex};
            out.fx.records.push_back(offset_commit_record(commit_key(g->group_id, tp), commit_value(c)));
            // Applied now even over a pending transactional offset of `tp` (Kafka does too);
            // being later in the log, it wins if that transaction commits.
            c.log_order = next_log_order();
            g->offsets[tp] = std::move(c);
        }
    }
    out.response = std::move(r);
    return out;
}

protocol::OffsetFetchResponse group_coordinator::offset_fetch(const request_context& ctx,
                                                              const protocol::OffsetFetchRequest& req) const {
    using Resp = protocol::OffsetFetchResponse;
    // RequireStable (v7+, for every group of a v8 request): a partition with a pending
    // transactional offset answers UNSTABLE_OFFSET_COMMIT with no offset, per partition as Kafka
    // does (the group-level error stays NONE), so the consumer retries instead of reading an
    // offset its producer's transaction may still replace.
    const bool require_stable = ctx.api_version >= 7 && req.RequireStable;
    // One group's answer in the v8 shape; older versions are converted below.
    auto fetch_one = [&](const std::string& group_id,
                         const std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>>& topics) {
        Resp::OffsetFetchResponseGroup out;
        out.GroupId = group_id;
        const group* g = find(group_id);
        if (!valid_group_id(group_id)) {
            out.ErrorCode = err(error_code::invalid_group_id);
            g = nullptr; // requested partitions are still listed (v0-1 carry the error there)
        }
        auto fill = [&](Resp::OffsetFetchResponsePartitions& p, const topic_partition& tp, const committed_offset* c) {
            if (require_stable && g && g->has_pending_txn_offset(tp)) {
                c = nullptr;
                p.ErrorCode = err(error_code::unstable_offset_commit);
            }
            p.CommittedOffset = c ? c->offset : -1;
            p.CommittedLeaderEpoch = c ? c->leader_epoch : -1;
            p.Metadata = c ? c->metadata : "";
        };
        if (!topics) { // every committed offset of the group
            if (!g) return out;
            for (const auto& [tp, c] : g->offsets) {
                if (out.Topics.empty() || out.Topics.back().Name != tp.first) out.Topics.emplace_back().Name = tp.first;
                auto& p = out.Topics.back().Partitions.emplace_back();
                p.PartitionIndex = tp.second;
                fill(p, tp, &c);
            }
            return out;
        }
        for (const auto& [name, parts] : *topics) {
            auto& t = out.Topics.emplace_back();
            t.Name = name;
            for (int32_t part : parts) {
                auto& p = t.Partitions.emplace_back();
                p.PartitionIndex = part;
                const topic_partition tp{name, part};
                const committed_offset* c = nullptr;
                if (g) {
                    auto it = g->offsets.find(tp);
                    if (it != g->offsets.end()) c = &it->second;
                }
                p.ErrorCode = out.ErrorCode;
                fill(p, tp, c);
            }
        }
        return out;
    };

    Resp r;
    if (ctx.api_version >= 8) {
        for (const auto& rg : req.Groups) {
            std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>> topics;
            if (rg.Topics) {
                topics.emplace();
                for (const auto& t : *rg.Topics) topics->emplace_back(t.Name, t.PartitionIndexes);
            }
            r.Groups.push_back(fetch_one(rg.GroupId, topics));
        }
        return r;
    }
    std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>> topics;
    if (req.Topics) {
        topics.emplace();
        for (const auto& t : *req.Topics) topics->emplace_back(t.Name, t.PartitionIndexes);
    }
    auto one = fetch_one(req.GroupId, topics);
    r.ErrorCode = one.ErrorCode;
    for (auto& t : one.Topics) {
        auto& rt = r.Topics.emplace_back();
        rt.Name = t.Name;
        for (auto& p : t.Partitions) {
            auto& rp = rt.Partitions.emplace_back();
            rp.PartitionIndex = p.PartitionIndex;
            rp.CommittedOffset = p.CommittedOffset;
            rp.CommittedLeaderEpoch = p.CommittedLeaderEpoch;
            rp.Metadata = p.Metadata;
            // v0-1 have no top-level error code: the group's error goes on every partition.
            rp.ErrorCode = ctx.api_version < 2 ? one.ErrorCode : p.ErrorCode;
        }
    }
    return r;
}

reply<protocol::OffsetDeleteResponse> group_coordinator::offset_delete(const request_context& ctx,
                                                                       const protocol::OffsetDeleteRequest& req,
                                                                       timestamp_ms now) {
    reply<protocol::OffsetDeleteResponse> out;
    protocol::OffsetDeleteResponse r;
    group* g = valid_group_id(req.GroupId) ? find_mut(req.GroupId) : nullptr;
    if (!g) {
        r.ErrorCode = err(valid_group_id(req.GroupId) ? error_code::group_id_not_found : error_code::invalid_group_id);
        out.response = std::move(r);
        return out;
    }
    // Offsets a live consumer group is using stay (GROUP_SUBSCRIBED_TO_TOPIC).
    const auto subscribed = g->state == group_state::empty ? std::set<std::string>{} : subscribed_topics(*g);
    if (g->state != group_state::empty && g->protocol_type != "consumer") {
        r.ErrorCode = err(error_code::non_empty_group);
        out.response = std::move(r);
        return out;
    }
    for (const auto& t : req.Topics) {
        auto& rt = r.Topics.emplace_back();
        rt.Name = t.Name;
        for (const auto& p : t.Partitions) {
            auto& rp = rt.Partitions.emplace_back();
            rp.PartitionIndex = p.PartitionIndex;
            if (subscribed.count(t.Name)) {
                rp.ErrorCode = err(error_code::group_subscribed_to_topic);
                continue;
            }
            const topic_partition tp{t.Name, p.PartitionIndex};
            // Pending transactional offsets of the partition go too (Kafka's removeOffsets). The
            // tombstone is written even when only those existed, so a reload drops them as well.
            const bool had = g->offsets.erase(tp) + g->has_pending_txn_offset(tp) > 0;
            drop_pending(*g, tp);
            if (had) out.fx.records.push_back(offset_commit_tombstone(commit_key(g->group_id, tp)));
        }
    }
    out.response = std::move(r);
    return out;
}

effects group_coordinator::delete_topic_offsets(std::string_view topic) {
    effects fx;
    for (auto& [id, g] : groups_) {
        std::set<topic_partition> tps;
        for (const auto& [tp, c] : g.offsets)
            if (tp.first == topic) tps.insert(tp);
        for (const auto& [pid, pending] : g.pending_txn)
            for (const auto& [tp, c] : pending)
                if (tp.first == topic) tps.insert(tp);
        for (const auto& tp : tps) {
            g.offsets.erase(tp);
            // A plain tombstone, so a reload drops the pending ones too (as OffsetDelete does);
            // a later commit marker of their transaction then finds nothing of this topic.
            drop_pending(g, tp);
            fx.records.push_back(offset_commit_tombstone(commit_key(id, tp)));
        }
    }
    return fx;
}

int64_t group_coordinator::offset_expiry(const group& g, const committed_offset& c) const {
    if (c.expire_timestamp_ms >= 0) return c.expire_timestamp_ms;
    const int64_t base =
        g.protocol_type.empty() ? c.commit_timestamp_ms : std::max(c.commit_timestamp_ms, g.state_timestamp_ms);
    return base + cfg_.offsets_retention_ms;
}

// Offsets of Empty groups expire offsets.retention after the group became empty (after the
// commit for groups that never had members), or at their explicit expire timestamp. An Empty
// group left with no offsets, committed or pending, is deleted (tombstone), as Kafka does. An
// offset whose partition has a pending transactional offset is kept until that transaction is
// decided: its tombstone would also drop the pending offset on reload.
void group_coordinator::expire_offsets(int64_t now, effects& fx) {
    std::vector<std::string> dead;
    for (auto& [id, g] : groups_) {
        if (g.state != group_state::empty) continue;
        for (auto it = g.offsets.begin(); it != g.offsets.end();) {
            if (now >= offset_expiry(g, it->second) && !g.has_pending_txn_offset(it->first)) {
                fx.records.push_back(offset_commit_tombstone(commit_key(id, it->first)));
                it = g.offsets.erase(it);
            } else {
                ++it;
            }
        }
        if (!g.has_offsets() && g.members.empty() && g.pending_members.empty()) dead.push_back(id);
    }
    for (const auto& id : dead) {
        fx.records.push_back(group_metadata_tombstone(id));
        groups_.erase(id);
    }
}

} // namespace brook::group
