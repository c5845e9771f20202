// The controller side of AlterConfigs / IncrementalAlterConfigs: read-modify-write of a topic's
// configs or of the broker's dynamic entries under the controller lock, validation of the
// result as a whole, persistence, then the live change on every shard.
#include "base/log.h"
#include "broker/broker.h"

namespace brook::broker {
namespace {

// Whole-set checks of the entries a resource would have after an edit.
broker::config_outcome check_topic_entries(const std::map<std::string, std::string>& entries) {
    for (const auto& [k, v] : entries)
        if (auto err = config::validate_topic_config(k, v)) return {error_code::invalid_config, *err};
    return {};
}

broker::config_outcome check_broker_entries(const std::map<std::string, std::string>& entries) {
    for (const auto& [k, v] : entries)
        if (auto bad = check_dynamic_entry(k, v)) return {bad->error, bad->message};
    return {};
}

} // namespace

asio::awaitable<broker::config_outcome> broker::alter_topic_configs(std::string topic, config_edit edit, bool validate_only) {
    auto on_controller = [this, topic = std::move(topic), edit = std::move(edit),
                          validate_only]() -> asio::awaitable<config_outcome> {
        auto held = co_await controller_lock_->lock();
        auto it = controller_topics_.find(topic);
        if (it == controller_topics_.end())
            co_return config_outcome{error_code::unknown_topic_or_partition, "topic '" + topic + "' does not exist"};
        if (is_internal_topic(topic))
            co_return config_outcome{error_code::invalid_request,
                                     "topic '" + topic + "' is internal: Brook manages its configs (cleanup.policy=compact, cleaned by the log cleaner)"};
        auto configs = it->second->configs;
        auto checked = edit(configs, dynamic_->effective);
        if (checked.error == error_code::none) checked = check_topic_entries(configs);
        if (checked.error != error_code::none) co_return checked;
        if (validate_only) co_return config_outcome{};
        auto t = std::make_shared<topic_info>(*it->second);
        t->configs = std::move(configs);
        resolve_topic(*t);
        if (!store_->save({t->name, t->topic_id, t->partitions, t->configs}))
            co_return config_outcome{error_code::kafka_storage_error, "cannot persist the configs of topic '" + topic + "'"};
        controller_topics_[topic] = t;
        auto snap = std::make_shared<const topic_map>(controller_topics_);
        std::vector<std::shared_ptr<const topic_info>> changed(1, t); // no braced list: GCC 12 coroutine bug
        co_await publish_configs(std::move(snap), std::move(changed), nullptr);
        spdlog::info("topic {}: configs now {}", topic, t->configs.size());
        co_return config_outcome{};
    };
    auto out = co_await net::run_on(shards_.context(0), std::move(on_controller));
    co_return out;
}

asio::awaitable<broker::config_outcome> broker::alter_broker_configs(bool cluster_default, config_edit edit, bool validate_only) {
    auto on_controller = [this, cluster_default, edit = std::move(edit), validate_only]() -> asio::awaitable<config_outcome> {
        auto held = co_await controller_lock_->lock();
        auto stored = dynamic_->stored;
        auto& entries = cluster_default ? stored.cluster_default : stored.broker;
        auto checked = edit(entries, dynamic_->effective);
        if (checked.error == error_code::none) checked = check_broker_entries(entries);
        if (checked.error != error_code::none) co_return checked;
        if (validate_only) co_return config_outcome{};
        if (!dynamic_store_->save(stored))
            co_return config_outcome{error_code::kafka_storage_error, "cannot persist dynamic broker configs"};
        dynamic_ = std::make_shared<const dynamic_config>(build_dynamic_config(cfg_, std::move(stored)));
        // Topics that do not override a changed default follow it: every topic is re-resolved.
        std::vector<std::shared_ptr<const topic_info>> changed;
        for (auto& entry : controller_topics_) {
            auto t = std::make_shared<topic_info>(*entry.second);
            resolve_topic(*t);
            entry.second = t;
            changed.push_back(std::move(t));
        }
        auto snap = std::make_shared<const topic_map>(controller_topics_);
        co_await publish_configs(std::move(snap), std::move(changed), dynamic_);
        spdlog::info("dynamic broker configs changed ({} entries for this broker, {} cluster defaults)",
                     dynamic_->stored.broker.size(), dynamic_->stored.cluster_default.size());
        co_return config_outcome{};
    };
    auto out = co_await net::run_on(shards_.context(0), std::move(on_controller));
    co_return out;
}

asio::awaitable<void> broker::publish_configs(topic_snapshot snap, std::vector<std::shared_ptr<const topic_info>> changed,
                                              std::shared_ptr<const dynamic_config> dyn) {
    for (unsigned s = 0; s < shards_.size(); ++s) {
        auto apply = [this, s, snap, &changed, dyn]() -> asio::awaitable<void> {
            auto& st = *states_[s];
            st.topics = snap;
            if (dyn) st.dynamic = dyn;
            for (const auto& t : changed) {
                auto it = st.partitions.find(t->name);
                if (it == st.partitions.end()) continue;
                for (auto& p : it->second)
                    if (p) p->log().set_config(t->log);
            }
            co_return;
        };
        co_await net::run_on(shards_.context(s), std::move(apply));
    }
}

} // namespace brook::broker
