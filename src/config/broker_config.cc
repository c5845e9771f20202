#include "config/broker_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace brook::config {
namespace {

// Each macro fills the four accessor slots of `property` (string, bool, int32, int64).
#define STR(field) [](broker_config& c) -> std::string& { return c.field; }, nullptr, nullptr, nullptr
#define BOOL(field) nullptr, [](broker_config& c) -> bool& { return c.field; }, nullptr, nullptr
#define I32(field) nullptr, nullptr, [](broker_config& c) -> int32_t& { return c.field; }, nullptr
#define I64(field) nullptr, nullptr, nullptr, [](broker_config& c) -> int64_t& { return c.field; }

const std::vector<property>& table() {
    static const std::vector<property> t = {
        {"data.dir", property_type::string, "Directory holding topics, segments and metadata", false, 0, 0, STR(data_dir)},
        {"kafka.addr", property_type::string, "Kafka listener HOST:PORT", false, 0, 0, STR(kafka_addr)},
        {"advertise.addr", property_type::string, "HOST:PORT given to clients in Metadata (default: listener, 0.0.0.0 as localhost)", false, 0, 0, STR(advertise_addr)},
        {"admin.addr", property_type::string, "Admin API HOST:PORT: /v1/health, /v1/ready and Prometheus /metrics over HTTP", false, 0, 0, STR(admin_addr)},
        {"admin.fault.injection.enable", property_type::boolean, "Serve /v1/faults on the admin API: make chosen Kafka requests fail with a chosen error code, for testing clients (false: 403)", false, 0, 0, BOOL(admin_fault_injection_enable)},
        {"schema.registry.addr", property_type::string, "Schema registry HOST:PORT: the Confluent Schema Registry REST API, state in the _schemas topic", false, 0, 0, STR(schema_registry_addr)},
        {"schema.registry.enable", property_type::boolean, "Serve the schema registry (false: no listener, no _schemas clients)", false, 0, 0, BOOL(schema_registry_enable)},
        {"schema.registry.max.request.bytes", property_type::int32, "Largest schema registry request body; larger ones are answered 413", false, 1024, INT32_MAX, I32(schema_registry_max_request_bytes)},
        {"otel.exporter.otlp.endpoint", property_type::string, "OTLP/HTTP collector base URL (http://HOST:PORT); metrics are POSTed as JSON to its /v1/metrics. Empty = no export (env OTEL_EXPORTER_OTLP_ENDPOINT)", false, 0, 0, STR(otel_exporter_otlp_endpoint)},
        {"otel.metric.export.interval", property_type::int64, "Milliseconds between OTLP metric exports (env OTEL_METRIC_EXPORT_INTERVAL)", false, 100, 24LL * 3600 * 1000, I64(otel_metric_export_interval)},
        {"otel.service.name", property_type::string, "service.name resource attribute of exported telemetry (env OTEL_SERVICE_NAME)", false, 0, 0, STR(otel_service_name)},
        {"smp", property_type::int32, "Shards (threads); 0 = one per core", false, 0, 256, I32(smp)},
        {"log.level", property_type::string, "trace, debug, info, warn, error", false, 0, 0, STR(log_level)},
        {"log.format", property_type::string, "text, or json: one object per line with ts (UTC), level, logger, component, thread, msg, fields", false, 0, 0, STR(log_format)},
        {"node.id", property_type::int32, "This broker's node id", false, 0, INT32_MAX, I32(node_id)},
        {"auto.create.topics.enable", property_type::boolean, "Create unknown topics on Metadata/Produce", false, 0, 0, BOOL(auto_create_topics_enable)},
        {"num.partitions", property_type::int32, "Partitions of an auto-created topic", false, 1, 100000, I32(num_partitions)},
        {"create.topics.max.partitions", property_type::int32, "Most partitions one CreateTopics request may create, all its topics together (INVALID_PARTITIONS above it)", false, 1, 1000000, I32(create_topics_max_partitions)},
        {"max.broker.partitions", property_type::int32, "Most partitions this broker holds, internal topics included; a create or auto-create past it gets POLICY_VIOLATION (KIP-578)", false, 1, 1000000, I32(max_broker_partitions)},
        {"log.fd.cache.size", property_type::int32, "Open .log descriptors of sealed segments kept per shard for reads (least recently used closed first); each partition also holds its active segment's", false, 1, 1000000, I32(log_fd_cache_size)},
        {"socket.request.max.bytes", property_type::int32, "Largest request frame accepted", false, 1024, INT32_MAX, I32(socket_request_max_bytes)},
        {"queued.max.request.bytes", property_type::int64, "In-flight request memory of the whole broker: a connection reads its next request only once its size fits, so clients are held back by TCP instead of the broker growing; a request larger than this closes its connection; -1 = no limit", false, -1, INT64_MAX, I64(queued_max_request_bytes)},
        {"max.connections", property_type::int32, "Most client connections open at once; more are closed as they arrive (the broker also keeps to half of its open-file limit, RLIMIT_NOFILE)", false, 1, INT32_MAX, I32(max_connections)},
        {"max.connections.per.ip", property_type::int32, "Most client connections open at once from one IP address; more are closed as they arrive", false, 1, INT32_MAX, I32(max_connections_per_ip)},
        {"message.max.bytes", property_type::int32, "Largest record batch accepted (topic: max.message.bytes)", true, 64, INT32_MAX, I32(message_max_bytes)},
        {"log.segment.bytes", property_type::int64, "Roll a segment at this size (topic: segment.bytes)", true, 1024, INT32_MAX, I64(log_segment_bytes)},
        {"log.roll.ms", property_type::int64, "Roll a segment at this age (topic: segment.ms)", true, 1, INT64_MAX, I64(log_roll_ms)},
        {"log.retention.ms", property_type::int64, "Delete segments older than this; -1 keeps forever (topic: retention.ms)", true, -1, INT64_MAX, I64(log_retention_ms)},
        {"log.retention.bytes", property_type::int64, "Delete old segments past this size per partition; -1 unlimited (topic: retention.bytes)", true, -1, INT64_MAX, I64(log_retention_bytes)},
        {"log.index.interval.bytes", property_type::int32, "Bytes between offset/time index entries", true, 0, INT32_MAX, I32(log_index_interval_bytes)},
        {"storage.min.free.bytes", property_type::int64, "Refuse Produce (KAFKA_STORAGE_ERROR, retriable) while less than this many bytes are free on the data directory's file system; 0 turns it off", false, 0, INT64_MAX, I64(storage_min_free_bytes)},
        {"storage.free.space.check.interval.ms", property_type::int64, "How often free space is checked for storage.min.free.bytes", false, 10, 3600000, I64(storage_free_space_check_interval_ms)},
        {"log.retention.check.interval.ms", property_type::int64, "How often retention and age-based roll run", false, 10, INT64_MAX, I64(log_retention_check_interval_ms)},
        {"log.message.timestamp.type", property_type::string, "CreateTime or LogAppendTime (topic: message.timestamp.type)", true, 0, 0, STR(log_message_timestamp_type)},
        {"group.initial.rebalance.delay.ms", property_type::int32, "Wait for more members before a new group's first rebalance completes (Kafka: 3000; 250 lets a lone consumer start within its first poll)", false, 0, 300000, I32(group_initial_rebalance_delay_ms)},
        {"group.min.session.timeout.ms", property_type::int32, "Smallest session.timeout.ms a consumer may ask for", false, 1, INT32_MAX, I32(group_min_session_timeout_ms)},
        {"group.max.session.timeout.ms", property_type::int32, "Largest session.timeout.ms a consumer may ask for", false, 1, INT32_MAX, I32(group_max_session_timeout_ms)},
        {"group.rebalance.storm.threshold", property_type::int32, "Log one warning when a consumer group starts this many rebalances within 5 minutes (again only after it calmed down); 0 = never", false, 0, INT32_MAX, I32(group_rebalance_storm_threshold)},
        {"offsets.retention.minutes", property_type::int64, "Committed offsets of an empty group are kept this long", false, 1, INT64_MAX / 60000, I64(offsets_retention_minutes)},
        {"offsets.topic.segment.bytes", property_type::int64, "segment.bytes of __consumer_offsets when it is created (or first loaded from a data directory of a Brook before #15): the log cleaner never cleans the active segment, so this bounds the uncleaned history", false, 1024, INT32_MAX, I64(offsets_topic_segment_bytes)},
        {"offsets.compaction.min.bytes", property_type::int64, "Deprecated synonym of offsets.topic.segment.bytes (it was the threshold of the coordinator's own snapshot compaction, which the log cleaner replaced)", false, 1024, INT32_MAX, I64(offsets_topic_segment_bytes)},
        {"fetch.max.bytes", property_type::int32, "Most bytes one Fetch response carries, whatever the client asks", false, 1024, INT32_MAX / 2, I32(fetch_max_bytes)},
        {"fetch.max.wait.ms.cap", property_type::int32, "Longest a Fetch may wait for data, whatever MaxWaitMs it sends", false, 0, INT32_MAX, I32(fetch_max_wait_ms_cap)},
        {"max.inflight.requests.per.connection", property_type::int32, "Requests read ahead on one connection before reading pauses", false, 1, 1024, I32(max_inflight_requests_per_connection)},
        {"group.commit.delay.us", property_type::int32, "When acks=all produces are already waiting as a group commit (fdatasync round) ends, wait this long before the next round so more share it; 0 syncs again at once", false, 0, 100000, I32(group_commit_delay_us)},
        {"log.flush.interval.ms", property_type::int32, "Longest acks=0/1 data stays unsynced: consumers see only synced data (the high watermark is the durable offset), so this bounds their extra latency; rounds with no acks=all producer waiting are at least this far apart", false, 0, 10000, I32(log_flush_interval_ms)},
        {"quota.window.num", property_type::int32, "Samples a client quota's rate is measured over (Kafka's name and default: 11 windows, 10 whole ones and the current one)", false, 2, 1000, I32(quota_window_num)},
        {"quota.window.size.seconds", property_type::int32, "Length of each client quota sample window, in seconds", false, 1, 3600, I32(quota_window_size_seconds)},
        {"transaction.max.timeout.ms", property_type::int32, "Largest transaction.timeout.ms a transactional producer may ask for (INVALID_TRANSACTION_TIMEOUT above it)", false, 1, INT32_MAX, I32(transaction_max_timeout_ms)},
        {"transactional.id.expiration.ms", property_type::int64, "A transactional id with no transaction in progress is forgotten after this long without a request", false, 1, INT64_MAX, I64(transactional_id_expiration_ms)},
        {"producer.id.expiration.ms", property_type::int64, "A partition forgets an idle producer (no open transaction) after this long without an append", false, 1, INT64_MAX, I64(producer_id_expiration_ms)},
        {"log.cleaner.enable", property_type::boolean, "Run the log cleaner for topics with cleanup.policy=compact", false, 0, 0, BOOL(log_cleaner_enable)},
        {"log.cleaner.threads", property_type::int32, "Log cleaner threads (each cleans one partition at a time, off the shard threads)", false, 1, 64, I32(log_cleaner_threads)},
        {"log.cleaner.dedupe.buffer.size", property_type::int64, "Bytes of key->offset map shared by the cleaner threads (24 bytes per key); a dirty section with more keys is cleaned in several passes", false, 1 << 16, INT64_MAX / 2, I64(log_cleaner_dedupe_buffer_size)},
        {"log.cleaner.io.max.bytes.per.second", property_type::int64, "Read rate the cleaner threads hold each pass to (both walks of a segment count)", false, 1, INT64_MAX, I64(log_cleaner_io_max_bytes_per_second)},
        {"log.cleaner.backoff.ms", property_type::int64, "How often each shard looks for partitions due for cleaning", false, 10, INT64_MAX, I64(log_cleaner_backoff_ms)},
        {"log.cleaner.delete.retention.ms", property_type::int64, "How long a cleaned tombstone or transaction marker stays readable (topic: delete.retention.ms)", false, 0, INT64_MAX / 2, I64(log_cleaner_delete_retention_ms)},
        {"log.cleaner.min.compaction.lag.ms", property_type::int64, "Records younger than this are never cleaned (topic: min.compaction.lag.ms)", false, 0, INT64_MAX, I64(log_cleaner_min_compaction_lag_ms)},
        {"log.cleaner.max.compaction.lag.ms", property_type::int64, "Dirty records older than this are cleaned whatever the dirty ratio (topic: max.compaction.lag.ms)", false, 1, INT64_MAX, I64(log_cleaner_max_compaction_lag_ms)},
        {"transaction.state.log.segment.bytes", property_type::int64, "segment.bytes of __transaction_state when it is created (or first loaded from a data directory of a Brook before #15): the log cleaner never cleans the active segment, so this bounds the uncleaned history", false, 1024, INT32_MAX, I64(transaction_state_log_segment_bytes)},
        {"transaction.state.compaction.min.bytes", property_type::int64, "Deprecated synonym of transaction.state.log.segment.bytes (it was the threshold of the coordinator's own snapshot compaction, which the log cleaner replaced)", false, 1024, INT32_MAX, I64(transaction_state_log_segment_bytes)},
        {"brook.produce.blocked.client.ids", property_type::string, "Produce kill switch: comma-separated client ids whose produce requests are refused with POLICY_VIOLATION (consumers are not affected); change it live with AlterConfigs", true, 0, 0, STR(brook_produce_blocked_client_ids), true},
    };
    return t;
}

template <class T>
std::optional<T> parse_int(std::string_view s) {
    T v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<bool> parse_bool(std::string_view s) {
    if (s == "true" || s == "1" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "0" || s == "no" || s == "off") return false;
    return std::nullopt;
}

void flatten(const YAML::Node& n, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
    if (n.IsMap()) {
        for (const auto& kv : n) {
            auto key = kv.first.as<std::string>();
            flatten(kv.second, prefix.empty() ? key : prefix + "." + key, out);
        }
    } else if (n.IsScalar()) {
        out.emplace_back(prefix, n.as<std::string>());
    } else {
        out.emplace_back(prefix, "");
    }
}

} // namespace

std::span<const property> properties() { return table(); }

const property* find_property(std::string_view name) {
    for (const auto& p : table())
        if (name == p.name) return &p;
    return nullptr;
}

namespace {

std::optional<std::string> assign(broker_config& cfg, std::string_view name, std::string_view value) {
    const property* p = find_property(name);
    if (!p) return "unknown property '" + std::string(name) + "' (see `brook serve --help-config`)";
    auto bad = [&](const char* what) {
        return "property " + std::string(name) + ": '" + std::string(value) + "' is not " + what;
    };
    switch (p->type) {
    case property_type::string:
        if (std::string_view(p->name) == "log.message.timestamp.type" && value != "CreateTime" && value != "LogAppendTime")
            return bad("CreateTime or LogAppendTime");
        p->str_field(cfg) = std::string(value);
        return std::nullopt;
    case property_type::boolean: {
        auto b = parse_bool(value);
        if (!b) return bad("a boolean (true/false)");
        p->bool_field(cfg) = *b;
        return std::nullopt;
    }
    case property_type::int32:
    case property_type::int64: {
        auto v = parse_int<int64_t>(value);
        if (!v) return bad("an integer");
        if (*v < p->min || *v > p->max)
            return bad(("within [" + std::to_string(p->min) + ", " + std::to_string(p->max) + "]").c_str());
        if (p->type == property_type::int32) p->i32_field(cfg) = static_cast<int32_t>(*v);
        else p->i64_field(cfg) = *v;
        return std::nullopt;
    }
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> set_property(broker_config& cfg, std::string_view name, std::string_view value) {
    auto err = assign(cfg, name, value);
    if (!err) cfg.set_explicitly.emplace(name);
    return err;
}

std::string get_property(const broker_config& cfg, const property& p) {
    auto& c = const_cast<broker_config&>(cfg); // the accessors are shared with the setters
    switch (p.type) {
    case property_type::string: return p.str_field(c);
    case property_type::boolean: return p.bool_field(c) ? "true" : "false";
    case property_type::int32: return std::to_string(p.i32_field(c));
    case property_type::int64: return std::to_string(p.i64_field(c));
    }
    return {};
}

std::optional<std::string> apply_yaml_file(broker_config& cfg, const std::string& path) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const std::exception& e) {
        return "cannot read config file " + path + ": " + e.what();
    }
    std::vector<std::pair<std::string, std::string>> kvs;
    flatten(root, "", kvs);
    for (auto& [k, v] : kvs)
        if (auto err = set_property(cfg, k, v)) return path + ": " + *err;
    return std::nullopt;
}

std::optional<std::string> apply_environment(broker_config& cfg, char** env) {
    for (char** e = env; e && *e; ++e) {
        std::string_view kv(*e);
        if (!kv.starts_with("BROOK_")) continue;
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        std::string name(kv.substr(6, eq - 6));
        std::transform(name.begin(), name.end(), name.begin(), [](char c) { return c == '_' ? '.' : char(std::tolower(c)); });
        if (!find_property(name)) continue; // other BROOK_ variables belong to tools and tests
        if (auto err = set_property(cfg, name, kv.substr(eq + 1))) return "environment " + std::string(kv.substr(0, eq)) + ": " + *err;
    }
    return std::nullopt;
}

std::optional<std::string> apply_otel_environment(broker_config& cfg, char** env) {
    static constexpr std::pair<std::string_view, std::string_view> names[] = {
        {"OTEL_EXPORTER_OTLP_ENDPOINT", "otel.exporter.otlp.endpoint"},
        {"OTEL_METRIC_EXPORT_INTERVAL", "otel.metric.export.interval"},
        {"OTEL_SERVICE_NAME", "otel.service.name"},
    };
    for (char** e = env; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        for (const auto& [var, prop] : names)
            if (kv.substr(0, eq) == var)
                if (auto err = set_property(cfg, prop, kv.substr(eq + 1))) return "environment " + std::string(var) + ": " + *err;
    }
    return std::nullopt;
}

bool is_valid_topic_name(std::string_view name) {
    if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
}

bool topic_names_collide(std::string_view a, std::string_view b) {
    if (a.size() != b.size() || a == b) return false;
    auto unify = [](char c) { return c == '.' ? '_' : c; };
    for (size_t i = 0; i < a.size(); ++i)
        if (unify(a[i]) != unify(b[i])) return false;
    return true;
}

config_type type_of(const property& p) {
    switch (p.type) {
    case property_type::boolean: return config_type::boolean;
    case property_type::int32: return config_type::int32;
    case property_type::int64: return config_type::int64;
    case property_type::string: break;
    }
    return p.is_list ? config_type::list : config_type::string;
}

namespace {

constexpr const char* long_max = "9223372036854775807";

// Validators shared by the topic table: an integer in [lo, hi], a boolean, one of a set.
std::function<bool(std::string_view)> int_in(int64_t lo, int64_t hi = INT64_MAX) {
    return [lo, hi](std::string_view v) {
        auto x = parse_int<int64_t>(v);
        return x && *x >= lo && *x <= hi;
    };
}
bool is_bool(std::string_view v) { return v == "true" || v == "false"; }
std::function<std::string(const broker_config&)> fixed(const char* v) {
    return [v](const broker_config&) { return std::string(v); };
}

// Kafka's throttled-replicas syntax: "" , "*", or "partition:broker" pairs separated by commas.
bool is_throttled_replicas(std::string_view v) {
    if (v.empty() || v == "*") return true;
    size_t pos = 0;
    while (pos <= v.size()) {
        auto comma = v.find(',', pos);
        auto item = v.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        auto colon = item.find(':');
        if (colon == std::string_view::npos || !parse_int<int32_t>(item.substr(0, colon)) ||
            !parse_int<int32_t>(item.substr(colon + 1)))
            return false;
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return true;
}

} // namespace

std::span<const topic_property> topic_properties() {
    static const auto is_i64 = [](std::string_view v) { return parse_int<int64_t>(v).has_value(); };
    using T = config_type;
    static const std::vector<topic_property> t = {
        {"retention.ms", [](const broker_config& c) { return std::to_string(c.log_retention_ms); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= -1; },
         "Delete a segment once its newest record is older than this; -1 keeps forever. Checked every log.retention.check.interval.ms",
         "an integer >= -1", "log.retention.ms", T::int64},
        {"retention.bytes", [](const broker_config& c) { return std::to_string(c.log_retention_bytes); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= -1; },
         "Delete the oldest segments while a partition holds more than this; -1 unlimited",
         "an integer >= -1", "log.retention.bytes", T::int64},
        {"segment.bytes", [](const broker_config& c) { return std::to_string(c.log_segment_bytes); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= 1024 && *x <= INT32_MAX; },
         "Roll to a new segment before the active one would pass this size",
         "an integer in [1024, 2147483647]", "log.segment.bytes", T::int32},
        {"segment.ms", [](const broker_config& c) { return std::to_string(c.log_roll_ms); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= 1; },
         "Roll to a new segment once the active one is this old (so retention can delete it)",
         "an integer >= 1", "log.roll.ms", T::int64},
        {"max.message.bytes", [](const broker_config& c) { return std::to_string(c.message_max_bytes); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= 64 && *x <= INT32_MAX; },
         "Largest record batch a producer may append (MESSAGE_TOO_LARGE above it)",
         "an integer in [64, 2147483647]", "message.max.bytes", T::int32},
        {"message.timestamp.type", [](const broker_config& c) { return c.log_message_timestamp_type; },
         [](std::string_view v) { return v == "CreateTime" || v == "LogAppendTime"; },
         "CreateTime keeps the producer's timestamps; LogAppendTime stamps each batch with the broker's clock at append",
         "CreateTime or LogAppendTime", "log.message.timestamp.type", T::string},
        {"cleanup.policy", [](const broker_config&) { return std::string("delete"); },
         [](std::string_view v) { return parse_cleanup_policy(v).has_value(); },
         "delete: retention removes old segments; compact: the log cleaner keeps the latest record per key; both: compact, then retention",
         "delete, compact or compact,delete", nullptr, T::list},
        {"delete.retention.ms", [](const broker_config& c) { return std::to_string(c.log_cleaner_delete_retention_ms); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= 0; },
         "How long the cleaner keeps a tombstone (and a removable transaction marker) after it first cleans past it",
         "an integer >= 0", "log.cleaner.delete.retention.ms", T::int64},
        {"min.compaction.lag.ms", [](const broker_config& c) { return std::to_string(c.log_cleaner_min_compaction_lag_ms); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= 0; },
         "A record stays uncompacted at least this long after it is written",
         "an integer >= 0", "log.cleaner.min.compaction.lag.ms", T::int64},
        {"max.compaction.lag.ms", [](const broker_config& c) { return std::to_string(c.log_cleaner_max_compaction_lag_ms); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= 1; },
         "A record is compacted at the latest this long after it is written (the active segment rolls by it too)",
         "an integer >= 1", "log.cleaner.max.compaction.lag.ms", T::int64},
        {"min.cleanable.dirty.ratio", [](const broker_config&) { return std::string("0.5"); },
         [](std::string_view v) { auto x = parse_ratio(v); return x.has_value(); },
         "The cleaner starts on a log once dirty bytes / cleanable bytes reach this ratio",
         "a decimal in [0, 1]", nullptr, T::float64 },
        {"index.interval.bytes", [](const broker_config& c) { return std::to_string(c.log_index_interval_bytes); },
         [](std::string_view v) { return is_i64(v); },
         "Bytes between offset/time index entries of segments created from now on",
         "an integer", "log.index.interval.bytes", T::int32},
        {"brook.produce.enabled", fixed("true"), is_bool,
         "Produce kill switch: false refuses every produce to the topic with POLICY_VIOLATION (non-retriable) while consumers keep reading; true lets producers resume",
         "true or false", nullptr, T::boolean},
        {"min.insync.replicas", fixed("1"), int_in(1, INT32_MAX),
         "acks=all produces fail with NOT_ENOUGH_REPLICAS when fewer replicas are in sync; on one broker the in-sync set is 1, so a value above 1 refuses acks=all",
         "an integer >= 1", "min.insync.replicas", T::int32},
        {"compression.type", fixed("producer"),
         [](std::string_view v) { return v == "producer" || v == "uncompressed" || v == "gzip" || v == "snappy" || v == "lz4" || v == "zstd"; },
         "Codec of stored batches: producer keeps the producer's; a codec name (or uncompressed) re-encodes every batch compressed otherwise on produce",
         "one of producer, uncompressed, gzip, snappy, lz4, zstd", "compression.type", T::string, true},
        {"file.delete.delay.ms", fixed("60000"), int_in(0),
         "Kafka waits this long before deleting a retired segment file; Brook deletes at once (readers keep the open file)",
         "an integer >= 0", "log.segment.delete.delay.ms", T::int64, false},
        {"flush.messages", fixed(long_max), int_in(1),
         "Kafka fsyncs after this many messages; Brook syncs per acks=all group commit instead",
         "an integer >= 1", "log.flush.interval.messages", T::int64, false},
        {"flush.ms", [](const broker_config& c) { return std::to_string(c.log_flush_interval_ms); }, int_in(0),
         "Kafka fsyncs after this many milliseconds; Brook syncs acks=0/1 data within the broker's log.flush.interval.ms (and per acks=all group commit); a per-topic value is stored, not applied",
         "an integer >= 0", "log.flush.interval.ms", T::int64, false},
        {"follower.replication.throttled.replicas", fixed(""), is_throttled_replicas,
         "Replicas whose follower fetches are throttled (partition:broker,... or *); no replication on one node",
         "empty, * or partition:broker pairs separated by commas", nullptr, T::list, false},
        {"leader.replication.throttled.replicas", fixed(""), is_throttled_replicas,
         "Replicas whose leader-side replication is throttled (partition:broker,... or *); no replication on one node",
         "empty, * or partition:broker pairs separated by commas", nullptr, T::list, false},
        {"local.retention.bytes", fixed("-2"), int_in(-2),
         "Tiered storage: bytes kept locally (-2: retention.bytes); Brook has no tiered storage",
         "an integer >= -2", "log.local.retention.bytes", T::int64, false},
        {"local.retention.ms", fixed("-2"), int_in(-2),
         "Tiered storage: time kept locally (-2: retention.ms); Brook has no tiered storage",
         "an integer >= -2", "log.local.retention.ms", T::int64, false},
        {"message.downconversion.enable", fixed("true"), is_bool,
         "Down-convert batches for old fetchers; Brook serves record batch v2 only (no down-conversion either way)",
         "true or false", "log.message.downconversion.enable", T::boolean, false},
        {"message.format.version", fixed("3.0-IV1"),
         [](std::string_view v) { return !v.empty() && std::isdigit(static_cast<unsigned char>(v.front())) && v.find('.') != std::string_view::npos; },
         "Deprecated in Kafka 3.0; Brook always writes record batch v2",
         "a Kafka version such as 3.0-IV1", "log.message.format.version", T::string, false},
        {"message.timestamp.difference.max.ms", fixed(long_max), int_in(0),
         "Largest difference allowed between a CreateTime timestamp and the broker's clock, both ways (deprecated: before/after.max.ms win once set)",
         "an integer >= 0", "log.message.timestamp.difference.max.ms", T::int64, true},
        {"message.timestamp.before.max.ms", fixed(long_max), int_in(0),
         "How far behind the broker's clock a CreateTime timestamp may be (unset: difference.max.ms)",
         "an integer >= 0", "log.message.timestamp.before.max.ms", T::int64, true},
        {"message.timestamp.after.max.ms", fixed(long_max), int_in(0),
         "How far ahead of the broker's clock a CreateTime timestamp may be (unset: difference.max.ms)",
         "an integer >= 0", "log.message.timestamp.after.max.ms", T::int64, true},
        {"preallocate", fixed("false"), is_bool,
         "Preallocate segment files on roll; stored, not applied",
         "true or false", "log.preallocate", T::boolean, false},
        {"remote.storage.enable", fixed("false"), [](std::string_view v) { return v == "false"; },
         "Tiered storage for the topic; Brook has none, so only false is accepted",
         "false (Brook has no tiered storage)", nullptr, T::boolean, false},
        {"segment.index.bytes", fixed("10485760"), int_in(4, INT32_MAX),
         "Size of Kafka's preallocated offset index; Brook's indexes grow as needed",
         "an integer in [4, 2147483647]", "log.index.size.max.bytes", T::int32, false},
        {"segment.jitter.ms", fixed("0"), int_in(0),
         "Random jitter subtracted from segment.ms; stored, not applied",
         "an integer >= 0", "log.roll.jitter.ms", T::int64, false},
        {"unclean.leader.election.enable", fixed("false"), is_bool,
         "Elect an out-of-sync replica as leader; one node has no other replica",
         "true or false", "unclean.leader.election.enable", T::boolean, false},
    };
    return t;
}

std::optional<cleanup_policy> parse_cleanup_policy(std::string_view v) {
    cleanup_policy p{false, false};
    size_t n = 0;
    while (true) {
        auto comma = v.find(',');
        auto item = v.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item == "delete") p.del = true;
        else if (item == "compact") p.compact = true;
        else return std::nullopt;
        ++n;
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
    }
    return n > 0 ? std::optional(p) : std::nullopt;
}

std::optional<double> parse_ratio(std::string_view v) {
    double d = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
    if (ec != std::errc() || p != v.data() + v.size() || !(d >= 0.0 && d <= 1.0)) return std::nullopt;
    return d;
}

const topic_property* find_topic_property(std::string_view name) {
    for (const auto& p : topic_properties())
        if (name == p.name) return &p;
    return nullptr;
}

std::optional<std::string> validate_topic_config(std::string_view name, std::string_view value) {
    const topic_property* p = find_topic_property(name);
    if (!p) return "unknown topic config '" + std::string(name) + "' (see docs/configs.md for the keys Brook accepts)";
    if (p->valid(value)) return std::nullopt;
    std::string msg = "invalid value '" + std::string(value) + "' for topic config " + std::string(name);
    if (p->expected) msg += ": expected " + std::string(p->expected);
    return msg;
}

} // namespace brook::config
