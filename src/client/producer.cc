#include "client/producer.h"

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace brook::client {

outcome<producer> producer::create(const config& cfg) {
    config all = {{"enable.idempotence", "true"}, {"acks", "all"}, {"linger.ms", "5"}};
    all.insert(all.end(), cfg.begin(), cfg.end());
    auto conf = make_conf(all);
    if (!conf) return conf.err();
    auto r = std::make_unique<reports>();
    rd_kafka_conf_set_opaque(conf->get(), r.get());
    rd_kafka_conf_set_dr_msg_cb(conf->get(), &producer::on_delivery);
    auto rk = make_kafka(RD_KAFKA_PRODUCER, std::move(*conf));
    if (!rk) return rk.err();
    return producer(std::move(r), std::move(*rk));
}

producer::~producer() {
    if (!stuck_) return;
    // A helper thread may still be inside librdkafka with this handle: leave both to the process's exit.
    (void)rk_.release();
    (void)reports_.release();
}

void producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* r = static_cast<reports*>(opaque);
    delivery d;
    d.id = reinterpret_cast<uintptr_t>(m->_private);
    d.topic = rd_kafka_topic_name(m->rkt);
    d.partition = m->partition;
    if (m->err) {
        d.failed = make_error(m->err);
    } else {
        d.offset = m->offset;
    }
    r->ready.push_back(std::move(d));
}

outcome<uint64_t> producer::send(const record& r) {
    const uint64_t id = next_id_++;
    // librdkafka's V_ macros cast their arguments without parentheses: compute them first.
    void* key = r.key ? const_cast<char*>(r.key->data()) : nullptr;
    const size_t key_len = r.key ? r.key->size() : 0;
    void* value = r.value ? const_cast<char*>(r.value->data()) : nullptr;
    const size_t value_len = r.value ? r.value->size() : 0;
    const int64_t ts = r.timestamp_ms < 0 ? 0 : r.timestamp_ms;
    void* opaque = reinterpret_cast<void*>(static_cast<uintptr_t>(id));
    for (;;) {
        rd_kafka_headers_t* hdrs = nullptr;
        if (!r.headers.empty()) {
            hdrs = rd_kafka_headers_new(r.headers.size());
            for (const auto& h : r.headers)
                rd_kafka_header_add(hdrs, h.key.data(), static_cast<ssize_t>(h.key.size()),
                                    h.value ? h.value->data() : nullptr,
                                    h.value ? static_cast<ssize_t>(h.value->size()) : 0);
        }
        auto rc = rd_kafka_producev(
            rk_.get(), RD_KAFKA_V_TOPIC(r.topic.c_str()), RD_KAFKA_V_PARTITION(r.partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(value, value_len), RD_KAFKA_V_TIMESTAMP(ts),
            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(opaque),
            RD_KAFKA_V_END);
        if (rc == RD_KAFKA_RESP_ERR_NO_ERROR) return id; // librdkafka owns hdrs now
        if (hdrs) rd_kafka_headers_destroy(hdrs);
        if (rc != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            std::string msg = rd_kafka_err2str(rc);
            if (rc == RD_KAFKA_RESP_ERR__FATAL) {
                std::array<char, 512> buf{};
                rd_kafka_fatal_error(rk_.get(), buf.data(), buf.size());
                msg = buf.data();
            }
            return make_error(rc, msg);
        }
        // Back-pressure: serve reports so the queue drains, then try again.
        rd_kafka_poll(rk_.get(), 100);
    }
}

std::vector<delivery> producer::take() {
    std::vector<delivery> out;
    out.swap(reports_->ready);
    return out;
}

std::vector<delivery> producer::poll(int timeout_ms) {
    rd_kafka_poll(rk_.get(), timeout_ms);
    return take();
}

std::vector<delivery> producer::flush(int timeout_ms) {
    rd_kafka_flush(rk_.get(), timeout_ms);
    return take();
}

int producer::in_flight() const { return rd_kafka_outq_len(rk_.get()); }

status producer::prepare_topics(const std::vector<std::string>& topics, int timeout_ms) {
    for (const auto& t : topics) {
        std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> rkt{
            rd_kafka_topic_new(rk_.get(), t.c_str(), nullptr), &rd_kafka_topic_destroy};
        if (!rkt) return make_error(rd_kafka_last_error(), "topic " + t);
        const rd_kafka_metadata_t* md = nullptr;
        if (auto rc = rd_kafka_metadata(rk_.get(), 0, rkt.get(), &md, timeout_ms)) return make_error(rc, "metadata of " + t + ": " + rd_kafka_err2str(rc));
        metadata_handle owned{md};
        if (md->topic_cnt != 1 || md->topics[0].err)
            return make_error(md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "topic " + t);
    }
    return ok{};
}

namespace {
// Turns librdkafka's transactional error object into a value and frees it.
status txn_status(rd_kafka_error_t* e) {
    if (!e) return ok{};
    error out = make_error(e);
    rd_kafka_error_destroy(e);
    return out;
}
} // namespace

status producer::init_transactions(int timeout_ms) {
    return txn_status(rd_kafka_init_transactions(rk_.get(), timeout_ms));
}

status producer::begin_transaction() { return txn_status(rd_kafka_begin_transaction(rk_.get())); }

status producer::send_offsets_to_transaction(const std::vector<partition_offset>& offsets,
                                             const group_metadata& group, int timeout_ms, const std::string& metadata) {
    rd_kafka_consumer_group_metadata_t* raw = nullptr;
    if (rd_kafka_error_t* e = rd_kafka_consumer_group_metadata_read(&raw, group.bytes.data(), group.bytes.size()))
        return txn_status(e);
    std::unique_ptr<rd_kafka_consumer_group_metadata_t, decltype(&rd_kafka_consumer_group_metadata_destroy)> md{
        raw, &rd_kafka_consumer_group_metadata_destroy};
    tpl_handle list{rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()))};
    for (const auto& p : offsets) {
        auto* e = rd_kafka_topic_partition_list_add(list.get(), p.tp.topic.c_str(), p.tp.partition);
        e->offset = p.offset;
        // librdkafka frees metadata with the list, so it gets its own copy.
        if (!metadata.empty()) {
            e->metadata = rd_kafka_mem_malloc(nullptr, metadata.size());
            std::memcpy(e->metadata, metadata.data(), metadata.size());
            e->metadata_size = metadata.size();
        }
    }
    struct call {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        rd_kafka_error_t* err = nullptr;
        tpl_handle list;
        std::unique_ptr<rd_kafka_consumer_group_metadata_t, decltype(&rd_kafka_consumer_group_metadata_destroy)> md{
            nullptr, &rd_kafka_consumer_group_metadata_destroy};
    };
    auto c = std::make_shared<call>();
    c->list = std::move(list);
    c->md = std::move(md);
    std::thread([c, rk = rk_.get(), timeout_ms] {
        rd_kafka_error_t* e = rd_kafka_send_offsets_to_transaction(rk, c->list.get(), c->md.get(), timeout_ms);
        std::lock_guard lock(c->m);
        c->err = e;
        c->done = true;
        c->cv.notify_all();
    }).detach();
    std::unique_lock lock(c->m);
    if (!c->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms + 1000), [&] { return c->done; })) {
        stuck_ = true;
        return error{RD_KAFKA_RESP_ERR__TIMED_OUT,
                     "no answer within " + std::to_string(timeout_ms / 1000 + 1) + " s (the transaction or group coordinator is unreachable)"};
    }
    rd_kafka_error_t* e = c->err;
    c->err = nullptr;
    return txn_status(e);
}

status producer::commit_transaction(int timeout_ms) {
    return txn_status(rd_kafka_commit_transaction(rk_.get(), timeout_ms));
}

status producer::abort_transaction(int timeout_ms) {
    return txn_status(rd_kafka_abort_transaction(rk_.get(), timeout_ms));
}

} // namespace brook::client
