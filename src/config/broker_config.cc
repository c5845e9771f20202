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
        {"log.format", property_type::string, "text, or json: one object per line with ts (UTC), level, logger, thread, msg", false, 0, 0, STR(log_format)},
        {"node.id", property_type::int32, "This broker's node id", false, 0, INT32_MAX, I32(node_id)},
        {"auto.create.topics.enable", property_type::boolean, "Create unknown topics on Metadata/Produce", false, 0, 0, BOOL(auto_create_topics_enable)},
        {"num.partitions", property_type::int32, "Partitions of an auto-created topic", false, 1, 100000, I32(num_partitions)},
        {"create.topics.max.partitions", property_type::int32, "Most partitions one CreateTopics request may create, all its topics together (INVALID_PARTITIONS above it)", false, 1, 1000000, I32(create_topics_max_partitions)},
        {"max.broker.partitions", property_type::int32, "Most partitions this broker holds, internal topics included; a create or auto-create past it gets POLICY_VIOLATION (KIP-578)", false, 1, 1000000, I32(max_broker_partitions)},
        {"log.fd.cache.size", property_type::int32, "Open .log descriptors of sealed segments kept per shard for reads (least recently used closed first); each partition also holds its active segment's", false, 1, 1000000, I32(log_fd_cache_size)},
        {"socket.request.max.bytes", property_type::int32, "Largest request frame accepted", false, 1024, INT32_MAX, I32(socket_request_max_bytes)},
        {"message.max.bytes", property_type::int32, "Largest record batch accepted (topic: max.message.bytes)", false, 64, INT32_MAX, I32(message_max_bytes)},
        {"log.segment.bytes", property_type::int64, "Roll a segment at this size (topic: segment.bytes)", false, 1024, INT32_MAX, I64(log_segment_bytes)},
        {"log.roll.ms", property_type::int64, "Roll a segment at this age (topic: segment.ms)", false, 1, INT64_MAX, I64(log_roll_ms)},
        {"log.retention.ms", property_type::int64, "Delete segments older than this; -1 keeps forever (topic: retention.ms)", false, -1, INT64_MAX, I64(log_retention_ms)},
        {"log.retention.bytes", property_type::int64, "Delete old segments past this size per partition; -1 unlimited (topic: retention.bytes)", false, -1, INT64_MAX, I64(log_retention_bytes)},
        {"log.index.interval.bytes", property_type::int32, "Bytes between offset/time index entries", false, 0, INT32_MAX, I32(log_index_interval_bytes)},
        {"storage.min.free.bytes", property_type::int64, "Refuse Produce (KAFKA_STORAGE_ERROR, retriable) while less than this many bytes are free on the data directory's file system; 0 turns it off", false, 0, INT64_MAX, I64(storage_min_free_bytes)},
        {"storage.free.space.check.interval.ms", property_type::int64, "How often free space is checked for storage.min.free.bytes", false, 10, 3600000, I64(storage_free_space_check_interval_ms)},
        {"log.retention.check.interval.ms", property_type::int64, "How often retention and age-based roll run", false, 10, INT64_MAX, I64(log_retention_check_interval_ms)},
        {"log.message.timestamp.type", property_type::string, "CreateTime or LogAppendTime (topic: message.timestamp.type)", false, 0, 0, STR(log_message_timestamp_type)},
        {"group.initial.rebalance.delay.ms", property_type::int32, "Wait for more members before a new group's first rebalance completes (Kafka: 3000; 250 lets a lone consumer start within its first poll)", false, 0, 300000, I32(group_initial_rebalance_delay_ms)},
        {"group.min.session.timeout.ms", property_type::int32, "Smallest session.timeout.ms a consumer may ask for", false, 1, INT32_MAX, I32(group_min_session_timeout_ms)},
        {"group.max.session.timeout.ms", property_type::int32, "Largest session.timeout.ms a consumer may ask for", false, 1, INT32_MAX, I32(group_max_session_timeout_ms)},
        {"group.rebalance.storm.threshold", property_type::int32, "Log one warning when a consumer group starts this many rebalances within 5 minutes (again only after it calmed down); 0 = never", false, 0, INT32_MAX, I32(group_rebalance_storm_threshold)},
        {"offsets.retention.minutes", property_type::int64, "Committed offsets of an empty group are kept this long", false, 1, INT64_MAX / 60000, I64(offsets_retention_minutes)},
        {"offsets.compaction.min.bytes", property_type::int64, "__consumer_offsets is rewritten to its live state once it grows past twice its last compacted size plus this", false, 1024, INT64_MAX / 4, I64(offsets_compaction_min_bytes)},
        {"fetch.max.bytes", property_type::int32, "Most bytes one Fetch response carries, whatever the client asks", false, 1024, INT32_MAX / 2, I32(fetch_max_bytes)},
        {"fetch.max.wait.ms.cap", property_type::int32, "Longest a Fetch may wait for data, whatever MaxWaitMs it sends", false, 0, INT32_MAX, I32(fetch_max_wait_ms_cap)},
        {"max.inflight.requests.per.connection", property_type::int32, "Requests read ahead on one connection before reading pauses", false, 1, 1024, I32(max_inflight_requests_per_connection)},
        {"group.commit.delay.us", property_type::int32, "When acks=all produces are already waiting as a group commit (fdatasync round) ends, wait this long before the next round so more share it; 0 syncs again at once", false, 0, 100000, I32(group_commit_delay_us)},
        {"log.flush.interval.ms", property_type::int32, "Longest acks=0/1 data stays unsynced: consumers see only synced data (the high watermark is the durable offset), so this bounds their extra latency; rounds with no acks=all producer waiting are at least this far apart", false, 0, 10000, I32(log_flush_interval_ms)},
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
        {"transaction.state.compaction.min.bytes", property_type::int64, "__transaction_state is rewritten to its live state once it grows past twice its last compacted size plus this", false, 1024, INT64_MAX / 4, I64(transaction_state_compaction_min_bytes)},
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

std::optional<std::string> set_property(broker_config& cfg, std::string_view name, std::string_view value) {
    const property* p = find_property(name);
    if (!p) return "unknown property '" + std::string(name) + "' (see `brook serve --help-config`)";
    auto bad = [&](const char* what) {
        return "property " + std::string(name) + ": '" + std::string(value) + "' is not " + what;
    };
    switch (p->type) {
    case property_type::string:
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

std::span<const topic_property> topic_properties() {
    static const auto is_i64 = [](std::string_view v) { return parse_int<int64_t>(v).has_value(); };
    static const std::vector<topic_property> t = {
        {"retention.ms", [](const broker_config& c) { return std::to_string(c.log_retention_ms); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= -1; }},
        {"retention.bytes", [](const broker_config& c) { return std::to_string(c.log_retention_bytes); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= -1; }},
        {"segment.bytes", [](const broker_config& c) { return std::to_string(c.log_segment_bytes); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= 1024 && *x <= INT32_MAX; }},
        {"segment.ms", [](const broker_config& c) { return std::to_string(c.log_roll_ms); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= 1; }},
        {"max.message.bytes", [](const broker_config& c) { return std::to_string(c.message_max_bytes); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= 64 && *x <= INT32_MAX; }},
        {"message.timestamp.type", [](const broker_config& c) { return c.log_message_timestamp_type; },
         [](std::string_view v) { return v == "CreateTime" || v == "LogAppendTime"; }},
        {"cleanup.policy", [](const broker_config&) { return std::string("delete"); },
         [](std::string_view v) { return parse_cleanup_policy(v).has_value(); }},
        {"delete.retention.ms", [](const broker_config& c) { return std::to_string(c.log_cleaner_delete_retention_ms); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= 0; }},
        {"min.compaction.lag.ms", [](const broker_config& c) { return std::to_string(c.log_cleaner_min_compaction_lag_ms); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= 0; }},
        {"max.compaction.lag.ms", [](const broker_config& c) { return std::to_string(c.log_cleaner_max_compaction_lag_ms); },
         [](std::string_view v) { auto x = parse_int<int64_t>(v); return x && *x >= 1; }},
        {"min.cleanable.dirty.ratio", [](const broker_config&) { return std::string("0.5"); },
         [](std::string_view v) { auto x = parse_ratio(v); return x.has_value(); }},
        {"index.interval.bytes", [](const broker_config& c) { return std::to_string(c.log_index_interval_bytes); },
         [](std::string_view v) { return is_i64(v); }},
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

std::optional<std::string> validate_topic_config(std::string_view name, std::string_view value) {
    for (const auto& p : topic_properties()) {
        if (name != p.name) continue;
        if (!p.valid(value)) return "invalid value '" + std::string(value) + "' for topic config " + std::string(name);
        return std::nullopt;
    }
    return "unknown or unsupported topic config '" + std::string(name) + "'";
}

} // namespace brook::config
