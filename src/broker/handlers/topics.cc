// Metadata, CreateTopics, DeleteTopics: the topic lifecycle as clients see it.
#include "base/log.h"
#include "broker/handlers/handlers.h"

namespace brook::broker {

asio::awaitable<topic_lookup> find_or_create_topic(request_context& ctx, const std::string& name, bool allow_auto_create) {
    if (auto t = ctx.shard.topic(name)) co_return topic_lookup{t, error_code::none};
    if (!config::is_valid_topic_name(name)) co_return topic_lookup{nullptr, error_code::invalid_topic_exception};
    if (!allow_auto_create || !ctx.b.config().auto_create_topics_enable)
        co_return topic_lookup{nullptr, error_code::unknown_topic_or_partition};
    broker::create_spec spec{name, -1, {}, false};
    auto out = co_await ctx.b.create_topic(std::move(spec));
    if (out.error != error_code::none && out.error != error_code::topic_already_exists) // lost a race: fine
        co_return topic_lookup{nullptr, out.error};
    // The controller publishes to every shard before answering, so this shard has it now;
    // should it not, the client is told to retry rather than "no error, no partitions".
    auto t = ctx.shard.topic(name);
    co_return topic_lookup{t, t ? error_code::none : error_code::leader_not_available};
}

namespace {

void describe_topic(const broker& b, const topic_info& t, protocol::MetadataResponse::MetadataResponseTopic& out) {
    out.ErrorCode = 0;
    out.Name = t.name;
    out.TopicId = t.topic_id;
    out.IsInternal = is_internal_topic(t.name);
    const bool some_offline = b.offline().any();
    for (int32_t p = 0; p < t.partitions; ++p) {
        auto& part = out.Partitions.emplace_back();
        part.ErrorCode = 0;
        part.PartitionIndex = p;
        part.LeaderId = b.config().node_id;
        part.LeaderEpoch = 0;
        part.ReplicaNodes = {b.config().node_id};
        part.IsrNodes = {b.config().node_id};
        if (some_offline && b.offline().contains(t.name, p)) {
            // As Kafka reports a partition whose log directory failed: no leader, its one
            // replica offline.
            part.ErrorCode = to_wire(error_code::kafka_storage_error);
            part.LeaderId = -1;
            part.IsrNodes.clear();
            part.OfflineReplicas = {b.config().node_id};
        }
    }
}

} // namespace

asio::awaitable<protocol::MetadataResponse> handle_metadata(request_context& ctx, protocol::MetadataRequest& req) {
    protocol::MetadataResponse resp;
    auto& broker0 = resp.Brokers.emplace_back();
    broker0.NodeId = ctx.b.config().node_id;
    broker0.Host = ctx.b.advertised().host;
    broker0.Port = ctx.b.advertised().port;
    resp.ClusterId = ctx.b.cluster_id();
    resp.ControllerId = ctx.b.config().node_id;

    // v0: an empty list means all topics; v1+: null means all, empty means none.
    bool all = !req.Topics.has_value() || (ctx.version() == 0 && req.Topics->empty());
    if (all) {
        auto snap = ctx.shard.topics;
        for (auto& [name, t] : *snap) describe_topic(ctx.b, *t, resp.Topics.emplace_back());
        co_return resp;
    }
    // v4+ says per request whether to auto-create; older versions always may.
    bool allow_create = ctx.version() < 4 || req.AllowAutoTopicCreation;
    for (auto& rt : *req.Topics) {
        if (!rt.Name) {
            // v10+: by topic id (v12 clients send a null name with the id). Never auto-creates.
            auto& out = resp.Topics.emplace_back();
            out.Name = std::nullopt;
            out.TopicId = rt.TopicId;
            auto t = rt.TopicId == std::array<uint8_t, 16>{} ? nullptr : ctx.b.topic_by_id(ctx.shard.id, rt.TopicId);
            if (!t) {
                out.ErrorCode = to_wire(error_code::unknown_topic_id);
                if (ctx.version() < 12) out.Name = ""; // nullable only from v12
                continue;
            }
            describe_topic(ctx.b, *t, out);
            continue;
        }
        std::string name = *rt.Name;
        auto& out = resp.Topics.emplace_back();
        out.Name = name;
        auto found = co_await find_or_create_topic(ctx, name, allow_create);
        if (!found.topic) {
            out.ErrorCode = to_wire(found.error);
            continue;
        }
        describe_topic(ctx.b, *found.topic, out);
    }
    co_return resp;
}

asio::awaitable<protocol::CreateTopicsResponse> handle_create_topics(request_context& ctx, protocol::CreateTopicsRequest& req) {
    protocol::CreateTopicsResponse resp;
    // One request may create at most create.topics.max.partitions partitions, all its topics
    // together: past that, none of them is created (the client splits the request).
    int64_t asked = 0;
    for (const auto& t : req.Topics) asked += t.NumPartitions == -1 ? ctx.b.config().num_partitions : std::max(t.NumPartitions, 0);
    const int32_t request_cap = ctx.b.config().create_topics_max_partitions;
    for (auto& t : req.Topics) {
        if (asked > request_cap) {
            auto& out = resp.Topics.emplace_back();
            out.Name = t.Name;
            out.ErrorCode = to_wire(error_code::invalid_partitions);
            out.ErrorMessage = fmt::format("this CreateTopics request asks for {} partitions in total; "
                                           "create.topics.max.partitions is {}",
                                           asked, request_cap);
            continue;
        }
        auto& out = resp.Topics.emplace_back();
        out.Name = t.Name;
        broker::create_spec spec{t.Name, t.NumPartitions, {}, req.validateOnly};
        error_code pre = error_code::none;
        std::string msg;
        if (t.ReplicationFactor != -1 && t.ReplicationFactor != 1) {
            pre = error_code::invalid_replication_factor;
            msg = "replication factor must be 1 (or -1): this cluster has one broker";
        } else if (!t.Assignments.empty()) {
            pre = error_code::invalid_request;
            msg = "manual replica assignment is not supported";
        }
        for (auto& c : t.Configs) {
            if (!c.Value) {
                pre = error_code::invalid_config;
                msg = "config " + c.Name + " has a null value";
                break;
            }
            spec.configs[c.Name] = *c.Value;
        }
        if (pre != error_code::none) {
            out.ErrorCode = to_wire(pre);
            out.ErrorMessage = msg;
            continue;
        }
        auto result = co_await ctx.b.create_topic(std::move(spec));
        out.ErrorCode = to_wire(result.error);
        if (result.error != error_code::none) {
            out.ErrorMessage = result.message;
            continue;
        }
        out.NumPartitions = result.topic->partitions;
        out.ReplicationFactor = 1;
        out.Configs.emplace();
        for (const auto& p : config::topic_properties()) {
            auto& c = out.Configs->emplace_back();
            c.Name = p.name;
            auto set = result.topic->configs.find(p.name);
            c.Value = set != result.topic->configs.end() ? set->second : p.broker_default(ctx.b.config());
            c.ReadOnly = false;
            c.ConfigSource = set != result.topic->configs.end() ? 1 /* DYNAMIC_TOPIC_CONFIG */ : 5 /* DEFAULT_CONFIG */;
            c.IsSensitive = false;
        }
    }
    co_return resp;
}

asio::awaitable<protocol::DeleteTopicsResponse> handle_delete_topics(request_context& ctx, protocol::DeleteTopicsRequest& req) {
    protocol::DeleteTopicsResponse resp;
    for (auto& name : req.TopicNames) {
        auto& out = resp.Responses.emplace_back();
        out.Name = name;
        error_code e = config::is_valid_topic_name(name) ? co_await ctx.b.delete_topic(name) : error_code::invalid_topic_exception;
        out.ErrorCode = to_wire(e);
    }
    co_return resp;
}

} // namespace brook::broker
