#pragma once
// Owning handles for librdkafka objects (unique_ptr with the matching destroy function) and the
// one place a client::config becomes an rd_kafka_t. Used by the client library only; the
// producer/consumer/admin types are what other components call.
// librdkafka's rd_kafka_t is thread-safe; the wrappers built on it are not (see each type).
#include <librdkafka/rdkafka.h>

#include <memory>

#include "client/config.h"
#include "client/error.h"

namespace brook::client {

struct kafka_deleter { void operator()(rd_kafka_t* p) const { rd_kafka_destroy(p); } };
struct queue_deleter { void operator()(rd_kafka_queue_t* p) const { rd_kafka_queue_destroy(p); } };
struct event_deleter { void operator()(rd_kafka_event_t* p) const { rd_kafka_event_destroy(p); } };
struct message_deleter { void operator()(rd_kafka_message_t* p) const { rd_kafka_message_destroy(p); } };
struct tpl_deleter { void operator()(rd_kafka_topic_partition_list_t* p) const { rd_kafka_topic_partition_list_destroy(p); } };
struct options_deleter { void operator()(rd_kafka_AdminOptions_t* p) const { rd_kafka_AdminOptions_destroy(p); } };
struct conf_deleter { void operator()(rd_kafka_conf_t* p) const { rd_kafka_conf_destroy(p); } };
struct metadata_deleter { void operator()(const rd_kafka_metadata_t* p) const { rd_kafka_metadata_destroy(p); } };

using kafka_handle = std::unique_ptr<rd_kafka_t, kafka_deleter>;
using queue_handle = std::unique_ptr<rd_kafka_queue_t, queue_deleter>;
using event_handle = std::unique_ptr<rd_kafka_event_t, event_deleter>;
using message_handle = std::unique_ptr<rd_kafka_message_t, message_deleter>;
using tpl_handle = std::unique_ptr<rd_kafka_topic_partition_list_t, tpl_deleter>;
using options_handle = std::unique_ptr<rd_kafka_AdminOptions_t, options_deleter>;
using conf_handle = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;
using metadata_handle = std::unique_ptr<const rd_kafka_metadata_t, metadata_deleter>;

// Applies cfg in order to a fresh rd_kafka_conf_t; a bad key or value is an error naming it.
outcome<conf_handle> make_conf(const config& cfg);
// rd_kafka_new with conf (consumed even on failure).
outcome<kafka_handle> make_kafka(rd_kafka_type_t type, conf_handle conf);

// Error values from librdkafka's two error shapes (a response code, an rd_kafka_error_t).
error make_error(rd_kafka_resp_err_t code, std::string message = {});
error make_error(const rd_kafka_error_t* e);

// Asks the cluster for metadata of all topics. Unreachable brokers come back as an error with
// `unreachable` set after at most timeout_ms, never a hang.
outcome<metadata_handle> fetch_metadata(rd_kafka_t* rk, int timeout_ms);

} // namespace brook::client
