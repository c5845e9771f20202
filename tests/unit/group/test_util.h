#pragma once
// Test driver for group_coordinator: a fake clock, a fake __consumer_offsets log (every record
// the coordinator asked to append) and the parked responses it released, by token.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "group/group_coordinator.h"

namespace brook::group::testing {

using namespace brook::protocol;

// "consumer" protocol subscription metadata (version 0: topics, null user data).
inline std::vector<uint8_t> subscription(std::vector<std::string> topics) {
    std::vector<uint8_t> out;
    writer w(out);
    w.i16(0);
    w.i32(static_cast<int32_t>(topics.size()));
    for (const auto& t : topics) w.string(t, false);
    w.i32(-1);
    return out;
}

inline int16_t ec(error_code e) { return static_cast<int16_t>(e); }

struct harness {
    explicit harness(group_config cfg = {}, group_coordinator::partition_exists_fn exists = {})
        : c(cfg, std::move(exists), 42) {}

    group_coordinator c;
    int64_t now{1'000'000};
    uint64_t next_token{1};
    std::vector<log_record> log;
    std::map<uint64_t, JoinGroupResponse> joins;
    std::map<uint64_t, SyncGroupResponse> syncs;
    std::vector<storm_alert> storms;

    timestamp_ms t() const { return timestamp_ms(now); }
    request_context ctx(int16_t version, std::string client = "client") {
        return {version, std::move(client), "/127.0.0.1", next_token++};
    }
    void absorb(effects fx) {
        for (auto& r : fx.records) log.push_back(std::move(r));
        for (auto& s : fx.storms) storms.push_back(std::move(s));
        for (auto& rel : fx.released) {
            if (auto* j = std::get_if<JoinGroupResponse>(&rel.response)) joins[rel.token] = *j;
            else syncs[rel.token] = std::get<SyncGroupResponse>(rel.response);
        }
    }
    void advance(int64_t ms) {
        now += ms;
        absorb(c.tick(t()));
    }

    static JoinGroupRequest join_request(std::string group, std::string member_id,
                                         std::vector<std::pair<std::string, std::vector<uint8_t>>> protocols,
                                         std::optional<std::string> instance = std::nullopt,
                                         int32_t session_ms = 10000, int32_t rebalance_ms = 30000) {
        JoinGroupRequest r;
        r.GroupId = std::move(group);
        r.SessionTimeoutMs = session_ms;
        r.RebalanceTimeoutMs = rebalance_ms;
        r.MemberId = std::move(member_id);
        r.GroupInstanceId = std::move(instance);
        r.ProtocolType = "consumer";
        for (auto& [n, m] : protocols) r.Protocols.push_back({n, m, {}});
        return r;
    }

    // Sends a JoinGroup; returns the token and the immediate response, if any.
    std::pair<uint64_t, std::optional<JoinGroupResponse>> join(const JoinGroupRequest& req, int16_t version = 7) {
        auto cx = ctx(version);
        auto r = c.join_group(cx, req, t());
        absorb(std::move(r.fx));
        return {cx.token, r.response};
    }
    // The response for `token`, immediate or released (fails the test if there is none).
    JoinGroupResponse join_result(const std::pair<uint64_t, std::optional<JoinGroupResponse>>& j) {
        if (j.second) return *j.second;
        auto it = joins.find(j.first);
        EXPECT_NE(it, joins.end()) << "JoinGroup " << j.first << " still parked";
        return it == joins.end() ? JoinGroupResponse{} : it->second;
    }
    bool parked(const std::pair<uint64_t, std::optional<JoinGroupResponse>>& j) const {
        return !j.second && !joins.count(j.first);
    }

    // Full KIP-394 join of a dynamic member: returns its member id (join left parked/complete).
    std::pair<uint64_t, std::optional<JoinGroupResponse>> join_new(const std::string& group, std::string& member_id,
                                                                   std::vector<std::string> topics = {"t"},
                                                                   std::string protocol = "range") {
        auto first = join(join_request(group, "", {{protocol, subscription(topics)}}));
        EXPECT_TRUE(first.second);
        EXPECT_EQ(first.second->ErrorCode, ec(error_code::member_id_required));
        member_id = first.second->MemberId;
        return join(join_request(group, member_id, {{protocol, subscription(topics)}}));
    }

    std::pair<uint64_t, std::optional<SyncGroupResponse>> sync(const std::string& group, const std::string& member,
                                                              int32_t generation,
                                                              std::vector<std::pair<std::string, std::string>> assign = {},
                                                              std::optional<std::string> instance = std::nullopt) {
        SyncGroupRequest r;
        r.GroupId = group;
        r.GenerationId = generation;
        r.MemberId = member;
        r.GroupInstanceId = std::move(instance);
        for (auto& [m, a] : assign) r.Assignments.push_back({m, std::vector<uint8_t>(a.begin(), a.end()), {}});
        auto cx = ctx(5);
        auto out = c.sync_group(cx, r, t());
        absorb(std::move(out.fx));
        return {cx.token, out.response};
    }
    SyncGroupResponse sync_result(const std::pair<uint64_t, std::optional<SyncGroupResponse>>& s) {
        if (s.second) return *s.second;
        auto it = syncs.find(s.first);
        EXPECT_NE(it, syncs.end()) << "SyncGroup " << s.first << " still parked";
        return it == syncs.end() ? SyncGroupResponse{} : it->second;
    }

    int16_t heartbeat(const std::string& group, const std::string& member, int32_t generation,
                      std::optional<std::string> instance = std::nullopt) {
        HeartbeatRequest r;
        r.GroupId = group;
        r.MemberId = member;
        r.GenerationId = generation;
        r.GroupInstanceId = std::move(instance);
        auto out = c.heartbeat(ctx(4), r, t());
        absorb(std::move(out.fx));
        return out.response->ErrorCode;
    }

    // One dynamic member through join + sync; returns its member id. Group ends Stable.
    std::string stable_single(const std::string& group, std::vector<std::string> topics = {"t"}) {
        std::string id;
        auto j = join_new(group, id, topics);
        advance(c.config().initial_rebalance_delay_ms);
        auto r = join_result(j);
        EXPECT_EQ(r.ErrorCode, 0);
        auto s = sync(group, id, r.GenerationId, {{id, "A:" + id}});
        EXPECT_EQ(sync_result(s).ErrorCode, 0);
        return id;
    }

    static std::string text(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }
};

} // namespace brook::group::testing
