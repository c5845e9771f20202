#include "registry/store.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "base/log.h"
#include "client/admin.h"
#include "client/consumer.h"
#include "client/producer.h"

namespace brook::registry {
namespace {

constexpr int unknown_topic = 3;    // UNKNOWN_TOPIC_OR_PARTITION
constexpr int topic_exists = 36;    // TOPIC_ALREADY_EXISTS
constexpr int invalid_config = 40;  // INVALID_CONFIG
constexpr int admin_timeout_ms = 5000;

// Whether `topic` exists: true/false, or nullopt when the cluster did not answer.
std::optional<bool> topic_present(client::admin& a, const std::string& topic, std::string& why, int timeout_ms) {
    auto t = a.describe_topic(topic, timeout_ms);
    if (t) return true;
    if (t.err().code == unknown_topic) return false;
    why = t.err().message;
    return std::nullopt;
}

} // namespace

store::store(type_set types, store_options opts) : types_(std::move(types)), opts_(std::move(opts)), state_(types_) {}

store::~store() { stop(); }

void store::start() {
    reader_ = std::thread([this] { reader_loop(); });
    writer_ = std::thread([this] { writer_loop(); });
}

void store::stop() {
    if (stopping_.exchange(true)) return;
    jobs_cv_.notify_all();
    progress_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (reader_.joinable()) reader_.join();
}

void store::submit(planner p, std::function<void(write_result)> done) {
    {
        std::lock_guard lock(jobs_mu_);
        if (!stopping_) {
            jobs_.push_back({std::move(p), std::move(done)});
            jobs_cv_.notify_one();
            return;
        }
    }
    done(err::timeout("The schema registry is shutting down"));
}

std::string store::kafka_cluster_id() const {
    std::lock_guard lock(progress_mu_);
    return cluster_id_;
}

// --- reader ---

void store::reader_loop() {
    auto admin = client::admin::create(client::base_config(opts_.bootstrap));
    auto consumer = client::consumer::create([&] {
        auto c = client::base_config(opts_.bootstrap);
        // Brook and Kafka answer a parked fetch as soon as a record lands, so a long wait costs
        // no latency and keeps an idle registry from polling the broker.
        c.emplace_back("fetch.wait.max.ms", "500");
        return c;
    }());
    if (!admin || !consumer) {
        spdlog::error("schema registry: cannot create its Kafka clients: {}",
                      !admin ? admin.err().message : consumer.err().message);
        return;
    }
    // Find out whether the topic exists; the broker may still be coming up.
    std::optional<bool> present;
    bool warned = false;
    while (!stopping_ && !present) {
        std::string why;
        // Short attempts, so a SIGTERM while the broker is away is not held up for long.
        present = topic_present(*admin, opts_.topic, why, 1000);
        if (!present) {
            if (!warned) spdlog::warn("schema registry: waiting for the broker at {}: {}", opts_.bootstrap, why);
            warned = true;
            std::unique_lock lock(progress_mu_);
            progress_cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return stopping_.load(); });
        }
    }
    if (stopping_) return;
    if (auto c = admin->describe_cluster(admin_timeout_ms)) {
        std::lock_guard lock(progress_mu_);
        cluster_id_ = c->cluster_id;
    }
    // Caught up: the reader has applied everything below the end the topic had when it was
    // assigned (or saw the end of the partition, whichever comes first).
    int64_t target = 0;
    int64_t records = 0;
    auto started = std::chrono::steady_clock::now();
    auto catch_up = [&](int64_t applied) {
        bool first = false;
        {
            std::lock_guard lock(progress_mu_);
            applied_ = std::max(applied_, applied);
            if (!caught_up_ && applied_ >= target) first = caught_up_ = true;
        }
        if (first && !ready_) {
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
            spdlog::info("schema registry: replayed {} records of {} in {} ms", records, opts_.topic, ms.count());
        }
        if (first) ready_.store(true, std::memory_order_release);
        progress_cv_.notify_all();
    };
    auto assign = [&]() -> bool {
        auto w = admin->query_watermarks({opts_.topic, 0}, admin_timeout_ms);
        auto s = consumer->assign({{{opts_.topic, 0}, client::offset_beginning}});
        if (!s) {
            spdlog::error("schema registry: cannot read {}: {}", opts_.topic, s.err().message);
            return false;
        }
        {
            std::lock_guard lock(progress_mu_);
            attached_ = true;
            caught_up_ = false;
            // Unknown end (watermarks failed): only the end-of-partition event tells.
            target = w ? w->high : std::numeric_limits<int64_t>::max();
        }
        if (w && w->high == 0) catch_up(0);
        return true;
    };
    if (present && *present) {
        if (!assign()) return;
    } else if (present) {
        spdlog::info("schema registry: no {} topic yet; it is created by the first write", opts_.topic);
        {
            std::lock_guard lock(progress_mu_);
            caught_up_ = true;
        }
        ready_.store(true, std::memory_order_release);
        progress_cv_.notify_all();
    }
    std::string last_error;
    while (!stopping_) {
        bool attached;
        {
            std::unique_lock lock(progress_mu_);
            if (!attached_) {
                progress_cv_.wait_for(lock, std::chrono::milliseconds(200),
                                      [&] { return stopping_.load() || attach_requested_; });
                if (!attach_requested_ || stopping_) continue;
                attach_requested_ = false;
            }
            attached = attached_;
        }
        if (!attached) {
            if (!assign()) return;
            continue;
        }
        auto ev = consumer->poll(100);
        if (!ev) {
            // librdkafka retries by itself; say so once per distinct failure, not every poll.
            if (ev.err().message != last_error) spdlog::warn("schema registry: reading {}: {}", opts_.topic, ev.err().message);
            last_error = ev.err().message;
            continue;
        }
        last_error.clear();
        if (auto* r = std::get_if<client::record>(&*ev)) {
            auto d = decode(r->key.value_or(""), r->value);
            if (!d.record) {
                spdlog::warn("schema registry: {} offset {} skipped: {}", opts_.topic, r->offset, d.error);
            } else {
                std::optional<std::string> warning;
                {
                    std::unique_lock lock(mu_);
                    warning = state_.apply(*d.record);
                }
                if (warning) spdlog::warn("schema registry: {} offset {}: {}", opts_.topic, r->offset, *warning);
            }
            ++records;
            catch_up(r->offset + 1);
        } else if (auto* end = std::get_if<client::partition_end>(&*ev)) {
            {
                std::lock_guard lock(progress_mu_);
                target = std::min(target, end->offset);
            }
            catch_up(end->offset);
        }
    }
}

// --- writer ---

void store::writer_loop() {
    // Made before the first write: an idempotent producer needs a round of metadata and a
    // producer id (about a second with librdkafka) before it sends anything.
    if (auto e = make_producer()) spdlog::error("schema registry: {}", e->message);
    warm_up();
    for (;;) {
        job j;
        {
            std::unique_lock lock(jobs_mu_);
            jobs_cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (stopping_) break;
            j = std::move(jobs_.front());
            jobs_.pop_front();
        }
        j.done(run(j));
    }
    std::deque<job> left;
    {
        std::lock_guard lock(jobs_mu_);
        left.swap(jobs_);
    }
    for (auto& j : left) j.done(err::timeout("The schema registry is shutting down"));
}

std::optional<api_error> store::make_producer() {
    if (producer_) return std::nullopt;
    auto c = client::base_config(opts_.bootstrap);
    c.emplace_back("linger.ms", "0");
    c.emplace_back("message.timeout.ms", std::to_string(opts_.write_timeout_ms));
    // Connect now, not at the first send, so the producer id is there when a write comes.
    c.emplace_back("enable.sparse.connections", "false");
    auto made = client::producer::create(c);
    if (!made) return err::store("The schema registry cannot create its producer: " + made.err().message);
    producer_ = std::make_unique<client::producer>(std::move(*made));
    producer_->poll(0); // start connecting now
    return std::nullopt;
}

void store::warm_up() {
    // librdkafka's first send to a topic waits for the topic's metadata (half a second against
    // Brook). When _schemas exists, a NOOP record — what Confluent's store writes on start —
    // pays that before the first registration instead of during it.
    {
        std::unique_lock lock(progress_mu_);
        progress_cv_.wait(lock, [&] { return stopping_.load() || caught_up_; });
        if (stopping_ || !attached_ || !producer_) return;
    }
    client::record r;
    r.topic = opts_.topic;
    r.partition = 0;
    r.key = encode(noop_record{}).key;
    if (producer_->send(r)) producer_->flush(opts_.write_timeout_ms);
}

bool store::attached() const {
    std::lock_guard lock(progress_mu_);
    return attached_ && caught_up_;
}

bool store::attach() {
    auto admin = client::admin::create(client::base_config(opts_.bootstrap));
    if (!admin) return false;
    std::string why;
    auto present = topic_present(*admin, opts_.topic, why, admin_timeout_ms);
    if (!present) {
        spdlog::error("schema registry: cannot reach the broker to create {}: {}", opts_.topic, why);
        return false;
    }
    if (!*present) {
        int rf = opts_.replication_factor;
        if (auto c = admin->describe_cluster(admin_timeout_ms))
            rf = std::max(1, std::min<int>(rf, static_cast<int>(c->brokers.size())));
        auto s = admin->create_topic({opts_.topic, 1, rf, {{"cleanup.policy", "compact"}}}, admin_timeout_ms);
        const char* how = "compacted";
        if (!s && s.err().code == invalid_config) {
            // A broker without compaction (Brook today) refuses "compact": keep every record
            // forever instead, never a retention that would drop registered schemas.
            s = admin->create_topic({opts_.topic, 1, rf, {{"retention.ms", "-1"}, {"retention.bytes", "-1"}}},
                                    admin_timeout_ms);
            how = "kept forever: the broker refused cleanup.policy=compact";
        }
        if (!s && s.err().code != topic_exists) {
            spdlog::error("schema registry: cannot create {}: {}", opts_.topic, s.err().message);
            return false;
        }
        spdlog::info("schema registry: created topic {} (1 partition, {})", opts_.topic, how);
    }
    std::unique_lock lock(progress_mu_);
    if (!attached_) attach_requested_ = true;
    progress_cv_.notify_all();
    return progress_cv_.wait_for(lock, std::chrono::milliseconds(opts_.write_timeout_ms),
                                 [&] { return stopping_.load() || (attached_ && caught_up_); }) &&
           !stopping_;
}

write_result store::run(const job& j) {
    if (!ready()) return err::timeout("The schema registry is still loading " + opts_.topic);
    plan_outcome planned = read(j.plan);
    if (auto* e = std::get_if<api_error>(&planned)) return *e;
    if (std::get<plan>(planned).records.empty()) return std::move(std::get<plan>(planned).reply);
    if (!attached()) {
        if (!attach()) return err::store("The schema registry cannot write to " + opts_.topic + " (see the broker log)");
        // The first write attached the reader to a topic another registry may have written
        // meanwhile: plan again on the complete state.
        planned = read(j.plan);
        if (auto* e = std::get_if<api_error>(&planned)) return *e;
    }
    plan p = std::get<plan>(std::move(planned));
    if (p.records.empty()) return std::move(p.reply);

    if (auto e = make_producer()) return *e;
    // Only this job's reports count: one that timed out earlier may still report in this flush.
    std::vector<uint64_t> sent_ids;
    for (const auto& rec : p.records) {
        auto e = encode(rec);
        client::record r;
        r.topic = opts_.topic;
        r.partition = 0;
        r.key = std::move(e.key);
        r.value = std::move(e.value);
        auto sent = producer_->send(r);
        if (!sent) return err::store("Writing to " + opts_.topic + " failed: " + sent.err().message);
        sent_ids.push_back(*sent);
    }
    auto deliveries = producer_->flush(opts_.write_timeout_ms);
    if (producer_->in_flight() > 0) return err::timeout("Writing to " + opts_.topic + " timed out");
    int64_t last = -1;
    for (const auto& d : deliveries) {
        if (std::find(sent_ids.begin(), sent_ids.end(), d.id) == sent_ids.end()) continue;
        if (d.failed) return err::store("Writing to " + opts_.topic + " failed: " + d.failed->message);
        last = std::max(last, d.offset);
    }
    std::unique_lock lock(progress_mu_);
    if (!progress_cv_.wait_for(lock, std::chrono::milliseconds(opts_.write_timeout_ms),
                               [&] { return stopping_.load() || applied_ > last; }) ||
        applied_ <= last)
        return err::timeout("The record was written but not read back from " + opts_.topic + " in time");
    return std::move(p.reply);
}

} // namespace brook::registry
