#pragma once
// The broker's typed configuration, declared once.
//
// Every property is declared in one table (broker_config.cc) with its name (Kafka's
// property name where Kafka has one), default, bounds, doc and whether it may change
// live. `brook serve --help`, docs and (later) DescribeConfigs are generated from that
// table. Precedence: defaults < YAML file (--config) < --set key=value < BROOK_* env
// (BROOK_LOG_SEGMENT_BYTES sets log.segment.bytes).
//
// A broker_config is a plain value: built once at start-up, then copied to each shard,
// so the hot path never reads shared mutable configuration.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace brook::config {

struct broker_config {
    std::string data_dir = "./brook-data";
    std::string kafka_addr = "0.0.0.0:9092";
    std::string advertise_addr;           // empty: kafka_addr with 0.0.0.0 shown as localhost
    std::string admin_addr = "0.0.0.0:9644";
    bool admin_fault_injection_enable = false; // /v1/faults answers 403 unless set
    std::string schema_registry_addr = "0.0.0.0:8081";
    bool schema_registry_enable = true;
    int32_t schema_registry_max_request_bytes = 16 * 1024 * 1024;
    int32_t smp = 0;                      // 0: one shard per core
    std::string log_level = "info";
    std::string log_format = "text";      // text or json (checked by `brook serve`)
    // OpenTelemetry metrics export (OTLP/HTTP JSON); empty endpoint = off.
    std::string otel_exporter_otlp_endpoint;
    int64_t otel_metric_export_interval = 60000; // ms, the OTel SDK default
    std::string otel_service_name = "brook";

    int32_t node_id = 0;
    bool auto_create_topics_enable = true;
    int32_t num_partitions = 1;
    // Partition bounds (docs/architecture.md, "Partitions and descriptors"): each partition holds
    // one descriptor (its active segment's .log), so the broker total is what bounds them.
    int32_t create_topics_max_partitions = 10000; // per CreateTopics request, all its topics together
    int32_t max_broker_partitions = 10000;        // KIP-578's name
    int32_t log_fd_cache_size = 1000;             // per shard: sealed segments' .log descriptors
    int32_t socket_request_max_bytes = 100 * 1024 * 1024;
    // Request bytes (frames and what they decode to) held by the broker at once; Kafka's
    // default is -1 (none). 128 MiB admits one largest frame and bounds the broker's memory.
    int64_t queued_max_request_bytes = 128LL << 20;
    int32_t max_connections = INT32_MAX;        // further capped at half of RLIMIT_NOFILE
    int32_t max_connections_per_ip = INT32_MAX;
    int32_t message_max_bytes = 1048588;
    int64_t log_segment_bytes = 1LL << 30;
    int64_t log_roll_ms = 7LL * 24 * 3600 * 1000;
    int64_t log_retention_ms = 7LL * 24 * 3600 * 1000;
    int64_t log_retention_bytes = -1;
    int32_t log_index_interval_bytes = 4096;
    int64_t log_retention_check_interval_ms = 5 * 60 * 1000;
    int64_t storage_min_free_bytes = 256LL << 20;
    int64_t storage_free_space_check_interval_ms = 1000;
    std::string log_message_timestamp_type = "CreateTime";
    int32_t max_inflight_requests_per_connection = 128;
    int32_t group_commit_delay_us = 1000;
    int32_t log_flush_interval_ms = 5; // longest acks=0/1 data waits for its fdatasync (and consumers for it)
    int32_t group_initial_rebalance_delay_ms = 250;
    int32_t group_min_session_timeout_ms = 6000;
    int32_t group_max_session_timeout_ms = 1800000;
    int32_t group_rebalance_storm_threshold = 20; // rebalances of one group within 5 minutes; 0 = off
    int64_t offsets_retention_minutes = 7 * 24 * 60;
    // segment.bytes of the internal topics at creation (Kafka's names and defaults, 100 MiB).
    int64_t offsets_topic_segment_bytes = 100LL << 20;
    int32_t fetch_max_bytes = 57671680;   // 55 MiB, Kafka's default
    int32_t fetch_max_wait_ms_cap = 30000; // longest a fetch may park, whatever it asks
    // Client quota rate sensors (KIP-13): quota.window.num windows of quota.window.size.seconds.
    int32_t quota_window_num = 11;
    int32_t quota_window_size_seconds = 1;
    int32_t transaction_max_timeout_ms = 900000;
    int64_t transactional_id_expiration_ms = 7LL * 24 * 3600 * 1000;
    int64_t producer_id_expiration_ms = 24LL * 3600 * 1000;
    int64_t transaction_state_log_segment_bytes = 100LL << 20;
    // The log cleaner (cleanup.policy=compact), Kafka's names and defaults.
    bool log_cleaner_enable = true;
    int32_t log_cleaner_threads = 1;
    int64_t log_cleaner_dedupe_buffer_size = 128LL << 20;
    int64_t log_cleaner_backoff_ms = 15000;
    int64_t log_cleaner_io_max_bytes_per_second = INT64_MAX;
    int64_t log_cleaner_delete_retention_ms = 24LL * 3600 * 1000;
    int64_t log_cleaner_min_compaction_lag_ms = 0;
    int64_t log_cleaner_max_compaction_lag_ms = INT64_MAX;

    // Produce kill switch per client: comma-separated client ids whose produce requests are
    // refused (POLICY_VIOLATION); live, usually set with AlterConfigs.
    std::string brook_produce_blocked_client_ids;

    // Names set by the YAML file, --set or BROOK_* (set_property records them): these are
    // the STATIC_BROKER_CONFIG entries DescribeConfigs reports; the rest are defaults.
    std::set<std::string, std::less<>> set_explicitly;
};

enum class property_type { string, boolean, int32, int64 };

struct property {
    const char* name;
    property_type type;
    const char* doc;
    bool live; // may change without a restart: AlterConfigs on the broker resource (dynamic config)
    int64_t min = INT64_MIN;
    int64_t max = INT64_MAX;
    std::function<std::string&(broker_config&)> str_field = nullptr;
    std::function<bool&(broker_config&)> bool_field = nullptr;
    std::function<int32_t&(broker_config&)> i32_field = nullptr;
    std::function<int64_t&(broker_config&)> i64_field = nullptr;
    bool is_list = false; // a string holding a comma-separated list (Kafka's LIST type)
};

std::span<const property> properties();
const property* find_property(std::string_view name);

// Sets `name` from its text form; returns an error message that says what to fix.
std::optional<std::string> set_property(broker_config& cfg, std::string_view name, std::string_view value);
std::string get_property(const broker_config& cfg, const property& p);

// Applies a YAML file (flat map of property names, or nested maps joined with '.').
std::optional<std::string> apply_yaml_file(broker_config& cfg, const std::string& path);
// Applies BROOK_* variables from `environ`.
std::optional<std::string> apply_environment(broker_config& cfg, char** environ);
// The OpenTelemetry SDK variables OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_METRIC_EXPORT_INTERVAL and
// OTEL_SERVICE_NAME, onto the otel.* properties. `brook serve` applies them before the BROOK_*
// variables, so BROOK_OTEL_* (and flags) win over them.
std::optional<std::string> apply_otel_environment(broker_config& cfg, char** environ);

// Kafka's rule for topic names: 1..249 characters of [a-zA-Z0-9._-], not "." or "..".
bool is_valid_topic_name(std::string_view name);
// Whether two distinct names collide once '.' and '_' are taken as one character (Kafka's
// metric names cannot tell them apart): Kafka refuses to create the second of such a pair.
bool topic_names_collide(std::string_view a, std::string_view b);

// Kafka's ConfigType codes (DescribeConfigs v3+).
enum class config_type : int8_t { boolean = 1, string = 2, int32 = 3, int64 = 5, float64 = 6, list = 7 };
config_type type_of(const property& p);

// Per-topic configuration keys: every topic config Kafka documents, plus Brook's own
// (brook.*). CreateTopics, AlterConfigs and DescribeConfigs all read this one table.
// `broker_default` is the value a topic that does not set the key gets (from the broker
// property `broker_synonym` where Brook has one, else Kafka's default). `applied` is false
// for keys Brook stores and describes but that have no effect on one node (docs/configs.md).
struct topic_property {
    const char* name;
    std::function<std::string(const broker_config&)> broker_default;
    std::function<bool(std::string_view)> valid;
    const char* doc = "";
    const char* expected = nullptr;       // what a valid value looks like, for error messages
    const char* broker_synonym = nullptr; // Kafka's broker-level name of the same setting
    config_type type = config_type::string;
    bool applied = true;
};
std::span<const topic_property> topic_properties();
// cleanup.policy: a comma-separated list of "delete" and "compact" (spaces around items
// allowed, as Kafka's list type); nullopt when empty or with anything else.
struct cleanup_policy {
    bool del = true;
    bool compact = false;
};
std::optional<cleanup_policy> parse_cleanup_policy(std::string_view v);
// min.cleanable.dirty.ratio: a decimal in [0, 1].
std::optional<double> parse_ratio(std::string_view v);

const topic_property* find_topic_property(std::string_view name);
// nullopt when `value` is valid for topic config `name`; else a message that names the key
// and says what a valid value looks like (unknown keys included).
std::optional<std::string> validate_topic_config(std::string_view name, std::string_view value);

} // namespace brook::config
