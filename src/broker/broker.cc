#include "broker/broker.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>
#include <fstream>
#include <future>
#include <random>
#include <sstream>

#include "base/clock.h"
#include "base/log.h"
#include "storage/cluster_id.h"

namespace brook::broker {

using asio::use_awaitable;

namespace {

std::array<uint8_t, 16> random_uuid() {
    std::random_device rd;
    std::array<uint8_t, 16> u{};
    for (auto& b : u) b = static_cast<uint8_t>(rd());
    u[6] = (u[6] & 0x0f) | 0x40; // version 4
    u[8] = (u[8] & 0x3f) | 0x80;
    return u;
}

// Kafka's form: 22 characters of the URL-safe base64 alphabet.
std::string new_cluster_id() {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    auto u = random_uuid();
    std::string id;
    for (size_t i = 0; i < 22; ++i) id.push_back(alphabet[(u[i % 16] + i * 7) % 64]);
    return id;
}

int64_t config_i64(const std::map<std::string, std::string>& m, const char* key, int64_t fallback) {
    auto it = m.find(key);
    if (it == m.end()) return fallback;
    int64_t v = fallback;
    std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    return v;
}

} // namespace

broker::broker(config::broker_config cfg, net::shard_set& shards)
    : cfg_(std::move(cfg)), shards_(shards), disk_(cfg_.data_dir, cfg_.storage_min_free_bytes) {
    const std::chrono::microseconds commit_delay(cfg_.group_commit_delay_us);
    for (unsigned i = 0; i < shards_.size(); ++i)
        states_.push_back(std::make_unique<shard_state>(i, shards_.context(i), commit_delay));
    controller_lock_ = std::make_unique<controller_lock>(shards_.context(0));
}

broker::~broker() = default;

storage::log_config broker::resolve_log_config(const std::map<std::string, std::string>& t) const {
    storage::log_config c;
    c.segment_bytes = config_i64(t, "segment.bytes", cfg_.log_segment_bytes);
    c.segment_ms = config_i64(t, "segment.ms", cfg_.log_roll_ms);
    c.retention_ms = config_i64(t, "retention.ms", cfg_.log_retention_ms);
    c.retention_bytes = config_i64(t, "retention.bytes", cfg_.log_retention_bytes);
    c.index_interval_bytes = static_cast<int32_t>(config_i64(t, "index.interval.bytes", cfg_.log_index_interval_bytes));
    c.max_message_bytes = static_cast<int32_t>(config_i64(t, "max.message.bytes", cfg_.message_max_bytes));
    auto ts = t.find("message.timestamp.type");
    c.log_append_time = (ts != t.end() ? ts->second : cfg_.log_message_timestamp_type) == "LogAppendTime";
    return c;
}

void broker::load() {
    std::filesystem::path data(cfg_.data_dir);
    // Durable before anything is served: a cluster id that changed across a power cut would
    // make every client treat this as another cluster.
    auto id = storage::load_or_create_cluster_id(data, new_cluster_id());
    if (!id) throw std::runtime_error("cannot read or store the cluster id in " + (data / "_meta").string());
    cluster_id_ = std::move(*id);
    store_ = std::make_unique<storage::topic_store>(data);
    pids_ = std::make_unique<txn::producer_id_allocator>(data / "_meta");

    auto loaded = store_->load();
    if (!loaded) throw std::runtime_error("cannot load topic metadata from " + (data / "_meta").string());
    for (auto& m : *loaded) {
        auto t = std::make_shared<topic_info>();
        t->name = m.name;
        t->topic_id = m.topic_id;
        t->partitions = m.partitions;
        t->configs = m.configs;
        t->log = resolve_log_config(m.configs);
        controller_topics_[t->name] = t;
    }
    // Group offsets and transaction state live in internal topics; retention must never
    // delete them (their coordinators bound their size by snapshot compaction instead).
    for (const char* internal : {consumer_offsets_topic, transaction_state_topic}) {
        if (controller_topics_.contains(internal)) continue;
        auto out = create_on_controller({internal, 1, {{"retention.ms", "-1"}}, false});
        if (out.error != error_code::none)
            throw std::runtime_error("cannot create " + std::string(internal) + ": " + out.message);
    }
    auto snap = std::make_shared<const topic_map>(controller_topics_);
    // Shards are not running yet: recover each shard's partitions on a thread of its own,
    // in parallel, then hand the state over when the shards start.
    std::vector<std::future<void>> work;
    for (unsigned s = 0; s < shards_.size(); ++s) {
        work.push_back(std::async(std::launch::async, [this, s, snap] {
            states_[s]->topics = snap;
            for (auto& [name, t] : *snap) open_partitions(s, *t);
        }));
    }
    for (auto& w : work) w.get(); // rethrows a recovery failure
    groups_ = std::make_unique<group_service>(*this);
    groups_->load();
    txns_ = std::make_unique<txn_service>(*this);
    txns_->load();
    spdlog::info("loaded {} topics from {}", controller_topics_.size(), data.string());
}

void broker::open_partitions(unsigned s, const topic_info& t) {
    auto& parts = states_[s]->partitions[t.name];
    parts.resize(static_cast<size_t>(t.partitions));
    for (int32_t p = 0; p < t.partitions; ++p) {
        if (owner_shard(t.name, p, shards_.size()) != s) continue;
        auto dir = std::filesystem::path(cfg_.data_dir) / t.name / std::to_string(p);
        auto log = storage::partition_log::open(dir, t.log);
        if (!log)
            throw std::runtime_error("cannot open partition " + t.name + "/" + std::to_string(p) + ": " +
                                     std::string(error_name(log.error())));
        parts[static_cast<size_t>(p)] = std::make_shared<partition>(t.name, p, std::move(log).value());
    }
}

void broker::close_logs() {
    warmer_.stop();
    for (auto& st : states_) {
        st->flush->stop(); // no fdatasync may still be running on a helper thread
        for (auto& [name, parts] : st->partitions)
            for (auto& p : parts)
                if (p) p->log().close();
        st->partitions.clear();
    }
}

asio::awaitable<void> broker::housekeeping(unsigned s) {
    asio::steady_timer timer(shards_.context(s));
    for (;;) {
        timer.expires_after(std::chrono::milliseconds(cfg_.log_retention_check_interval_ms));
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        if (ec) co_return;
        const timestamp_ms now = wall_clock_now();
        for (auto& [name, parts] : states_[s]->partitions)
            for (auto& p : parts)
                if (p) {
                    p->log().maybe_roll(now);
                    p->log().apply_retention(now);
                    // Idle producers are forgotten (Kafka checks every 10 min; here with retention).
                    p->log().expire_producers(now, cfg_.producer_id_expiration_ms);
                }
    }
}

void broker::start_housekeeping() {
    for (unsigned s = 0; s < shards_.size(); ++s) asio::co_spawn(shards_.context(s), housekeeping(s), asio::detached);
    disk_.check();
    asio::co_spawn(shards_.context(0), disk_.run(std::chrono::milliseconds(cfg_.storage_free_space_check_interval_ms)),
                   asio::detached);
    groups_->start();
    txns_->start();
}

broker::create_outcome broker::create_on_controller(const create_spec& spec) {
    if (!config::is_valid_topic_name(spec.name))
        return {error_code::invalid_topic_exception, "topic name '" + spec.name + "' is not valid: use 1-249 of [a-zA-Z0-9._-]", nullptr};
    if (auto it = controller_topics_.find(spec.name); it != controller_topics_.end())
        return {error_code::topic_already_exists, "topic '" + spec.name + "' already exists", it->second};
    if (spec.name.find_first_of("._") != std::string::npos) {
        for (const auto& [other, _] : controller_topics_)
            if (config::topic_names_collide(spec.name, other))
                return {error_code::invalid_topic_exception,
                        "Topic '" + spec.name + "' collides with existing topic: " + other, nullptr};
    }
    int32_t partitions = spec.partitions == -1 ? cfg_.num_partitions : spec.partitions;
    if (partitions <= 0 || partitions > 100000)
        return {error_code::invalid_partitions, "number of partitions must be in [1, 100000]", nullptr};
    for (auto& [k, v] : spec.configs)
        if (auto err = config::validate_topic_config(k, v)) return {error_code::invalid_config, *err, nullptr};
    auto t = std::make_shared<topic_info>();
    t->name = spec.name;
    t->topic_id = random_uuid();
    t->partitions = partitions;
    t->configs = spec.configs;
    t->log = resolve_log_config(spec.configs);
    if (spec.validate_only) return {error_code::none, {}, t};
    if (!store_->save({t->name, t->topic_id, t->partitions, t->configs}))
        return {error_code::kafka_storage_error, "cannot persist topic metadata", nullptr};
    controller_topics_[t->name] = t;
    return {error_code::none, {}, t};
}

asio::awaitable<broker::create_outcome> broker::create_topic(create_spec spec) {
    // Lambdas handed to run_on are named locals: GCC 12 destroys the captures of a lambda
    // temporary inside a co_await expression twice.
    auto on_controller = [this, spec = std::move(spec)]() -> asio::awaitable<create_outcome> {
        // Held until every shard has the new snapshot: a concurrent create of the same name
        // then sees TOPIC_ALREADY_EXISTS only once the topic is usable everywhere.
        auto held = co_await controller_lock_->lock();
        auto out = create_on_controller(spec);
        if (out.error != error_code::none || spec.validate_only) co_return out;
        auto snap = std::make_shared<const topic_map>(controller_topics_);
        auto t = out.topic;
        // Two phases: every owner opens its partitions before any shard can see the topic, so
        // a request routed by the new snapshot always finds its partition on the owner.
        for (unsigned s = 0; s < shards_.size(); ++s) {
            auto open = [this, s, t]() -> asio::awaitable<void> {
                open_partitions(s, *t);
                co_return;
            };
            co_await net::run_on(shards_.context(s), std::move(open));
        }
        for (unsigned s = 0; s < shards_.size(); ++s) {
            auto publish = [this, s, snap]() -> asio::awaitable<void> {
                states_[s]->topics = snap;
                co_return;
            };
            co_await net::run_on(shards_.context(s), std::move(publish));
        }
        spdlog::info("created topic {} with {} partitions", t->name, t->partitions);
        co_return out;
    };
    auto out = co_await net::run_on(shards_.context(0), std::move(on_controller));
    co_return out;
}

asio::awaitable<error_code> broker::delete_topic(std::string name) {
    if (is_internal_topic(name)) co_return error_code::invalid_topic_exception; // never deleted
    auto on_controller = [this, name]() -> asio::awaitable<error_code> {
        auto held = co_await controller_lock_->lock();
        if (!controller_topics_.contains(name)) co_return error_code::unknown_topic_or_partition;
        controller_topics_.erase(name);
        auto snap = std::make_shared<const topic_map>(controller_topics_);
        for (unsigned s = 0; s < shards_.size(); ++s) {
            auto apply = [this, s, name, snap]() -> asio::awaitable<void> {
                states_[s]->topics = snap;
                auto it = states_[s]->partitions.find(name);
                if (it != states_[s]->partitions.end()) {
                    // A fetch or flush still holding a partition keeps its files open until it
                    // finishes; the directory is removed below.
                    for (auto& p : it->second)
                        if (p) p->notify_appended();
                    states_[s]->partitions.erase(it);
                }
                co_return;
            };
            co_await net::run_on(shards_.context(s), std::move(apply));
        }
        if (!store_->remove(name)) co_return error_code::kafka_storage_error;
        spdlog::info("deleted topic {}", name);
        // Still under the controller lock, so a re-create of the name cannot come first: its
        // consumers must not start from the old topic's committed offsets (Kafka removes them).
        // The topic is gone either way; a failure is logged by the group service.
        (void)co_await groups_->delete_topic_offsets(name);
        co_return error_code::none;
    };
    auto out = co_await net::run_on(shards_.context(0), std::move(on_controller));
    co_return out;
}

asio::awaitable<result<producer_id>> broker::allocate_producer_id() {
    auto on_controller = [this]() -> asio::awaitable<result<producer_id>> { co_return pids_->next(); };
    auto out = co_await net::run_on(shards_.context(0), std::move(on_controller));
    co_return out;
}

} // namespace brook::broker
