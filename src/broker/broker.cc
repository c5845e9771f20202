#include "broker/broker.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <thread>
#include <fstream>
#include <random>
#include <sstream>

#include "base/clock.h"
#include "base/log.h"
#include "base/logger.h"
#include "records/recompress.h"
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

// close() on each log, side by side on helper threads (shutdown: each close syncs, writes a
// producer snapshot and partition.meta). The logs must be owned by no running shard.
void close_all_logs(const std::vector<storage::partition_log*>& logs, unsigned threads = 16) {
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t i = next.fetch_add(1); i < logs.size(); i = next.fetch_add(1)) logs[i]->close();
    };
    const unsigned n = static_cast<unsigned>(std::clamp<size_t>(logs.size(), 1, std::max(threads, 1u)));
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < n; ++t) pool.emplace_back(worker);
    worker();
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
    for (unsigned i = 0; i < shards_.size(); ++i) {
        states_.push_back(std::make_unique<shard_state>(i, shards_.context(i), commit_delay,
                                                        std::chrono::milliseconds(cfg_.log_flush_interval_ms)));
        states_.back()->files = std::make_shared<storage::fd_cache>(static_cast<size_t>(cfg_.log_fd_cache_size));
    }
    controller_lock_ = std::make_unique<controller_lock>(shards_.context(0));
}

broker::~broker() = default;

storage::log_config broker::resolve_log_config(const std::map<std::string, std::string>& t) const {
    const config::broker_config& eff = dynamic_->effective; // static config with dynamic entries over it
    storage::log_config c;
    c.segment_bytes = config_i64(t, "segment.bytes", eff.log_segment_bytes);
    c.segment_ms = config_i64(t, "segment.ms", eff.log_roll_ms);
    c.retention_ms = config_i64(t, "retention.ms", eff.log_retention_ms);
    c.retention_bytes = config_i64(t, "retention.bytes", eff.log_retention_bytes);
    c.index_interval_bytes = static_cast<int32_t>(config_i64(t, "index.interval.bytes", eff.log_index_interval_bytes));
    c.max_message_bytes = static_cast<int32_t>(config_i64(t, "max.message.bytes", eff.message_max_bytes));
    auto ts = t.find("message.timestamp.type");
    c.log_append_time = (ts != t.end() ? ts->second : eff.log_message_timestamp_type) == "LogAppendTime";
    if (auto it = t.find("compression.type"); it != t.end()) c.compression = records::topic_compression(it->second);
    constexpr int64_t unbounded = std::numeric_limits<int64_t>::max();
    const int64_t difference = config_i64(t, "message.timestamp.difference.max.ms", unbounded);
    const int64_t before = config_i64(t, "message.timestamp.before.max.ms", unbounded);
    const int64_t after = config_i64(t, "message.timestamp.after.max.ms", unbounded);
    c.timestamp_before_max_ms = before != unbounded ? before : difference;
    c.timestamp_after_max_ms = after != unbounded ? after : difference;
    if (auto it = t.find("cleanup.policy"); it != t.end()) {
        if (auto p = config::parse_cleanup_policy(it->second)) {
            c.cleanup_delete = p->del;
            c.cleanup_compact = p->compact;
        }
    }
    c.delete_retention_ms = config_i64(t, "delete.retention.ms", eff.log_cleaner_delete_retention_ms);
    c.min_compaction_lag_ms = config_i64(t, "min.compaction.lag.ms", eff.log_cleaner_min_compaction_lag_ms);
    c.max_compaction_lag_ms = config_i64(t, "max.compaction.lag.ms", eff.log_cleaner_max_compaction_lag_ms);
    if (auto it = t.find("min.cleanable.dirty.ratio"); it != t.end())
        c.min_cleanable_dirty_ratio = config::parse_ratio(it->second).value_or(c.min_cleanable_dirty_ratio);
    // Kafka rolls a compacted log's active segment by max.compaction.lag.ms too: the active
    // segment is never cleaned, so its records could otherwise stay dirty past the lag.
    if (c.cleanup_compact) c.segment_ms = std::min(c.segment_ms, c.max_compaction_lag_ms);
    return c;
}

void broker::resolve_topic(topic_info& t) const {
    t.log = resolve_log_config(t.configs);
    auto enabled = t.configs.find("brook.produce.enabled");
    t.produce_enabled = enabled == t.configs.end() || enabled->second != "false";
    t.min_insync_replicas = static_cast<int32_t>(config_i64(t.configs, "min.insync.replicas", 1));
}

void broker::load() {
    std::filesystem::path data(cfg_.data_dir);
    // Durable before anything is served: a cluster id that changed across a power cut would
    // make every client treat this as another cluster.
    auto id = storage::load_or_create_cluster_id(data, new_cluster_id());
    if (!id) throw std::runtime_error("cannot read or store the cluster id in " + (data / "_meta").string());
    cluster_id_ = std::move(*id);
    store_ = std::make_unique<storage::topic_store>(data);
    dynamic_store_ = std::make_unique<storage::dynamic_config_store>(data);
    auto stored = dynamic_store_->load();
    if (!stored) throw std::runtime_error("cannot load dynamic broker configs from " + dynamic_store_->path().string());
    dynamic_ = std::make_shared<const dynamic_config>(build_dynamic_config(cfg_, std::move(*stored)));
    pids_ = std::make_unique<txn::producer_id_allocator>(data / "_meta");
    load_client_quotas(data);

    auto loaded = store_->load();
    if (!loaded) throw std::runtime_error("cannot load topic metadata from " + (data / "_meta").string());
    for (auto& m : *loaded) {
        auto t = std::make_shared<topic_info>();
        t->name = m.name;
        t->topic_id = m.topic_id;
        t->partitions = m.partitions;
        t->configs = m.configs;
        resolve_topic(*t);
        controller_topics_[t->name] = t;
    }
    // Group offsets and transaction state live in internal topics, compacted by the log cleaner
    // as Kafka's are (cleanup.policy=compact: retention never deletes them; their coordinators
    // write a tombstone per key they remove). A data directory from a Brook before #15 has them
    // with retention.ms=-1 only (the coordinators compacted by snapshot then): the missing keys
    // are added and persisted once; its snapshot records are ordinary keyed records to the
    // cleaner and to replay.
    for (const char* internal : {consumer_offsets_topic, transaction_state_topic}) {
        const int64_t segment_bytes = internal == std::string_view(consumer_offsets_topic)
                                          ? cfg_.offsets_topic_segment_bytes
                                          : cfg_.transaction_state_log_segment_bytes;
        const std::map<std::string, std::string> wanted{{"cleanup.policy", "compact"},
                                                        {"segment.bytes", std::to_string(segment_bytes)}};
        auto it = controller_topics_.find(internal);
        if (it == controller_topics_.end()) {
            auto out = create_on_controller({internal, 1, wanted, false});
            if (out.error != error_code::none)
                throw std::runtime_error("cannot create " + std::string(internal) + ": " + out.message);
            continue;
        }
        if (it->second->configs.contains("cleanup.policy")) continue;
        auto t = std::make_shared<topic_info>(*it->second);
        for (const auto& [k, v] : wanted) t->configs.try_emplace(k, v);
        resolve_topic(*t);
        if (!store_->save({t->name, t->topic_id, t->partitions, t->configs}))
            throw std::runtime_error("cannot persist the configs of " + std::string(internal));
        spdlog::info("{}: now cleanup.policy=compact (segment.bytes {}), cleaned by the log cleaner", internal,
                     t->configs.at("segment.bytes"));
        it->second = std::move(t);
    }
    // Directories a delete retired but a crash kept from removing.
    storage::topic_store::remove_retired(store_->find_retired());
    auto snap = std::make_shared<const topic_map>(controller_topics_);
    // Shards are not running yet: recover every partition on helper threads, side by side,
    // then hand each to its owner shard's state. A partition that cannot be opened is
    // offline (one log line), not the end of the broker; the internal topics are.
    std::vector<open_job> jobs;
    for (auto& [name, t] : *snap) {
        for (auto& st : states_) st->partitions[name].resize(static_cast<size_t>(t->partitions));
        auto more = open_jobs(*t);
        std::move(more.begin(), more.end(), std::back_inserter(jobs));
    }
    auto opened = open_logs(jobs);
    for (size_t i = 0; i < jobs.size(); ++i) {
        const auto& j = jobs[i];
        if (!opened[i]) {
            if (is_internal_topic(j.topic))
                throw std::runtime_error("cannot open partition " + j.topic + "/" + std::to_string(j.partition) + ": " +
                                         std::string(error_name(opened[i].error())));
            offline_.mark(j.topic, j.partition, open_failure_cause(j, opened[i].error()));
            continue;
        }
        auto& st = *states_[owner_shard(j.topic, j.partition, shards_.size())];
        st.partitions[j.topic][static_cast<size_t>(j.partition)] =
            std::make_shared<partition>(j.topic, j.partition, std::move(opened[i]).value());
    }
    for (auto& st : states_) {
        st->topics = snap;
        st->dynamic = dynamic_;
    }
    groups_ = std::make_unique<group_service>(*this);
    groups_->load();
    txns_ = std::make_unique<txn_service>(*this);
    txns_->load();
    spdlog::info("loaded {} topics from {}", controller_topics_.size(), data.string());
}

std::vector<open_job> broker::open_jobs(const topic_info& t) const {
    std::vector<open_job> jobs;
    jobs.reserve(static_cast<size_t>(t.partitions));
    for (int32_t p = 0; p < t.partitions; ++p) {
        storage::partition_log::open_options opts;
        opts.files = states_[owner_shard(t.name, p, shards_.size())]->files;
        opts.topic_id = t.topic_id;
        jobs.push_back({t.name, p, std::filesystem::path(cfg_.data_dir) / t.name / std::to_string(p), t.log, std::move(opts), {}});
    }
    return jobs;
}

std::shared_ptr<const topic_info> broker::topic_by_id(unsigned shard, const std::array<uint8_t, 16>& id) const {
    for (const auto& [name, t] : *states_[shard]->topics)
        if (t->topic_id == id) return t;
    return nullptr;
}

void broker::close_logs() {
    warmer_.stop();
    // A pass in flight is cancelled; its `.cleaned` output is discarded at the next open.
    if (cleaner_) cleaner_->stop();
    // The shards have stopped: their partitions are closed side by side on helper threads
    // (thousands of partitions, each a few syncs).
    std::vector<storage::partition_log*> logs;
    for (auto& st : states_) {
        st->flush->stop(); // no fdatasync may still be running on a helper thread
        for (auto& [name, parts] : st->partitions)
            for (auto& p : parts)
                if (p) logs.push_back(&p->log());
    }
    close_all_logs(logs);
    for (auto& st : states_) st->partitions.clear();
    topic_work_.join();
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
            for (size_t i = 0; i < parts.size(); ++i)
                if (auto& p = parts[i]) {
                    // A run-time I/O error (partition_log::out_of_service) joins the partitions
                    // that failed to open, so that metadata, the admin API and /metrics show it.
                    if (p->log().out_of_service() && !offline_.contains(name, int32_t(i)))
                        offline_.mark(name, int32_t(i), "I/O error at run time; out of service until restart");
                    if (p->log().maybe_roll(now)) states_[s]->flush->request_sync(p); // the roll's syncs
                    p->log().apply_retention(now);
                    // Idle producers are forgotten (Kafka checks every 10 min; here with retention).
                    p->log().expire_producers(now, cfg_.producer_id_expiration_ms);
                }
    }
}

asio::awaitable<void> broker::cleaner_loop(unsigned s) {
    asio::steady_timer timer(shards_.context(s));
    for (;;) {
        timer.expires_after(std::chrono::milliseconds(cfg_.log_cleaner_backoff_ms));
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        if (ec) co_return;
        for (auto& [name, parts] : states_[s]->partitions)
            for (auto& p : parts)
                if (p && p->log().config().cleanup_compact) submit_clean(s, p);
    }
}

void broker::submit_clean(unsigned s, const std::shared_ptr<partition>& p) {
    auto plan = p->log().plan_clean(wall_clock_now());
    if (!plan) return;
    std::weak_ptr<partition> weak = p;
    // The pass runs on a cleaner thread; its result comes back to the owner shard, which alone
    // may touch the partition's segments.
    cleaner_->submit(std::move(*plan), [this, s, weak](result<storage::clean_result> r) {
        asio::post(shards_.context(s), [this, s, weak, r = std::move(r)]() {
            auto part = weak.lock();
            if (!part) return; // deleted meanwhile: its directory went with it
            auto& log = part->log();
            if (!r) {
                log.abandon_clean();
                return;
            }
            auto retired = log.install_clean(*r);
            if (retired) cleaner_->dispose(std::move(*retired));
            // More dirt than one map held: the next pass starts now, not after the backoff.
            if (retired && r->cleaned_upto < log.active().base_offset()) submit_clean(s, part);
        });
    });
}

void broker::start_housekeeping() {
    for (unsigned s = 0; s < shards_.size(); ++s) asio::co_spawn(shards_.context(s), housekeeping(s), asio::detached);
    if (cfg_.log_cleaner_enable) {
        cleaner_ = std::make_unique<storage::log_cleaner>(storage::log_cleaner::options{
            static_cast<unsigned>(cfg_.log_cleaner_threads), static_cast<size_t>(cfg_.log_cleaner_dedupe_buffer_size), 0.9,
            cfg_.log_cleaner_io_max_bytes_per_second == INT64_MAX ? 0 : cfg_.log_cleaner_io_max_bytes_per_second});
        for (unsigned s = 0; s < shards_.size(); ++s)
            asio::co_spawn(shards_.context(s), cleaner_loop(s), asio::detached);
    }
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
    if (!is_internal_topic(spec.name)) {
        int64_t held = 0;
        for (const auto& [_, t] : controller_topics_) held += t->partitions;
        if (held + partitions > cfg_.max_broker_partitions)
            return {error_code::policy_violation,
                    fmt::format("topic '{}' with {} partitions would bring this broker to {} partitions; "
                                "max.broker.partitions is {}",
                                spec.name, partitions, held + partitions, cfg_.max_broker_partitions),
                    nullptr};
    }
    for (auto& [k, v] : spec.configs)
        if (auto err = config::validate_topic_config(k, v)) return {error_code::invalid_config, *err, nullptr};
    auto t = std::make_shared<topic_info>();
    t->name = spec.name;
    t->topic_id = random_uuid();
    t->partitions = partitions;
    t->configs = spec.configs;
    resolve_topic(*t);
    if (spec.validate_only) return {error_code::none, {}, t};
    // Directories of an earlier topic of this name whose delete a crash cut short: never the
    // new topic's (they would be refused for their topic id anyway).
    if (!store_->retire_leftovers(t->name, nullptr))
        return {error_code::kafka_storage_error, "cannot retire leftover directories of an earlier topic '" + t->name + "'", nullptr};
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
        auto t = out.topic;
        // Two phases: every partition is opened before any shard can see the topic, so a
        // request routed by the new snapshot always finds its partition on the owner. The
        // opening runs on helper threads (thousands of partitions take seconds of syncs) while
        // the shards keep serving.
        auto jobs = open_jobs(*t);
        auto open_all = [&jobs]() -> asio::awaitable<std::vector<result<std::unique_ptr<storage::partition_log>>>> {
            co_return open_logs(jobs);
        };
        auto opened = co_await asio::co_spawn(topic_work_, std::move(open_all), use_awaitable);
        for (size_t i = 0; i < jobs.size(); ++i) {
            if (opened[i]) continue;
            auto cause = open_failure_cause(jobs[i], opened[i].error());
            opened.clear(); // closes the partitions that did open, before their directories go
            roll_back_create(*t);
            spdlog::error("creating topic {} failed: partition {}: {}; rolled back", t->name, jobs[i].partition, cause);
            co_return create_outcome{error_code::kafka_storage_error,
                                     fmt::format("partition {} could not be created ({}); topic '{}' was not created",
                                                 jobs[i].partition, cause, t->name),
                                     nullptr};
        }
        std::vector<std::vector<std::shared_ptr<partition>>> by_shard(shards_.size());
        for (size_t i = 0; i < jobs.size(); ++i)
            by_shard[owner_shard(t->name, jobs[i].partition, shards_.size())].push_back(
                std::make_shared<partition>(t->name, jobs[i].partition, std::move(opened[i]).value()));
        for (unsigned s = 0; s < shards_.size(); ++s) {
            auto install = [this, s, t, mine = std::move(by_shard[s])]() -> asio::awaitable<void> {
                auto& parts = states_[s]->partitions[t->name];
                parts.assign(static_cast<size_t>(t->partitions), nullptr);
                for (const auto& p : mine) parts[static_cast<size_t>(p->index())] = p;
                co_return;
            };
            co_await net::run_on(shards_.context(s), std::move(install));
        }
        auto snap = std::make_shared<const topic_map>(controller_topics_);
        for (unsigned s = 0; s < shards_.size(); ++s) {
            auto publish = [this, s, snap]() -> asio::awaitable<void> {
                states_[s]->topics = snap;
                co_return;
            };
            co_await net::run_on(shards_.context(s), std::move(publish));
        }
        log::broker.info({{"topic", t->name}, {"partitions", t->partitions}}, "created topic {} with {} partitions", t->name, t->partitions);
        co_return out;
    };
    auto out = co_await net::run_on(shards_.context(0), std::move(on_controller));
    co_return out;
}

void broker::roll_back_create(const topic_info& t) {
    controller_topics_.erase(t.name);
    offline_.forget_topic(t.name);
    // Metadata first (durably), then the directories, retired before the client hears back and
    // removed off shard 0: a crash in between leaves directories without a topic, which a
    // later create of the name retires.
    std::vector<std::filesystem::path> retired;
    if (!store_->remove(t.name, t.topic_id, &retired))
        spdlog::error("rolling back topic {}: its metadata or directories could not all be removed", t.name);
    if (!retired.empty()) asio::post(topic_work_, [retired] { storage::topic_store::remove_retired(retired); });
}

asio::awaitable<error_code> broker::delete_topic(std::string name) {
    if (is_internal_topic(name)) co_return error_code::invalid_topic_exception; // never deleted
    auto on_controller = [this, name]() -> asio::awaitable<error_code> {
        auto held = co_await controller_lock_->lock();
        auto found = controller_topics_.find(name);
        if (found == controller_topics_.end()) co_return error_code::unknown_topic_or_partition;
        const auto id = found->second->topic_id;
        controller_topics_.erase(found);
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
        // The metadata and the partition directories' old names are gone durably before the
        // answer; the renamed directories are removed afterwards, off the shards.
        std::vector<std::filesystem::path> retired;
        bool removed = store_->remove(name, id, &retired);
        offline_.forget_topic(name);
        if (!retired.empty()) asio::post(topic_work_, [retired] { storage::topic_store::remove_retired(retired); });
        if (!removed) co_return error_code::kafka_storage_error;
        log::broker.info({{"topic", name}}, "deleted topic {}", name);
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
