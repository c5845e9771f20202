#pragma once
// coord::runtime: one internal-topic partition driving one coordinator's state machine, on the
// shard that owns the partition. What it guarantees:
//  - load() replays every batch of the partition in offset order (data records to
//    machine::replay, control batches to machine::replay_marker), then machine::load_complete.
//    A batch or record that cannot be decoded is logged and skipped.
//  - append()/append_marker() write exactly one batch each and wake long-poll fetches;
//    wait_durable() completes once everything below the offset is on stable storage.
//  - commit() is append + wait_durable with the coordinator contract's failure rule: when the
//    append fails, the machine is reset and reloaded from the log (what is durable), and the
//    append's error is returned; the caller answers it (failed_append_answer) rather than
//    closing the connection, which would only make the client retry into the same failure.
//  - Timers fire at their deadline: one steady_timer waits until machine::next_deadline()
//    (wall clock) and then awaits machine::on_deadline(now). The owner calls reschedule() after
//    every call that may have moved the deadline earlier. An exception from on_deadline is
//    logged and the timer loop keeps running; it retries after failure_backoff_ms.
//  - No compaction of its own: the internal topics are cleanup.policy=compact and the broker's
//    log cleaner keeps the latest record per key (storage/cleaner.h), as Kafka does. A machine
//    must therefore write every state change as records keyed by what they change, and every
//    removal as a tombstone per key it removes: replaying the cleaned log then rebuilds what
//    replaying the full history does (tests/unit/coord/clean_replay_{group,txn}_test.cc). load() reads a
//    cleaned log like any other (offsets may have gaps).
//
// Threading: every member is called on the owning shard's thread (the executor given at
// construction); nothing is thread-safe. Callers on other shards hop there first.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error_code.h"
#include "base/named_type.h"
#include "base/result.h"
#include "coord/record.h"
#include "storage/partition_log.h"

namespace brook::coord {

namespace asio = boost::asio;

// The coordinator as the runtime sees it. Every callback is required except replay_marker
// (default: markers ignored).
struct machine {
    // Drop all in-memory state: a replay from the log follows (load and reload after a failed
    // append).
    std::function<void()> reset;
    // One record of a data batch. Return CORRUPT_MESSAGE for a record it cannot decode (state
    // unchanged); the runtime logs and skips it.
    std::function<error_code(const batch_context&, std::span<const uint8_t> key,
                             std::optional<std::span<const uint8_t>> value)>
        replay;
    // One control batch (transaction marker) of producer ctx.pid.
    std::function<void(const batch_context&, bool commit)> replay_marker;
    // End of a load.
    std::function<void(timestamp_ms now)> load_complete;
    // The earliest wall-clock time on_deadline has work to do (nullopt: nothing scheduled).
    std::function<std::optional<timestamp_ms>()> next_deadline;
    // Fires the timers due at `now`: the owner runs the machine's tick and commits its effects.
    std::function<asio::awaitable<void>(timestamp_ms now)> on_deadline;
};

// What only the broker knows, handed in because coord may not include broker.
struct environment {
    // The partition's log, or nullptr when it is not open on this shard.
    std::function<storage::partition_log*()> log;
    // Called after every append (wakes long-poll fetches of the partition).
    std::function<void()> notify_appended;
    // Completes once everything below `upto` is on stable storage (the shard's group commit).
    std::function<asio::awaitable<void>(offset upto)> wait_durable;
    // The wall clock; tests may inject their own.
    std::function<timestamp_ms()> now;
};

struct runtime_config {
    std::string name;                   // the topic, for logs ("__consumer_offsets")
    int64_t failure_backoff_ms = 100; // pause before retrying a deadline whose callback threw
};

// What a coordinator answers for a request whose records could not be appended, as Kafka's
// GroupMetadataManager (offsets / group metadata) and TransactionStateManager map append
// errors: too large -> INVALID_COMMIT_OFFSET_SIZE for offset commits, UNKNOWN_SERVER_ERROR
// otherwise; storage / replica errors -> COORDINATOR_NOT_AVAILABLE (retriable; Kafka says
// NOT_COORDINATOR for KAFKA_STORAGE_ERROR, which on a single node only sends the client back
// here); anything else as is for offset commits, UNKNOWN_SERVER_ERROR otherwise.
enum class append_kind { offset_commit, metadata };
error_code failed_append_answer(error_code append_error, append_kind kind);

class runtime {
public:
    runtime(asio::any_io_executor ex, runtime_config cfg, machine m, environment env);
    ~runtime();
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;

    // reset + replay of the whole partition + load_complete. Throws std::runtime_error when the
    // partition is not open or cannot be read. Before start(), or on the owner shard.
    void load();
    // Starts the timer loop.
    void start();
    // Stops the timer loop (it ends at its next wake-up); idempotent.
    void stop();
    // The machine's next deadline may have moved earlier: re-arm the timer. Cheap when it did
    // not (a comparison); call it after every call that may have changed the deadline.
    void reschedule();

    // One batch of `records` (transactional, owned by `owner`, when given).
    result<storage::append_info> append(std::span<const log_record> records, std::optional<txn_owner> owner = {});
    // One control batch: the commit/abort marker of (pid, epoch).
    result<storage::append_info> append_marker(producer_id pid, producer_epoch epoch, bool commit,
                                               int32_t coordinator_epoch);
    asio::awaitable<void> wait_durable(offset upto);
    // append + wait_durable; none once durable. On a failed append: reset, reload, reschedule,
    // and the append's error (MESSAGE_TOO_LARGE, KAFKA_STORAGE_ERROR, ...) is returned.
    // Does nothing (none) for no records.
    asio::awaitable<error_code> commit(std::span<const log_record> records, std::optional<txn_owner> owner = {});

private:
    std::vector<uint8_t> build_batch(std::span<const log_record> records, std::optional<txn_owner> owner) const;
    result<storage::append_info> append_batch(std::vector<uint8_t> bytes);
    asio::awaitable<void> timer_loop(std::shared_ptr<bool> alive);
    timestamp_ms now() const;

    asio::any_io_executor ex_;
    runtime_config cfg_;
    machine m_;
    environment env_;
    asio::steady_timer timer_;
    // The timer loop's frame outlives a destroyed runtime until the executor drops it: it
    // checks this before touching anything of ours.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    bool running_ = false;
    bool waiting_ = false;                // the loop is suspended on timer_
    std::optional<timestamp_ms> armed_;   // the deadline it waits for (nullopt: none)
};

} // namespace brook::coord
