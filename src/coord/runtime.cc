#include "coord/runtime.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>

#include "base/clock.h"
#include "base/endian.h"
#include "base/log.h"
#include "base/logger.h"
#include "records/control.h"
#include "records/record.h"

namespace brook::coord {
namespace {

// Commit (true) or abort (false) for a transaction marker; nullopt for anything else. The same
// parser as the partition's own replay, so both read a marker alike.
std::optional<bool> parse_marker(const records::record& r) {
    if (!r.key || !r.value) return std::nullopt;
    auto m = records::parse_control_record(*r.key, *r.value);
    if (!m) return std::nullopt;
    return m->commit;
}

std::optional<std::span<const uint8_t>> value_span(const std::optional<std::vector<uint8_t>>& v) {
    if (!v) return std::nullopt;
    return std::span<const uint8_t>(*v);
}

} // namespace

runtime::runtime(asio::any_io_executor ex, runtime_config cfg, machine m, environment env)
    : ex_(std::move(ex)), cfg_(std::move(cfg)), m_(std::move(m)), env_(std::move(env)), timer_(ex_) {
    if (!m_.replay_marker) m_.replay_marker = [](const batch_context&, bool) {};
    if (!env_.now) env_.now = [] { return wall_clock_now(); };
}

runtime::~runtime() { *alive_ = false; }

timestamp_ms runtime::now() const { return env_.now(); }

void runtime::load() {
    storage::partition_log* log = env_.log();
    if (!log) throw std::runtime_error(cfg_.name + " partition is not open");
    m_.reset();
    size_t records = 0, markers = 0;
    offset pos = log->log_start();
    while (pos < log->log_end()) {
        auto chunk = log->read(pos, 1 << 20, log->log_end());
        if (!chunk) throw std::runtime_error("cannot read " + cfg_.name + " for replay");
        // Nothing at or after `pos`: the cleaner removed every batch up to the log end (the
        // active segment is empty). A read skips the gaps cleaning leaves between batches.
        if (chunk->data.empty()) break;
        std::span<const uint8_t> rest(chunk->data);
        const offset chunk_start = pos;
        while (rest.size() >= records::batch_header_size) {
            auto h = records::read_batch_header(rest);
            if (h.size_bytes() > rest.size()) break;
            auto batch = records::decode_batch(rest.first(h.size_bytes()));
            rest = rest.subspan(h.size_bytes());
            pos = h.last_offset() + 1;
            if (!batch) {
                log::coord.warn({{"coordinator", cfg_.name}, {"offset", h.base_offset.value()}}, "{}: skipping undecodable batch at offset {}", cfg_.name, h.base_offset.value());
                continue;
            }
            const batch_context ctx{h.base_offset, h.pid, h.epoch, h.is_transactional(), h.is_control()};
            if (ctx.control) {
                auto commit = batch->records.empty() ? std::nullopt : parse_marker(batch->records.front());
                if (!commit) {
                    log::coord.warn({{"coordinator", cfg_.name}, {"offset", h.base_offset.value()}}, "{}: skipping unknown control batch at offset {}", cfg_.name, h.base_offset.value());
                    continue;
                }
                m_.replay_marker(ctx, *commit);
                ++markers;
                continue;
            }
            for (const auto& r : batch->records) {
                if (!r.key) continue;
                if (m_.replay(ctx, *r.key, value_span(r.value)) != error_code::none)
                    log::coord.warn({{"coordinator", cfg_.name}, {"offset", (h.base_offset + r.offset_delta).value()}}, "{}: skipping undecodable record at offset {}", cfg_.name,
                                 (h.base_offset + r.offset_delta).value());
                ++records;
            }
        }
        // A read returns whole batches; one larger than the read size would never advance.
        if (pos == chunk_start) throw std::runtime_error("cannot read " + cfg_.name + " for replay: batch too large");
    }
    m_.load_complete(now());
    log::coord.info({{"coordinator", cfg_.name}, {"records", records}, {"markers", markers}}, "{}: loaded {} records and {} markers (offsets {}..{})", cfg_.name, records, markers,
                 log->log_start().value(), log->log_end().value());
}

void runtime::start() {
    if (running_) return;
    running_ = true;
    asio::co_spawn(ex_, timer_loop(alive_), asio::detached);
}

void runtime::stop() {
    running_ = false;
    timer_.cancel();
}

void runtime::reschedule() {
    // Only an earlier deadline needs the loop woken (it re-reads next_deadline()); a later one
    // costs one early wake-up that just waits again, which is cheaper than a cancel on every
    // heartbeat. When the loop is not waiting (it is running on_deadline) it re-reads the
    // deadline afterwards anyway.
    if (!running_ || !waiting_) return;
    const auto next = m_.next_deadline();
    if (!next || (armed_ && *next >= *armed_)) return;
    timer_.cancel();
}

asio::awaitable<void> runtime::timer_loop(std::shared_ptr<bool> alive) {
    // After a failed on_deadline the deadline is still due: without a pause the loop would
    // spin on it (a full disk fails every retry).
    std::optional<asio::steady_timer::time_point> not_before;
    for (;;) {
        if (!*alive || !running_) co_return;
        const auto next = m_.next_deadline();
        if (next) {
            // Deadlines are wall clock; wait on the monotonic clock for the time left. A clock
            // step makes us wake early or late once; early wake-ups just wait again.
            auto at = asio::steady_timer::clock_type::now() + std::chrono::milliseconds(std::max<int64_t>(0, *next - now()));
            if (not_before && *not_before > at) at = *not_before;
            timer_.expires_at(at);
        } else {
            timer_.expires_at(asio::steady_timer::time_point::max());
        }
        boost::system::error_code ec;
        armed_ = next;
        waiting_ = true;
        co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!*alive) co_return;
        waiting_ = false;
        armed_.reset();
        if (!running_) co_return;
        if (ec) continue; // reschedule(): read the deadline again
        const timestamp_ms t = now();
        const auto due = m_.next_deadline();
        if (!due || *due > t) continue;
        bool failed = false;
        try {
            co_await m_.on_deadline(t);
        } catch (const std::exception& e) {
            // A failed tick must not end the loop: later deadlines still have to fire.
            if (!*alive) co_return;
            log::coord.error({{"coordinator", cfg_.name}, {"error", e.what()}}, "{}: timer callback failed: {}", cfg_.name, e.what());
            failed = true;
        } catch (...) {
            if (!*alive) co_return;
            log::coord.error({{"coordinator", cfg_.name}}, "{}: timer callback failed", cfg_.name);
            failed = true;
        }
        if (failed)
            not_before = asio::steady_timer::clock_type::now() + std::chrono::milliseconds(cfg_.failure_backoff_ms);
        else
            not_before.reset();
    }
}

result<storage::append_info> runtime::append_batch(std::vector<uint8_t> bytes) {
    storage::partition_log* log = env_.log();
    if (!log) return error_code::kafka_storage_error;
    storage::append_options opts;
    opts.now = now();
    auto appended = log->append(bytes, records::read_batch_header(bytes), opts);
    if (appended) {
        if (env_.notify_appended) env_.notify_appended();
    }
    return appended;
}

std::vector<uint8_t> runtime::build_batch(std::span<const log_record> recs, std::optional<txn_owner> owner) const {
    records::batch_builder builder;
    builder.default_timestamp(now());
    // Coordinator batches carry no sequence: the coordinator is the only writer of its records.
    if (owner) builder.producer(owner->pid, owner->epoch, no_sequence).transactional();
    for (const auto& r : recs) builder.add_bytes(std::span<const uint8_t>(r.key), value_span(r.value));
    return builder.build();
}

result<storage::append_info> runtime::append(std::span<const log_record> recs, std::optional<txn_owner> owner) {
    return append_batch(build_batch(recs, owner));
}

result<storage::append_info> runtime::append_marker(producer_id pid, producer_epoch epoch, bool commit,
                                                    int32_t coordinator_epoch) {
    storage::partition_log* log = env_.log();
    if (!log) return error_code::kafka_storage_error;
    // Through the log's own marker path: it ends the producer's open transaction there.
    auto appended = log->append_marker(pid, epoch, commit, coordinator_epoch, now());
    if (appended) {
        if (env_.notify_appended) env_.notify_appended();
    }
    return appended;
}

asio::awaitable<void> runtime::wait_durable(offset upto) { co_await env_.wait_durable(upto); }

asio::awaitable<error_code> runtime::commit(std::span<const log_record> recs, std::optional<txn_owner> owner) {
    if (recs.empty()) co_return error_code::none;
    auto appended = append(recs, owner);
    if (!appended) {
        // The machine applied the change eagerly; what is durable is the log, so start over
        // from it. The caller answers the error: the client must not retry into it blindly.
        log::coord.error({{"coordinator", cfg_.name}, {"error", error_name(appended.error())}}, "{}: append failed ({}); reloading the coordinator from the log", cfg_.name,
                         error_name(appended.error()));
        load();
        reschedule();
        co_return appended.error();
    }
    co_await wait_durable(appended->last + 1);
    co_return error_code::none;
}

error_code failed_append_answer(error_code e, append_kind kind) {
    switch (e) {
    case error_code::none:
        return error_code::none;
    case error_code::message_too_large:
    case error_code::record_list_too_large:
    case error_code::invalid_fetch_size:
        return kind == append_kind::offset_commit ? error_code::invalid_commit_offset_size
                                                  : error_code::unknown_server_error;
    case error_code::kafka_storage_error:
    case error_code::not_enough_replicas:
    case error_code::not_enough_replicas_after_append:
    case error_code::unknown_topic_or_partition:
        return error_code::coordinator_not_available;
    default:
        return kind == append_kind::offset_commit ? e : error_code::unknown_server_error;
    }
}

} // namespace brook::coord
