#include "broker/coordinator_env.h"

#include "broker/broker.h"

namespace brook::broker {

coord::environment partition_environment(broker& b, unsigned shard, std::string topic) {
    auto part = [&b, shard, topic = std::move(topic)] { return b.shard(shard).find(topic, 0); };
    coord::environment env;
    env.log = [part]() -> storage::partition_log* {
        auto p = part();
        return p ? &p->log() : nullptr;
    };
    // Readers see an append once it is synced: the flusher's round wakes them.
    env.notify_appended = [&b, shard, part] {
        if (auto p = part()) b.shard(shard).flush->request_sync(p);
    };
    env.wait_durable = [&b, shard, part](offset upto) -> asio::awaitable<void> {
        co_await b.shard(shard).flush->wait_durable(part(), upto);
    };
    return env; // env.now: the runtime's default wall clock
}

} // namespace brook::broker
