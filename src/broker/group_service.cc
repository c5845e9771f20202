#include "broker/group_service.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <stdexcept>

#include "base/clock.h"
#include "base/log.h"
#include "base/logger.h"
#include "group/storm_reasons.h"
#include "broker/broker.h"
#include "broker/coordinator_env.h"
#include "net/shard_set.h"

namespace brook::broker {

struct parked_slot {
    explicit parked_slot(asio::any_io_executor ex) : wake(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer wake;
    std::optional<group_service::parked_response> response;
    error_code failed = error_code::none; // the append error that made the coordinator forget it
};

group_service::group_service(broker& b) : b_(b) {}
group_service::~group_service() = default;

unsigned group_service::shard() const { return owner_shard(consumer_offsets_topic, 0, b_.shard_count()); }

std::shared_ptr<partition> group_service::log_partition() { return b_.shard(shard()).find(consumer_offsets_topic, 0); }

std::unique_ptr<group::group_coordinator> group_service::make_coordinator() {
    const auto& c = b_.config();
    group::group_config cfg;
    cfg.initial_rebalance_delay_ms = c.group_initial_rebalance_delay_ms;
    cfg.min_session_timeout_ms = c.group_min_session_timeout_ms;
    cfg.max_session_timeout_ms = c.group_max_session_timeout_ms;
    cfg.offsets_retention_ms = c.offsets_retention_minutes * 60 * 1000;
    cfg.rebalance_storm_threshold = static_cast<uint64_t>(c.group_rebalance_storm_threshold);
    // Called on the owner shard only, so reading its topic snapshot needs no lock.
    auto exists = [this](std::string_view topic, int32_t p) {
        auto t = b_.shard(shard()).topic(std::string(topic));
        return t && p >= 0 && p < t->partitions;
    };
    return std::make_unique<group::group_coordinator>(cfg, exists);
}

void group_service::load() {
    coord::machine m;
    m.reset = [this] { coordinator_ = make_coordinator(); };
    // Transactional offset commits stay pending until their producer's marker.
    m.replay = [this](const coord::batch_context& batch, std::span<const uint8_t> key,
                      std::optional<std::span<const uint8_t>> value) { return coordinator_->replay(batch, key, value); };
    m.replay_marker = [this](const coord::batch_context& batch, bool commit) { coordinator_->replay_marker(batch, commit); };
    m.load_complete = [this](timestamp_ms now) {
        coordinator_->load_complete(now);
        log::group.info({{"groups", coordinator_->group_ids().size()}}, "group coordinator loaded {} groups", coordinator_->group_ids().size());
    };
    m.next_deadline = [this] { return coordinator_->next_deadline(); };
    m.on_deadline = [this](timestamp_ms now) { return on_deadline(now); };
    auto env = partition_environment(b_, shard(), consumer_offsets_topic);
    coord::runtime_config cfg;
    cfg.name = consumer_offsets_topic;
    runtime_ = std::make_unique<coord::runtime>(b_.context(shard()).get_executor(), std::move(cfg), std::move(m),
                                                std::move(env));
    runtime_->load();
}

void group_service::start() { runtime_->start(); }

asio::awaitable<void> group_service::on_deadline(timestamp_ms now) {
    auto fx = coordinator_->tick(now);
    if (fx.empty()) co_return;
    // The runtime's timer loop backs off after a failed tick (the coordinator is reloaded).
    if (auto e = co_await apply(std::move(fx)); e != error_code::none)
        throw std::runtime_error(std::string("group timers: append failed: ") + std::string(error_name(e)));
}

uint64_t group_service::next_token() {
    const uint64_t t = ++last_token_;
    slot(t);
    return t;
}

std::shared_ptr<parked_slot> group_service::slot(uint64_t token) {
    auto& s = parked_[token];
    if (!s) s = std::make_shared<parked_slot>(b_.context(shard()).get_executor());
    return s;
}

asio::awaitable<error_code> group_service::apply(group::effects fx, bool deadline_may_be_earlier) {
    // The coordinator alerts once per crossing, so this is one line per storm, not per rebalance.
    for (const auto& s : fx.storms) log::group.warn({{"group", s.group_id}, {"reasons", group::storm_reasons(s)}, {"rebalances", s.rebalances_in_window}, {"window_ms", s.window_ms}, {"threshold", s.threshold}, {"member", s.trigger.member_id}, {"client_id", s.trigger.client_id}, {"client_host", s.trigger.client_host}}, "{}", group::describe(s));
    if (deadline_may_be_earlier) runtime_->reschedule();
    if (auto e = co_await runtime_->commit(fx.records, fx.owner); e != error_code::none) {
        // The reloaded coordinator knows no pending join or sync: answer every parked call
        // (their responses, fx.released included, came from the state just dropped).
        const auto answer = coord::failed_append_answer(e, coord::append_kind::metadata);
        for (auto& [token, s] : parked_) {
            if (s->response || s->failed != error_code::none) continue;
            s->failed = answer;
            s->wake.cancel();
        }
        co_return e;
    }
    for (auto& r : fx.released) {
        auto s = slot(r.token);
        s->response = std::move(r.response);
        s->wake.cancel();
    }
    co_return error_code::none;
}

asio::awaitable<error_code> group_service::complete_transaction(producer_id pid, producer_epoch epoch, bool commit,
                                                                int32_t coordinator_epoch) {
    auto task = [this, pid, epoch, commit, coordinator_epoch]() -> asio::awaitable<error_code> {
        auto appended = runtime_->append_marker(pid, epoch, commit, coordinator_epoch);
        // An older epoch than the partition has seen: a newer transaction of this producer
        // already ended this one here.
        if (!appended) co_return appended.error() == error_code::invalid_producer_epoch ? error_code::none : appended.error();
        co_await runtime_->wait_durable(appended->last + 1);
        co_return co_await apply(coordinator_->complete_txn(pid, commit, wall_clock_now()));
    };
    co_return co_await net::run_on(b_.context(shard()), std::move(task));
}

asio::awaitable<error_code> group_service::delete_topic_offsets(std::string topic) {
    auto task = [this, topic = std::move(topic)]() -> asio::awaitable<error_code> {
        auto fx = coordinator_->delete_topic_offsets(topic);
        if (fx.empty()) co_return error_code::none;
        const size_t n = fx.records.size();
        if (auto e = co_await apply(std::move(fx)); e != error_code::none) {
            log::group.error({{"topic", topic}, {"error", error_name(e)}}, "groups: cannot remove the committed offsets of deleted topic {}: {}", topic, error_name(e));
            co_return error_code::kafka_storage_error;
        }
        log::group.info({{"topic", topic}, {"offsets", n}}, "groups: removed {} committed offset(s) of deleted topic {}", n, topic);
        co_return error_code::none;
    };
    co_return co_await net::run_on(b_.context(shard()), std::move(task));
}

error_code group_service::check_producer_epoch(producer_id pid, producer_epoch epoch) {
    auto part = log_partition();
    if (!part) return error_code::coordinator_not_available;
    const auto& producers = part->log().producers().producers();
    auto it = producers.find(pid);
    return it != producers.end() && epoch < it->second.epoch ? error_code::invalid_producer_epoch : error_code::none;
}

asio::awaitable<result<group_service::parked_response>> group_service::park(uint64_t token) {
    auto s = slot(token);
    if (!s->response && s->failed == error_code::none) {
        boost::system::error_code ec;
        co_await s->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    parked_.erase(token);
    if (s->failed != error_code::none) co_return s->failed;
    if (!s->response) throw std::runtime_error("parked group response woken without a response");
    co_return std::move(*s->response);
}

} // namespace brook::broker
