#include "broker/group_service.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <stdexcept>

#include "base/clock.h"
#include "base/log.h"
#include "broker/broker.h"
#include "records/record.h"

namespace brook::broker {

struct parked_slot {
    explicit parked_slot(asio::any_io_executor ex) : wake(ex, asio::steady_timer::time_point::max()) {}
    asio::steady_timer wake;
    std::optional<group_service::parked_response> response;
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
    // Called on the owner shard only, so reading its topic snapshot needs no lock.
    auto exists = [this](std::string_view topic, int32_t p) {
        auto t = b_.shard(shard()).topic(std::string(topic));
        return t && p >= 0 && p < t->partitions;
    };
    return std::make_unique<group::group_coordinator>(cfg, exists);
}

void group_service::load() {
    coordinator_ = make_coordinator();
    auto part = log_partition();
    if (!part) throw std::runtime_error("__consumer_offsets partition 0 is not open");
    auto& log = part->log();
    size_t records = 0;
    offset pos = log.log_start();
    while (pos < log.log_end()) {
        auto chunk = log.read(pos, 1 << 20, log.log_end());
        if (!chunk || chunk->data.empty()) throw std::runtime_error("cannot read __consumer_offsets for replay");
        std::span<const uint8_t> rest(chunk->data);
        while (rest.size() >= records::batch_header_size) {
            auto h = records::read_batch_header(rest);
            if (h.size_bytes() > rest.size()) break;
            auto batch = records::decode_batch(rest.first(h.size_bytes()));
            rest = rest.subspan(h.size_bytes());
            pos = h.last_offset() + 1;
            if (!batch) {
                spdlog::warn("__consumer_offsets: skipping undecodable batch at offset {}", h.base_offset.value());
                continue;
            }
            for (const auto& r : batch->records) {
                if (!r.key) continue;
                std::optional<std::span<const uint8_t>> value;
                if (r.value) value = std::span<const uint8_t>(*r.value);
                if (coordinator_->replay(*r.key, value) != error_code::none)
                    spdlog::warn("__consumer_offsets: skipping undecodable record at offset {}",
                                 (h.base_offset + r.offset_delta).value());
                ++records;
            }
        }
    }
    coordinator_->load_complete(wall_clock_now());
    spdlog::info("group coordinator loaded {} groups from {} records of __consumer_offsets", coordinator_->group_ids().size(),
                 records);
}

void group_service::start() {
    asio::co_spawn(b_.context(shard()), tick_loop(), asio::detached);
}

asio::awaitable<void> group_service::tick_loop() {
    asio::steady_timer timer(b_.context(shard()));
    for (;;) {
        // Coarse but cheap: the coordinator says when it needs us; 100 ms bounds the lateness of
        // session and rebalance timeouts, which are seconds long.
        timer.expires_after(std::chrono::milliseconds(100));
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        auto now = wall_clock_now();
        auto next = coordinator_->next_deadline();
        if (!next || *next <= now) {
            auto fx = coordinator_->tick(now);
            if (!fx.empty()) co_await apply(std::move(fx));
        }
        co_await maybe_compact();
    }
}

// __consumer_offsets is kept to the latest record per key by rewriting the live state and
// dropping the history before it (there is no general log cleaner yet). Crash-safe at every
// step: until the old segments are deleted, replay sees the full history followed by the
// snapshot, which rebuilds the same state; tombstones always follow the records they delete,
// so a partly deleted history never resurrects anything.
asio::awaitable<void> group_service::maybe_compact() {
    auto part = log_partition();
    if (!part) co_return;
    auto& log = part->log();
    const uint64_t threshold = 2 * compacted_bytes_ + static_cast<uint64_t>(b_.config().offsets_compaction_min_bytes);
    if (log.size_bytes() < threshold) co_return;
    if (coordinator_->has_pending_transactions()) co_return; // asked again at the next compaction check
    const auto before = log.size_bytes();
    // No co_await from the roll to the last snapshot append: nothing else can write between.
    if (log.roll_now(wall_clock_now()) != error_code::none) co_return;
    const offset start = log.log_end();
    auto snapshot = *coordinator_->snapshot_records(); // engaged: checked above, no co_await since
    constexpr size_t records_per_batch = 500;
    for (size_t i = 0; i < snapshot.size(); i += records_per_batch) {
        auto n = std::min(records_per_batch, snapshot.size() - i);
        if (auto r = append_records(std::span<const group::log_record>(snapshot).subspan(i, n)); !r) {
            spdlog::warn("__consumer_offsets compaction: append failed ({}); history kept", error_name(r.error()));
            co_return;
        }
    }
    co_await b_.shard(shard()).flush->wait_durable(part, log.log_end());
    log.delete_before(start);
    compacted_bytes_ = log.size_bytes();
    spdlog::info("__consumer_offsets compacted: {} live records, {} -> {} bytes, log start {}", snapshot.size(), before,
                 compacted_bytes_, start.value());
}

std::shared_ptr<parked_slot> group_service::slot(uint64_t token) {
    auto& s = parked_[token];
    if (!s) s = std::make_shared<parked_slot>(b_.context(shard()).get_executor());
    return s;
}

result<storage::append_info> group_service::append_records(std::span<const group::log_record> recs) {
    auto part = log_partition();
    if (!part) return error_code::kafka_storage_error;
    records::batch_builder builder;
    builder.default_timestamp(wall_clock_now());
    for (const auto& r : recs) {
        std::optional<std::span<const uint8_t>> value;
        if (r.value) value = std::span<const uint8_t>(*r.value);
        builder.add_bytes(std::span<const uint8_t>(r.key), value);
    }
    auto bytes = builder.build();
    storage::append_options opts;
    opts.now = wall_clock_now();
    auto appended = part->log().append(bytes, records::read_batch_header(bytes), opts);
    if (appended) part->notify_appended();
    return appended;
}

asio::awaitable<void> group_service::apply(group::effects fx) {
    if (!fx.records.empty()) {
        auto appended = append_records(fx.records);
        if (!appended) {
            // The coordinator applied the change eagerly; what is durable is the log, so start
            // over from it. The caller's connection is closed and the client retries.
            spdlog::error("__consumer_offsets append failed ({}); reloading the group coordinator",
                          error_name(appended.error()));
            load();
            throw std::runtime_error("__consumer_offsets append failed");
        }
        co_await b_.shard(shard()).flush->wait_durable(log_partition(), appended->last + 1);
    }
    for (auto& r : fx.released) {
        auto s = slot(r.token);
        s->response = std::move(r.response);
        s->wake.cancel();
    }
}

asio::awaitable<group_service::parked_response> group_service::park(uint64_t token) {
    auto s = slot(token);
    if (!s->response) {
        boost::system::error_code ec;
        co_await s->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    parked_.erase(token);
    if (!s->response) throw std::runtime_error("parked group response woken without a response");
    co_return std::move(*s->response);
}

} // namespace brook::broker
