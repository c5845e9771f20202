#pragma once
// How the dispatcher applies an injected fault (broker/fault_injector.h) to any API: which
// topics and partitions a request names (for a fault's filters), and a response carrying an
// injected error in the API's own shape. Used only by dispatcher.cc, only while a fault is
// armed; the API sets in fault_injector.cc (topic_filterable_api, error_injectable_api) must
// agree with what this file can read and place.
#include <optional>
#include <string>
#include <vector>

#include "base/error_code.h"
#include "broker/fault_injector.h"

namespace brook::broker::fault_dispatch {

namespace detail {

inline std::string_view name_of(const std::string& s) { return s; }
inline std::string_view name_of(const std::optional<std::string>& s) { return s ? std::string_view(*s) : std::string_view(); }

template <class Partition>
int32_t partition_of(const Partition& p) {
    if constexpr (std::is_integral_v<Partition>) return p;
    else if constexpr (requires { p.PartitionIndex; }) return p.PartitionIndex;
    else if constexpr (requires { p.Partition; }) return p.Partition;
    else return p.Index;
}

template <class Topic>
void add_topic(std::vector<fault_injector::target>& out, std::string_view name, const Topic& t) {
    auto add_all = [&](const auto& parts) {
        if (parts.empty()) out.push_back({name, -1});
        for (const auto& p : parts) out.push_back({name, partition_of(p)});
    };
    if constexpr (requires { t.PartitionData; }) add_all(t.PartitionData);
    else if constexpr (requires { t.Partitions; }) add_all(t.Partitions);
    else if constexpr (requires { t.PartitionIndexes; }) add_all(t.PartitionIndexes);
    else out.push_back({name, -1});
}

template <class Topics>
void add_topics(std::vector<fault_injector::target>& out, const Topics& topics) {
    for (const auto& t : topics) {
        if constexpr (requires { t.Name; }) add_topic(out, name_of(t.Name), t);
        else if constexpr (requires { t.Topic; }) add_topic(out, name_of(t.Topic), t);
        else out.push_back({name_of(t), -1}); // a list of names
    }
}

} // namespace detail

// The (topic, partition) pairs a request names; partition -1 where it names a topic only.
// Views into `req`, which must outlive them.
template <class Request>
std::vector<fault_injector::target> targets(const Request& req) {
    std::vector<fault_injector::target> out;
    if constexpr (requires { req.TopicData; }) detail::add_topics(out, req.TopicData);
    if constexpr (requires { req.Topics; }) {
        if constexpr (requires { req.Topics.has_value(); }) {
            if (req.Topics) detail::add_topics(out, *req.Topics);
        } else {
            detail::add_topics(out, req.Topics);
        }
    }
    if constexpr (requires { req.TopicNames; }) detail::add_topics(out, req.TopicNames);
    return out;
}

// A response to `req` answering it with `e`, or nullopt where this API's response has no
// place for it (parse_fault_spec refuses error faults for those APIs, so this is a guard).
template <class Response, class Request>
std::optional<Response> error_response(const Request& req, int16_t version, error_code e) {
    Response resp;
    const int16_t code = to_wire(e);
    if constexpr (requires { resp.Coordinators; resp.ErrorCode; req.CoordinatorKeys; }) {
        // FindCoordinator: one error up to v3, one per key (KIP-699) from v4.
        if (version >= 4) {
            for (const auto& k : req.CoordinatorKeys) {
                auto& c = resp.Coordinators.emplace_back();
                c.Key = k;
                c.NodeId = -1;
                c.ErrorCode = code;
            }
        } else {
            resp.ErrorCode = code;
            resp.NodeId = -1;
        }
        return resp;
    } else if constexpr (requires { resp.ErrorCode; }) {
        resp.ErrorCode = code;
        return resp;
    } else if constexpr (requires {
                             resp.Topics.front().Name;
                             resp.Topics.front().Partitions.front().PartitionIndex;
                             resp.Topics.front().Partitions.front().ErrorCode;
                             req.Topics.front().Name;
                             req.Topics.front().Partitions.front().PartitionIndex;
                         }) {
        // OffsetCommit, TxnOffsetCommit: every partition of the request gets the error.
        for (const auto& t : req.Topics) {
            auto& rt = resp.Topics.emplace_back();
            rt.Name = t.Name;
            for (const auto& p : t.Partitions) {
                auto& rp = rt.Partitions.emplace_back();
                rp.PartitionIndex = p.PartitionIndex;
                rp.ErrorCode = code;
            }
        }
        return resp;
    } else {
        (void)version;
        (void)code;
        return std::nullopt;
    }
}

} // namespace brook::broker::fault_dispatch
