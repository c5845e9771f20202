#include "client/consumer.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace brook::client {

namespace {
config consumer_config(const config& cfg) {
    config all = {{"enable.partition.eof", "true"}, {"auto.offset.reset", "earliest"}};
    all.insert(all.end(), cfg.begin(), cfg.end());
    // librdkafka's assign() needs a group handle even when no group is joined. Without a
    // group.id we give it a private one and never commit, so no group appears on the broker.
    if (std::ranges::none_of(cfg, [](const auto& kv) { return kv.first == "group.id"; })) {
        all.emplace_back("group.id", "brook-client-assign-only");
        all.emplace_back("enable.auto.commit", "false");
        all.emplace_back("enable.auto.offset.store", "false");
    }
    return all;
}
} // namespace

// What the rebalance callback needs (librdkafka's opaque points here, so it does not move with
// the consumer) and the priority lane: the partitions of priority_topic forward their fetch
// queues to `priority` instead of the consumer queue. Both queues write a byte to `wake` when
// they turn non-empty, so poll() can wait for either.
struct consumer::group_hooks {
    rebalance_handler on_rebalance;
    std::string priority_topic;
    queue_handle priority;
    std::array<int, 2> wake{-1, -1}; // a non-blocking pipe: [0] read, [1] written by librdkafka

    ~group_hooks() {
        for (int fd : wake)
            if (fd >= 0) ::close(fd);
    }
    void drain_wake() const {
        std::array<char, 256> buf;
        while (::read(wake[0], buf.data(), buf.size()) > 0) {}
    }
};

consumer::consumer(kafka_handle rk, std::unique_ptr<group_hooks> h) : hooks_(std::move(h)), rk_(std::move(rk)) {}
consumer::consumer(consumer&&) noexcept = default;
consumer& consumer::operator=(consumer&&) noexcept = default;

outcome<consumer> consumer::create(const config& cfg) {
    auto conf = make_conf(consumer_config(cfg));
    if (!conf) return conf.err();
    auto rk = make_kafka(RD_KAFKA_CONSUMER, std::move(*conf));
    if (!rk) return rk.err();
    // One queue for records and group events, served by poll().
    rd_kafka_poll_set_consumer(rk->get());
    return consumer(std::move(*rk));
}

outcome<consumer> consumer::create(const config& cfg, rebalance_handler on_rebalance, std::string priority_topic) {
    auto conf = make_conf(consumer_config(cfg));
    if (!conf) return conf.err();
    auto h = std::make_unique<group_hooks>();
    h->on_rebalance = std::move(on_rebalance);
    rd_kafka_conf_set_opaque(conf->get(), h.get());
    rd_kafka_conf_set_rebalance_cb(conf->get(), &consumer::on_rebalance);
    auto rk = make_kafka(RD_KAFKA_CONSUMER, std::move(*conf));
    if (!rk) return rk.err();
    rd_kafka_poll_set_consumer(rk->get());
    if (!priority_topic.empty()) {
        if (::pipe2(h->wake.data(), O_NONBLOCK | O_CLOEXEC) != 0)
            return error{RD_KAFKA_RESP_ERR__FAIL, std::string("consumer wake-up pipe: ") + std::strerror(errno)};
        h->priority_topic = std::move(priority_topic);
        h->priority.reset(rd_kafka_queue_new(rk->get()));
        static constexpr char byte = 1;
        rd_kafka_queue_io_event_enable(h->priority.get(), h->wake[1], &byte, 1);
        queue_handle main{rd_kafka_queue_get_consumer(rk->get())};
        rd_kafka_queue_io_event_enable(main.get(), h->wake[1], &byte, 1);
    }
    return consumer(std::move(*rk), std::move(h));
}

void consumer::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque) {
    auto& h = *static_cast<group_hooks*>(opaque);
    const bool assigned = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
    std::vector<partition_offset> list;
    for (int i = 0; i < parts->cnt; ++i) list.push_back({{parts->elems[i].topic, parts->elems[i].partition}, offset_stored});
    h.on_rebalance(assigned, list);
    if (!assigned) {
        rd_kafka_assign(rk, nullptr);
        return;
    }
    // Before the assignment starts fetching: a partition's records then all go one way (its
    // fetch queue keeps this forwarding across later assignments).
    if (h.priority)
        for (const auto& p : list)
            if (p.tp.topic == h.priority_topic) {
                queue_handle q{rd_kafka_queue_get_partition(rk, p.tp.topic.c_str(), p.tp.partition)};
                if (q) rd_kafka_queue_forward(q.get(), h.priority.get());
            }
    tpl_handle chosen{rd_kafka_topic_partition_list_new(parts->cnt)};
    for (const auto& p : list)
        rd_kafka_topic_partition_list_add(chosen.get(), p.tp.topic.c_str(), p.tp.partition)->offset =
            p.offset == offset_stored ? RD_KAFKA_OFFSET_INVALID : p.offset;
    rd_kafka_assign(rk, chosen.get());
}

outcome<std::vector<topic_partition>> consumer::assignment() const {
    rd_kafka_topic_partition_list_t* raw = nullptr;
    if (auto rc = rd_kafka_assignment(rk_.get(), &raw)) return make_error(rc);
    tpl_handle list{raw};
    std::vector<topic_partition> out;
    for (int i = 0; i < list->cnt; ++i) out.push_back({list->elems[i].topic, list->elems[i].partition});
    return out;
}

consumer::~consumer() {
    if (rk_ && !closed_) (void)close();
}

status consumer::assign(const std::vector<partition_offset>& partitions) {
    tpl_handle list{rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()))};
    for (const auto& p : partitions)
        rd_kafka_topic_partition_list_add(list.get(), p.tp.topic.c_str(), p.tp.partition)->offset = p.offset;
    if (auto rc = rd_kafka_assign(rk_.get(), list.get())) return make_error(rc);
    return ok{};
}

status consumer::subscribe(const std::vector<std::string>& topics) {
    tpl_handle list{rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()))};
    for (const auto& t : topics) rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto rc = rd_kafka_subscribe(rk_.get(), list.get())) return make_error(rc);
    return ok{};
}

namespace {
std::optional<std::string> bytes(const void* p, size_t n) {
    if (!p) return std::nullopt;
    return std::string(static_cast<const char*>(p), n);
}
} // namespace

namespace {
outcome<poll_event> to_event(message_handle m) {
    if (!m) return poll_event{};
    const char* topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
        return poll_event{partition_end{{topic, m->partition}, m->offset}};
    if (m->err) return make_error(m->err, rd_kafka_message_errstr(m.get()));
    record r;
    r.topic = topic;
    r.partition = m->partition;
    r.offset = m->offset;
    r.timestamp_ms = rd_kafka_message_timestamp(m.get(), nullptr);
    r.key = bytes(m->key, m->key_len);
    r.value = bytes(m->payload, m->len);
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m.get(), &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* val;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
            r.headers.push_back({name, bytes(val, size)});
    }
    return poll_event{std::move(r)};
}
} // namespace

outcome<poll_event> consumer::poll(int timeout_ms) {
    if (hooks_ && hooks_->priority) return poll_priority(timeout_ms);
    return to_event(message_handle{rd_kafka_consumer_poll(rk_.get(), timeout_ms)});
}

// The priority queue first, then the consumer queue (which also serves rebalances); when both
// are empty, wait on the pipe either writes to when it turns non-empty. After 64 priority
// records in a row the consumer queue is looked at once, so a long priority backlog does not
// hold rebalances back.
outcome<poll_event> consumer::poll_priority(int timeout_ms) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
    rd_kafka_queue_t* priority = hooks_->priority.get();
    for (;;) {
        if (priority_run_ < 64)
            if (message_handle m{rd_kafka_consume_queue(priority, 0)}) {
                ++priority_run_;
                return to_event(std::move(m));
            }
        priority_run_ = 0;
        if (message_handle m{rd_kafka_consumer_poll(rk_.get(), 0)}) return to_event(std::move(m));
        if (message_handle m{rd_kafka_consume_queue(priority, 0)}) return to_event(std::move(m));
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
        if (left <= 0) return poll_event{};
        // Both looked empty. Drain the pipe, then look once more: what arrived in between wrote
        // the byte just drained.
        hooks_->drain_wake();
        if (message_handle m{rd_kafka_consume_queue(priority, 0)}) return to_event(std::move(m));
        if (message_handle m{rd_kafka_consumer_poll(rk_.get(), 0)}) return to_event(std::move(m));
        pollfd p{hooks_->wake[0], POLLIN, 0};
        (void)::poll(&p, 1, static_cast<int>(left));
    }
}

status consumer::commit() {
    auto rc = rd_kafka_commit(rk_.get(), nullptr, 0);
    // Nothing consumed since the last commit is not a failure.
    if (rc && rc != RD_KAFKA_RESP_ERR__NO_OFFSET) return make_error(rc);
    return ok{};
}

status consumer::close() {
    closed_ = true;
    auto rc = rd_kafka_consumer_close(rk_.get());
    if (hooks_ && hooks_->priority) {
        // Nothing may write to the pipe once it is closed, and the queue goes before the handle.
        queue_handle main{rd_kafka_queue_get_consumer(rk_.get())};
        if (main) rd_kafka_queue_io_event_enable(main.get(), -1, nullptr, 0);
        rd_kafka_queue_io_event_enable(hooks_->priority.get(), -1, nullptr, 0);
        hooks_->priority.reset();
    }
    // Without group.id there is no group to leave: librdkafka says UNKNOWN_GROUP, which is fine.
    if (rc && rc != RD_KAFKA_RESP_ERR__UNKNOWN_GROUP) return make_error(rc);
    return ok{};
}

outcome<client::group_metadata> consumer::txn_group_metadata() const {
    std::unique_ptr<rd_kafka_consumer_group_metadata_t, decltype(&rd_kafka_consumer_group_metadata_destroy)> md{
        rd_kafka_consumer_group_metadata(rk_.get()), &rd_kafka_consumer_group_metadata_destroy};
    if (!md) return error{RD_KAFKA_RESP_ERR__INVALID_ARG, "consumer has no group metadata (no group.id)"};
    void* buf = nullptr;
    size_t size = 0;
    if (rd_kafka_error_t* e = rd_kafka_consumer_group_metadata_write(md.get(), &buf, &size)) {
        error out = make_error(e);
        rd_kafka_error_destroy(e);
        return out;
    }
    client::group_metadata g{std::string(static_cast<const char*>(buf), size)};
    rd_kafka_mem_free(rk_.get(), buf);
    return g;
}

outcome<std::vector<partition_offset>> consumer::positions() const {
    rd_kafka_topic_partition_list_t* raw = nullptr;
    if (auto rc = rd_kafka_assignment(rk_.get(), &raw)) return make_error(rc);
    tpl_handle list{raw};
    if (auto rc = rd_kafka_position(rk_.get(), list.get())) return make_error(rc);
    std::vector<partition_offset> out;
    for (int i = 0; i < list->cnt; ++i) {
        const auto& p = list->elems[i];
        if (p.offset < 0) continue; // RD_KAFKA_OFFSET_INVALID: nothing consumed there yet
        out.push_back({{p.topic, p.partition}, p.offset});
    }
    return out;
}

outcome<std::vector<committed_offset>> consumer::committed(const std::vector<topic_partition>& partitions, int timeout_ms) const {
    tpl_handle list{rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()))};
    for (const auto& tp : partitions) rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
    if (auto rc = rd_kafka_committed(rk_.get(), list.get(), timeout_ms)) return make_error(rc);
    std::vector<committed_offset> out;
    for (int i = 0; i < list->cnt; ++i) {
        const auto& p = list->elems[i];
        if (p.err) return make_error(p.err, std::string("committed offset of ") + p.topic + "/" + std::to_string(p.partition));
        committed_offset po{{p.topic, p.partition}, p.offset, {}};
        if (p.metadata && p.metadata_size > 0) po.metadata.assign(static_cast<const char*>(p.metadata), p.metadata_size);
        out.push_back(std::move(po));
    }
    return out;
}

} // namespace brook::client
