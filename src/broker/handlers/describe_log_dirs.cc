// DescribeLogDirs: Brook has one log directory, the data dir. Each partition's size is read on
// its owner shard; the offset lag is 0 (no future replica moves), v4 adds the file system's
// total and usable bytes. Partitions that do not exist are left out, as Kafka does; offline ones
// are left out too (they have no log to measure).
#include <filesystem>
#include <map>

#include "broker/fanout.h"
#include "broker/handlers/handlers.h"

namespace brook::broker {
namespace {

struct size_query {
    std::string topic;
    int32_t index = 0;
    error_code error = error_code::none;
    int64_t size = -1;
};

} // namespace

asio::awaitable<protocol::DescribeLogDirsResponse> handle_describe_log_dirs(request_context& ctx,
                                                                           protocol::DescribeLogDirsRequest& req) {
    std::vector<size_query> queries;
    auto snap = ctx.shard.topics;
    auto add = [&](const std::string& name, int32_t p) {
        if (ctx.shard.has_partition(name, p) && !ctx.b.offline().contains(name, p)) queries.push_back({name, p});
    };
    if (!req.Topics) {
        std::map<std::string, int32_t> sorted;
        for (const auto& [name, t] : *snap) sorted[name] = t->partitions;
        for (const auto& [name, n] : sorted)
            for (int32_t p = 0; p < n; ++p) add(name, p);
    } else {
        for (const auto& t : *req.Topics)
            for (int32_t p : t.Partitions) add(t.Topic, p);
    }
    auto split = split_by_owner(queries, ctx.b.shard_count());
    broker& b = ctx.b;
    co_await on_shards(b, split.targets, [&b, &split](unsigned s) -> asio::awaitable<void> {
        for (size_query* q : split.by_shard[s])
            if (auto part = b.shard(s).find(q->topic, q->index)) q->size = static_cast<int64_t>(part->log().size_bytes());
            else q->error = error_code::unknown_topic_or_partition;
        co_return;
    });

    protocol::DescribeLogDirsResponse resp;
    resp.ThrottleTimeMs = 0;
    resp.ErrorCode = 0;
    auto& dir = resp.Results.emplace_back();
    dir.ErrorCode = 0;
    std::error_code ec;
    auto abs = std::filesystem::absolute(b.config().data_dir, ec);
    dir.LogDir = ec ? b.config().data_dir : abs.lexically_normal().string();
    for (const auto& q : queries) {
        if (q.error != error_code::none) continue; // deleted meanwhile
        if (dir.Topics.empty() || dir.Topics.back().Name != q.topic) dir.Topics.emplace_back().Name = q.topic;
        auto& p = dir.Topics.back().Partitions.emplace_back();
        p.PartitionIndex = q.index;
        p.PartitionSize = q.size;
        p.OffsetLag = 0;
        p.IsFutureKey = false;
    }
    if (auto space = std::filesystem::space(b.config().data_dir, ec); !ec) {
        dir.TotalBytes = static_cast<int64_t>(space.capacity);
        dir.UsableBytes = static_cast<int64_t>(space.available);
    }
    co_return resp;
}

} // namespace brook::broker
