#include "broker/txn_service.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

#include "base/clock.h"
#include "base/log.h"
#include "base/logger.h"
#include "broker/broker.h"
#include "broker/coordinator_env.h"
#include "broker/txn_markers.h"

namespace brook::broker {

txn_service::txn_service(broker& b) : b_(b) {}
txn_service::~txn_service() = default;

unsigned txn_service::shard() const { return owner_shard(transaction_state_topic, 0, b_.shard_count()); }

std::unique_ptr<txn::txn_coordinator> txn_service::make_coordinator() {
    const auto& c = b_.config();
    txn::txn_config cfg;
    cfg.max_timeout_ms = c.transaction_max_timeout_ms;
    cfg.transactional_id_expiration_ms = c.transactional_id_expiration_ms;
    cfg.offsets_topic = consumer_offsets_topic;
    // Called on the owner shard only, so reading its topic snapshot needs no lock.
    auto exists = [this](std::string_view topic, int32_t p) { return b_.shard(shard()).has_partition(std::string(topic), p); };
    return std::make_unique<txn::txn_coordinator>(cfg, exists);
}

void txn_service::load() {
    coord::machine m;
    m.reset = [this] { coordinator_ = make_coordinator(); };
    // __transaction_state holds no transactional batches: the batch context and markers do not
    // concern it (the runtime ignores markers when no replay_marker is given).
    m.replay = [this](const coord::batch_context&, std::span<const uint8_t> key,
                      std::optional<std::span<const uint8_t>> value) { return coordinator_->replay(key, value); };
    m.load_complete = [this](timestamp_ms now) {
        auto fx = coordinator_->load_complete(now);
        // Prepare* records are durable already; only their markers are missing.
        after_load_ = std::move(fx.markers);
    };
    m.next_deadline = [this] { return coordinator_->next_deadline(); };
    m.on_deadline = [this](timestamp_ms now) { return on_deadline(now); };

    auto env = partition_environment(b_, shard(), transaction_state_topic);

    coord::runtime_config cfg;
    cfg.name = transaction_state_topic;
    runtime_ = std::make_unique<coord::runtime>(b_.context(shard()).get_executor(), cfg, std::move(m), std::move(env));
    runtime_->load();
    spdlog::info("transaction coordinator loaded {} transactional ids ({} to complete)", coordinator_->size(),
                 after_load_.size());
}

void txn_service::start() {
    runtime_->start();
    run_markers(std::exchange(after_load_, {}));
}

void txn_service::run_markers(std::vector<txn::marker_job> jobs, std::chrono::milliseconds pause) {
    for (auto& job : jobs) {
        asio::co_spawn(b_.context(shard()), complete(std::move(job), pause), [](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log::txn.error({{"error", ex.what()}}, "completing a transaction failed: {}", ex.what());
            }
        });
    }
}

asio::awaitable<error_code> txn_service::apply(txn::effects fx) {
    if (auto e = co_await runtime_->commit(fx.records); e != error_code::none) {
        // fx.markers came from the state just dropped; the reload's Prepare* transactions are
        // what the log says still needs markers (a completion record that failed leaves one).
        // After a pause: a completion record that keeps failing must not spin.
        run_markers(std::exchange(after_load_, {}), std::chrono::milliseconds(1000));
        co_return e;
    }
    runtime_->reschedule();
    run_markers(std::move(fx.markers));
    co_return error_code::none;
}

// Kafka's coordinator retries marker writes until they succeed: the transaction cannot end
// without them, and its producer waits (CONCURRENT_TRANSACTIONS) meanwhile.
asio::awaitable<void> txn_service::complete(txn::marker_job job, std::chrono::milliseconds pause) {
    if (pause.count() > 0) {
        asio::steady_timer t(b_.context(shard()), pause);
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    txn_marker_batch batch{job.pid, job.epoch, job.commit, job.coordinator_epoch, {}};
    for (const auto& tp : job.partitions) batch.partitions.push_back({tp.topic, tp.partition});
    auto delay = std::chrono::milliseconds(100);
    for (;;) {
        auto err = co_await write_txn_markers(b_, batch);
        if (err == error_code::none) break;
        log::txn.warn({{"transactional_id", job.transactional_id}, {"error", error_name(err)}}, "transaction {}: {} markers not written ({}); retrying in {} ms", job.transactional_id,
                     job.commit ? "commit" : "abort", error_name(err), delay.count());
        asio::steady_timer t(b_.context(shard()), delay);
        boost::system::error_code ec;
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        delay = std::min(delay * 2, std::chrono::milliseconds(5000));
    }
    // A failed completion record is logged by apply's reload, which restarts this job.
    (void)co_await apply(coordinator_->markers_written(job.transactional_id, job.pid, job.epoch, wall_clock_now()));
}

asio::awaitable<void> txn_service::on_deadline(timestamp_ms now) {
    // The runtime's timer loop backs off after a failed tick (the coordinator is reloaded).
    if (auto e = co_await apply(coordinator_->tick(now)); e != error_code::none)
        throw std::runtime_error(std::string("transaction timers: append failed: ") + std::string(error_name(e)));
}

} // namespace brook::broker
