#pragma once
// Thin RAII layer over the librdkafka C API for the bench: handles that destroy themselves, a
// config list applied in order, and topic set-up that works against brokers with CreateTopics
// (Brook, Kafka) and without (the librdkafka mock, which auto-creates topics instead).
// Handles are used from the thread that made them, except where librdkafka documents otherwise.
#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace brook::bench {

using config_list = std::vector<std::pair<std::string, std::string>>;

struct kafka_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using kafka_handle = std::unique_ptr<rd_kafka_t, kafka_deleter>;

struct topic_deleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
using topic_handle = std::unique_ptr<rd_kafka_topic_t, topic_deleter>;

struct queue_deleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
using queue_handle = std::unique_ptr<rd_kafka_queue_t, queue_deleter>;

// Delivery-report callback signature (rd_kafka_conf_set_dr_msg_cb); opaque is the `state` below.
using dr_callback = void (*)(rd_kafka_t*, const rd_kafka_message_t*, void*);

// A producer on bootstrap with conf applied after the bench defaults. dr/state may be null.
kafka_handle make_producer(const std::string& bootstrap, const config_list& conf, dr_callback dr, void* state,
                           std::string* error);
// A consumer for assign()-only use: no subscribe, no commits (Brook has no groups yet).
kafka_handle make_consumer(const std::string& bootstrap, const config_list& conf, std::string* error);

// Makes sure `topic` exists with `partitions`: CreateTopics when the broker serves it, otherwise
// relies on topics made in advance (the mock peer's --topic). Returns "" or an error message.
std::string ensure_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                         bool try_create);

// High watermark of topic/partition, or -1 on error.
int64_t high_watermark(rd_kafka_t* rk, const std::string& topic, int partition);

}  // namespace brook::bench
