#pragma once
// Cross-shard fan-out: run one coroutine per target shard concurrently and resume the
// caller, on its own shard, when all have finished. This is how a request that touches
// partitions owned by several shards is split and joined.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <memory>
#include <vector>

#include "broker/broker.h"

namespace brook::broker {

// Work items (with `topic`, `index` and `error` members) grouped by the shard that owns each
// item's partition; items that already carry an error stay behind.
template <class T>
struct owner_split {
    std::vector<std::vector<T*>> by_shard;
    std::vector<unsigned> targets; // shards with at least one item
};

template <class T>
owner_split<T> split_by_owner(std::vector<T>& items, unsigned shards) {
    owner_split<T> out;
    out.by_shard.resize(shards);
    for (auto& item : items)
        if (item.error == error_code::none) out.by_shard[owner_shard(item.topic, item.index, shards)].push_back(&item);
    for (unsigned s = 0; s < shards; ++s)
        if (!out.by_shard[s].empty()) out.targets.push_back(s);
    return out;
}

// `fn(shard)` must return asio::awaitable<void>; it runs on that shard's thread.
template <class Fn>
asio::awaitable<void> on_shards(broker& b, const std::vector<unsigned>& shards, Fn fn) {
    if (shards.empty()) co_return;
    auto ex = co_await asio::this_coro::executor;
    struct join_state {
        explicit join_state(asio::any_io_executor e, size_t n) : remaining(n), done(e) {}
        size_t remaining;
        asio::steady_timer done;
        std::exception_ptr error;
    };
    auto st = std::make_shared<join_state>(ex, shards.size());
    st->done.expires_at(asio::steady_timer::time_point::max());
    for (unsigned s : shards) {
        asio::co_spawn(b.context(s), fn(s), [st, ex](std::exception_ptr e) {
            asio::post(ex, [st, e] {
                if (e) st->error = e;
                if (--st->remaining == 0) st->done.cancel();
            });
        });
    }
    boost::system::error_code ec;
    // Completions are posted to this shard, so none can run before this wait begins.
    co_await st->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (st->error) std::rethrow_exception(st->error);
}

// UNKNOWN_TOPIC_OR_PARTITION for each item whose partition this broker does not have,
// KAFKA_STORAGE_ERROR for one it has offline (items that already carry an error keep it).
template <class T>
void check_partitions_served(broker& b, const shard_state& home, std::vector<T>& items) {
    for (auto& item : items) {
        if (item.error != error_code::none) continue;
        if (!home.has_partition(item.topic, item.index)) item.error = error_code::unknown_topic_or_partition;
        else if (b.offline().contains(item.topic, item.index)) item.error = error_code::kafka_storage_error;
    }
}

// A per-partition request's work: `fn(partition&, T&)` runs on the owning shard's thread for
// each item without an error; a partition gone since it was checked (deleted meanwhile) gets
// UNKNOWN_TOPIC_OR_PARTITION.
template <class T, class Fn>
asio::awaitable<void> on_partition_owners(broker& b, std::vector<T>& items, Fn fn) {
    auto split = split_by_owner(items, b.shard_count());
    co_await on_shards(b, split.targets, [&b, &split, &fn](unsigned s) -> asio::awaitable<void> {
        for (T* item : split.by_shard[s]) {
            auto part = b.shard(s).find(item->topic, item->index);
            if (!part) {
                item->error = error_code::unknown_topic_or_partition;
                continue;
            }
            fn(*part, *item);
        }
        co_return;
    });
}

} // namespace brook::broker
