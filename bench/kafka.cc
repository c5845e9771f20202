#include "kafka.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace brook::bench {
namespace {

rd_kafka_conf_t* base_conf(const std::string& bootstrap, const config_list& conf, std::string* error) {
  char errstr[512];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  config_list all = {{"bootstrap.servers", bootstrap}, {"log_level", "4"}, {"client.id", "brook-bench"}};
  all.insert(all.end(), conf.begin(), conf.end());
  for (const auto& [k, v] : all) {
    if (rd_kafka_conf_set(c, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      if (error) *error = fmt::format("config {}={}: {}", k, v, errstr);
      rd_kafka_conf_destroy(c);
      return nullptr;
    }
  }
  return c;
}

}  // namespace

kafka_handle make_producer(const std::string& bootstrap, const config_list& conf, dr_callback dr, void* state,
                           std::string* error) {
  rd_kafka_conf_t* c = base_conf(bootstrap, conf, error);
  if (c == nullptr) return nullptr;
  if (dr != nullptr) rd_kafka_conf_set_dr_msg_cb(c, dr);
  if (state != nullptr) rd_kafka_conf_set_opaque(c, state);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr);
  if (rk == nullptr) {
    if (error) *error = errstr;
    rd_kafka_conf_destroy(c);  // rd_kafka_new only takes ownership on success
  }
  return kafka_handle(rk);
}

kafka_handle make_consumer(const std::string& bootstrap, const config_list& conf, std::string* error) {
  // librdkafka's assign() needs a group.id, but nothing here joins, subscribes or commits.
  config_list all = {{"group.id", "brook-bench"}, {"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"},
                     {"enable.partition.eof", "false"}};
  all.insert(all.end(), conf.begin(), conf.end());
  rd_kafka_conf_t* c = base_conf(bootstrap, all, error);
  if (c == nullptr) return nullptr;
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof errstr);
  if (rk == nullptr) {
    if (error) *error = errstr;
    rd_kafka_conf_destroy(c);
    return nullptr;
  }
  // Route the main queue to the consumer queue so poll() serves everything in one place.
  rd_kafka_poll_set_consumer(rk);
  return kafka_handle(rk);
}

namespace {

// Partition count of topic as the broker reports it; -1 if unknown.
int partition_count(rd_kafka_t* rk, const std::string& topic) {
  topic_handle t(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 0, t.get(), &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
  int n = -1;
  if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) n = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  return n;
}

}  // namespace

std::string ensure_topic(const std::string& bootstrap, const std::string& topic, int partitions, bool try_create) {
  std::string err;
  kafka_handle rk = make_producer(bootstrap, {}, nullptr, nullptr, &err);
  if (!rk) return err;
  if (try_create) {
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, nullptr, 0);
    queue_handle q(rd_kafka_queue_new(rk.get()));
    rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(opts, 10000, nullptr, 0);
    rd_kafka_AdminOptions_set_operation_timeout(opts, 10000, nullptr, 0);
    rd_kafka_CreateTopics(rk.get(), &nt, 1, opts, q.get());
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q.get(), 15000);
    std::string create_error;
    if (ev == nullptr) {
      create_error = "CreateTopics: no answer";
    } else if (rd_kafka_event_error(ev)) {
      create_error = rd_kafka_event_error_string(ev);
    } else {
      size_t cnt = 0;
      const rd_kafka_topic_result_t** res = rd_kafka_CreateTopics_result_topics(
          rd_kafka_event_CreateTopics_result(ev), &cnt);
      for (size_t i = 0; i < cnt; ++i) {
        auto e = rd_kafka_topic_result_error(res[i]);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          create_error = rd_kafka_err2str(e);
        }
      }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_NewTopic_destroy(nt);
    if (!create_error.empty()) return fmt::format("create topic {}: {}", topic, create_error);
  }
  // Metadata may lag the create by a moment; wait until the topic shows all its partitions.
  int n = -1;
  for (int attempt = 0; attempt < 50; ++attempt) {
    n = partition_count(rk.get(), topic);
    // More partitions than needed is fine: workloads address partitions 0..partitions-1 explicitly.
    if (n >= partitions) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return fmt::format("topic {} has {} partitions, want {}", topic, n, partitions);
}

int64_t high_watermark(rd_kafka_t* rk, const std::string& topic, int partition) {
  int64_t lo = -1, hi = -1;
  if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &lo, &hi, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return -1;
  }
  return hi;
}

}  // namespace brook::bench
