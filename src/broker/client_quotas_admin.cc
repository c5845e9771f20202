// The controller side of the client quotas: loading the persisted set at start-up, and
// AlterClientQuotas (check, apply under the controller lock, persist, then in force).
#include "base/log.h"
#include "broker/broker.h"

namespace brook::broker {

void broker::load_client_quotas(const std::filesystem::path& data) {
    quotas_.configure(cfg_.quota_window_num, int64_t{cfg_.quota_window_size_seconds} * 1000);
    quota_store_ = std::make_unique<storage::client_quota_store>(data);
    auto loaded = quota_store_->load();
    if (!loaded) throw std::runtime_error("cannot load client quotas from " + quota_store_->path().string());
    std::vector<storage::client_quota_entry> kept;
    for (auto& e : *loaded) {
        std::vector<quota_op> ops;
        for (const auto& [k, v] : e.values) ops.push_back({k, v, false});
        if (auto bad = check_alter(e.entity, ops)) {
            spdlog::warn("client quotas: skipping the stored quota of {}: {}", describe_entity(e.entity), bad->message);
            continue;
        }
        kept.push_back(std::move(e));
    }
    if (!kept.empty()) spdlog::info("client quotas: {} entities with quotas", kept.size());
    quotas_.replace(std::move(kept));
}

asio::awaitable<std::vector<broker::config_outcome>> broker::alter_client_quotas(std::vector<quota_alteration> alterations,
                                                                                 bool validate_only) {
    auto on_controller = [this, alterations = std::move(alterations),
                          validate_only]() -> asio::awaitable<std::vector<config_outcome>> {
        auto held = co_await controller_lock_->lock();
        std::vector<config_outcome> out(alterations.size());
        auto entries = quotas_.entries();
        bool changed = false;
        for (size_t i = 0; i < alterations.size(); ++i) {
            const auto& a = alterations[i];
            if (a.refused) {
                out[i] = *a.refused;
                continue;
            }
            if (auto bad = check_alter(a.entity, a.ops)) {
                out[i] = {bad->error, bad->message};
                continue;
            }
            if (validate_only) continue;
            apply_alter(entries, a.entity, a.ops);
            changed = true;
        }
        if (!changed) co_return out;
        if (!quota_store_->save(entries)) {
            for (size_t i = 0; i < out.size(); ++i)
                if (out[i].error == error_code::none)
                    out[i] = {error_code::kafka_storage_error, "cannot persist the client quotas"};
            co_return out;
        }
        const size_t n = entries.size();
        quotas_.replace(std::move(entries)); // read by every shard on its connections' next request
        spdlog::info("client quotas changed: {} entities with quotas", n);
        co_return out;
    };
    auto out = co_await net::run_on(shards_.context(0), std::move(on_controller));
    co_return out;
}

} // namespace brook::broker
