#include "connect/postgres/txn_writer.h"

#include <chrono>

namespace brook::connect::pg {

namespace {
constexpr int txn_timeout_ms = 60000;
int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}
std::string describe(const client::error& e) { return e.code_name() + ": " + e.message; }
} // namespace

expected<txn_writer> txn_writer::create(const cdc_options& o, offset_store offsets) {
    auto cfg = client::base_config(o.brokers);
    cfg.insert(cfg.end(), {{"transactional.id", o.transactional_id()},
                           // A whole snapshot is one transaction: allow it the broker's maximum.
                           {"transaction.timeout.ms", "900000"},
                           {"linger.ms", "50"},
                           {"batch.num.messages", "10000"},
                           {"queue.buffering.max.messages", "1000000"},
                           {"queue.buffering.max.kbytes", "1048576"},
                           {"compression.type", "lz4"}});
    auto p = client::producer::create(cfg);
    if (!p) return runtime_error("Kafka producer: " + p.err().message);
    for (int attempt = 0;; ++attempt) {
        auto s = p->init_transactions(txn_timeout_ms);
        if (s) break;
        if (s.err().unreachable || s.err().code == -185 /* _TIMED_OUT */)
            return usage_error("cannot reach the Kafka brokers at " + o.brokers + " (" + s.err().message +
                               "); check --brokers");
        if (!s.err().retriable || attempt == 5) return runtime_error("initializing transactions: " + describe(s.err()));
    }
    return txn_writer(std::move(*p), std::move(offsets));
}

status txn_writer::prepare_topics(const std::vector<std::string>& topics) {
    auto s = producer_.prepare_topics(topics, 15000);
    if (!s) return runtime_error("Kafka metadata: " + describe(s.err()));
    return done{};
}

status txn_writer::send(client::record&& r) {
    if (!open_) {
        if (auto s = producer_.begin_transaction(); !s) return runtime_error("beginning a Kafka transaction: " + describe(s.err()));
        open_ = true;
    }
    auto id = producer_.send(r);
    if (!id) return runtime_error("sending to " + r.topic + ": " + describe(id.err()));
    ++pending_;
    // Delivery reports are not needed one by one (the commit fails if any record failed);
    // serve them now and then so they do not pile up.
    if ((pending_ & 4095) == 0) (void)producer_.poll(0);
    return done{};
}

status txn_writer::commit(const stored_position& p) {
    if (auto s = send(offsets_.record(p, now_ms())); !s) return s;
    --pending_; // the position record is not an event
    return commit_records();
}

status txn_writer::commit_records() {
    if (!open_) return done{};
    for (int attempt = 0;; ++attempt) {
        auto s = producer_.commit_transaction(txn_timeout_ms);
        if (s) break;
        if (s.err().retriable && attempt < 5) continue;
        const std::string why = describe(s.err());
        if (s.err().abortable) abort();
        open_ = false;
        return runtime_error("committing a Kafka transaction failed (" + why +
                             "); nothing of it is visible. Restart the source: it resumes from the last committed position");
    }
    (void)producer_.poll(0);
    open_ = false;
    committed_ += pending_;
    pending_ = 0;
    return done{};
}

void txn_writer::abort() {
    if (!open_) return;
    (void)producer_.abort_transaction(txn_timeout_ms);
    (void)producer_.poll(0);
    open_ = false;
    pending_ = 0;
}

} // namespace brook::connect::pg
