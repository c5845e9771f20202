// CreatePartitions on the controller (shard 0): validation with Kafka's errors and messages,
// then open -> store -> install -> publish, so no shard routes to a partition that is not open
// on its owner and a restart never finds a count whose partitions were not created.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <filesystem>

#include "base/log.h"
#include "broker/broker.h"

namespace brook::broker {

broker::create_outcome broker::check_add_partitions(const add_partitions_spec& spec) const {
    auto it = controller_topics_.find(spec.name);
    if (it == controller_topics_.end())
        return {error_code::unknown_topic_or_partition, "The topic '" + spec.name + "' does not exist.", nullptr};
    const auto& t = it->second;
    // The group and transaction coordinators map ids to partitions by their count.
    if (is_internal_topic(spec.name))
        return {error_code::invalid_request,
                "partitions cannot be added to internal topic '" + spec.name + "': its coordinator maps ids by partition count",
                nullptr};
    if (spec.count < t->partitions)
        return {error_code::invalid_partitions,
                fmt::format("Topic currently has {} partitions, which is higher than the requested {}.", t->partitions,
                            spec.count),
                nullptr};
    if (spec.count == t->partitions)
        return {error_code::invalid_partitions, fmt::format("Topic already has {} partitions.", t->partitions), nullptr};
    if (spec.count > 100000)
        return {error_code::invalid_partitions, "number of partitions must be in [1, 100000]", nullptr};
    const int64_t added = spec.count - t->partitions;
    if (added > cfg_.create_topics_max_partitions)
        return {error_code::invalid_partitions,
                fmt::format("this request adds {} partitions; create.topics.max.partitions is {}", added,
                            cfg_.create_topics_max_partitions),
                nullptr};
    int64_t held = 0;
    for (const auto& [_, other] : controller_topics_) held += other->partitions;
    if (held + added > cfg_.max_broker_partitions)
        return {error_code::policy_violation,
                fmt::format("adding {} partitions to topic '{}' would bring this broker to {} partitions; "
                            "max.broker.partitions is {}",
                            added, spec.name, held + added, cfg_.max_broker_partitions),
                nullptr};
    auto grown = std::make_shared<topic_info>(*t);
    grown->partitions = spec.count;
    return {error_code::none, {}, grown};
}

asio::awaitable<broker::create_outcome> broker::add_partitions(add_partitions_spec spec) {
    // A named local, not a temporary: see create_topic (GCC 12 and lambda captures in co_await).
    auto on_controller = [this, spec = std::move(spec)]() -> asio::awaitable<create_outcome> {
        auto held = co_await controller_lock_->lock();
        auto out = check_add_partitions(spec);
        if (out.error != error_code::none || spec.validate_only) co_return out;
        std::shared_ptr<const topic_info> grown = out.topic;
        const int32_t old_count = controller_topics_.at(spec.name)->partitions;

        auto jobs = open_jobs(*grown);
        jobs.erase(jobs.begin(), jobs.begin() + old_count);
        auto open_all = [&jobs]() -> asio::awaitable<std::vector<result<std::unique_ptr<storage::partition_log>>>> {
            co_return open_logs(jobs);
        };
        auto opened = co_await asio::co_spawn(topic_work_, std::move(open_all), asio::use_awaitable);
        // Undo: the new directories go (off shard 0) once the logs that did open are closed.
        auto abandon = [&](std::string why) {
            opened.clear();
            std::vector<std::filesystem::path> dirs;
            for (const auto& j : jobs) dirs.push_back(j.dir);
            asio::post(topic_work_, [dirs] {
                for (const auto& d : dirs) {
                    std::error_code ec;
                    std::filesystem::remove_all(d, ec);
                    if (ec) spdlog::warn("cannot remove {}: {}", d.string(), ec.message());
                }
            });
            spdlog::error("adding partitions to topic {} failed: {}; nothing changed", spec.name, why);
            return create_outcome{error_code::kafka_storage_error,
                                  fmt::format("{}; topic '{}' keeps its {} partitions", why, spec.name, old_count), nullptr};
        };
        for (size_t i = 0; i < jobs.size(); ++i)
            if (!opened[i])
                co_return abandon(fmt::format("partition {} could not be created ({})", jobs[i].partition,
                                              open_failure_cause(jobs[i], opened[i].error())));
        if (!store_->save({grown->name, grown->topic_id, grown->partitions, grown->configs}))
            co_return abandon("cannot persist topic metadata");

        std::vector<std::vector<std::shared_ptr<partition>>> by_shard(shards_.size());
        for (size_t i = 0; i < jobs.size(); ++i)
            by_shard[owner_shard(grown->name, jobs[i].partition, shards_.size())].push_back(
                std::make_shared<partition>(grown->name, jobs[i].partition, std::move(opened[i]).value()));
        for (unsigned s = 0; s < shards_.size(); ++s) {
            auto install = [this, s, grown, mine = std::move(by_shard[s])]() -> asio::awaitable<void> {
                auto& parts = states_[s]->partitions[grown->name];
                parts.resize(static_cast<size_t>(grown->partitions)); // the existing ones stay
                for (const auto& p : mine) parts[static_cast<size_t>(p->index())] = p;
                co_return;
            };
            co_await net::run_on(shards_.context(s), std::move(install));
        }
        controller_topics_[grown->name] = grown;
        auto snap = std::make_shared<const topic_map>(controller_topics_);
        for (unsigned s = 0; s < shards_.size(); ++s) {
            auto publish = [this, s, snap]() -> asio::awaitable<void> {
                states_[s]->topics = snap;
                co_return;
            };
            co_await net::run_on(shards_.context(s), std::move(publish));
        }
        spdlog::info("topic {}: partitions {} -> {}", grown->name, old_count, grown->partitions);
        co_return out;
    };
    auto out = co_await net::run_on(shards_.context(0), std::move(on_controller));
    co_return out;
}

} // namespace brook::broker
