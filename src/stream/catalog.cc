#include "stream/catalog.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

namespace brook::stream {
namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t i = 0;
    for (;;) {
        auto j = s.find(sep, i);
        std::string part = s.substr(i, j == std::string::npos ? std::string::npos : j - i);
        auto b = part.find_first_not_of(' '), e = part.find_last_not_of(' ');
        out.push_back(b == std::string::npos ? "" : part.substr(b, e - b + 1));
        if (j == std::string::npos) return out;
        i = j + 1;
    }
}

// Metadata the Kafka source exposes, as Flink names and types them.
const std::map<std::string, type_id> kafka_metadata = {
    {"timestamp", type_id::timestamp}, {"partition", type_id::bigint},
    {"offset", type_id::bigint}, {"topic", type_id::string}};

// 'avro-confluent.*' (the value's, with 'format'), 'value.avro-confluent.*' and
// 'key.avro-confluent.*': which part an option configures ('v' or 'k'), 0 when it is none.
char avro_option_part(const std::string& key) {
    static const std::set<std::string> names = {"url", "schema-registry.url", "subject", "schema-registry.subject"};
    for (auto [prefix, part] : {std::pair{"avro-confluent.", 'v'}, {"value.avro-confluent.", 'v'}, {"key.avro-confluent.", 'k'}}) {
        const std::string p = prefix;
        if (key.rfind(p, 0) == 0 && names.count(key.substr(p.size()))) return part;
    }
    return 0;
}

// Flink's avro-confluent options of each part: the registry URL is required where the part's
// format is avro-confluent, and the options are refused where it is not.
std::optional<sql_error> avro_options(const create_table& c, kafka_options& k) {
    const table_option* url[2] = {nullptr, nullptr};
    for (const auto& o : c.options) {
        const char part = avro_option_part(o.key);
        if (!part) continue;
        const bool key = part == 'k';
        const std::string& format = key ? k.key_format : k.value_format;
        if (format != "avro-confluent")
            return sql_error{o.pos, "option '" + o.key + "' needs " + (key ? "'key.format'" : "'format'") + " = 'avro-confluent'"};
        auto& opts = key ? k.key_avro : k.value_avro;
        const bool is_url = o.key.size() >= 4 && o.key.compare(o.key.size() - 4, 4, ".url") == 0;
        if (o.value.empty()) return sql_error{o.pos, "option '" + o.key + "' is empty"};
        if (is_url) {
            if (url[key] && url[key]->value != o.value)
                return sql_error{o.pos, "option '" + o.key + "' contradicts '" + url[key]->key + "'"};
            url[key] = &o;
            opts.url = o.value;
        } else {
            opts.subject = o.value;
        }
    }
    if (k.value_format == "avro-confluent" && k.value_avro.url.empty())
        return sql_error{c.pos, "table '" + c.name + "': format 'avro-confluent' needs 'avro-confluent.url' (the schema registry, e.g. http://localhost:8081)"};
    if (k.key_format == "avro-confluent" && k.key_avro.url.empty())
        return sql_error{c.pos, "table '" + c.name + "': key.format 'avro-confluent' needs 'key.avro-confluent.url' (the schema registry)"};
    if (k.value_avro.subject.empty()) k.value_avro.subject = k.topic + "-value";
    if (k.key_avro.subject.empty()) k.key_avro.subject = k.topic + "-key";
    return std::nullopt;
}

} // namespace

std::optional<int64_t> parse_duration_ms(const std::string& s) {
    size_t i = 0;
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i) return std::nullopt;
    int64_t n = 0;
    std::from_chars(s.data() + i, s.data() + j, n);
    std::string unit = lower(s.substr(j));
    unit.erase(std::remove(unit.begin(), unit.end(), ' '), unit.end());
    static const std::map<std::string, int64_t> units = {
        {"", 1}, {"ms", 1}, {"milli", 1}, {"millis", 1}, {"millisecond", 1}, {"milliseconds", 1},
        {"s", 1000}, {"sec", 1000}, {"secs", 1000}, {"second", 1000}, {"seconds", 1000},
        {"min", 60000}, {"m", 60000}, {"mins", 60000}, {"minute", 60000}, {"minutes", 60000},
        {"h", 3600000}, {"hour", 3600000}, {"hours", 3600000},
        {"d", 86400000}, {"day", 86400000}, {"days", 86400000}};
    auto it = units.find(unit);
    if (it == units.end()) return std::nullopt;
    return n * it->second;
}

std::optional<int> table_def::find(const std::string& name) const {
    auto l = lower(name);
    for (size_t i = 0; i < columns.size(); ++i)
        if (lower(columns[i].name) == l) return int(i);
    return std::nullopt;
}

std::string table_def::column_list() const {
    std::string s;
    for (const auto& c : columns) s += (s.empty() ? "" : ", ") + c.name;
    return s;
}

const table_def* catalog::find(const std::string& name) const {
    auto it = tables.find(lower(name));
    return it == tables.end() ? nullptr : &it->second;
}

checked<table_def> define_table(const create_table& c, const catalog& cat) {
    table_def t;
    t.name = c.name;
    t.pos = c.pos;
    if (cat.find(c.name)) return sql_error{c.pos, "table '" + c.name + "' is already defined"};
    std::set<std::string> seen;
    for (const auto& cd : c.columns) {
        if (!seen.insert(lower(cd.name)).second) return sql_error{cd.pos, "column '" + cd.name + "' is declared twice"};
        column col;
        col.name = cd.name;
        col.type = cd.type.id;
        col.type_text = cd.type.name;
        col.nullable = !cd.type.not_null;
        if (cd.metadata_key) {
            auto it = kafka_metadata.find(*cd.metadata_key);
            if (it == kafka_metadata.end())
                return sql_error{cd.pos, "unknown metadata key '" + *cd.metadata_key + "' (the Kafka connector has: timestamp, partition, offset, topic)"};
            col.from = column::source::metadata;
            col.metadata_key = *cd.metadata_key;
            col.is_virtual = cd.is_virtual;
            col.in_value = false;
            if (it->second == type_id::timestamp && col.type != type_id::timestamp)
                return sql_error{cd.pos, "metadata 'timestamp' is TIMESTAMP_LTZ(3), not " + cd.type.name};
        }
        t.columns.push_back(std::move(col));
    }
    // Computed columns may use the physical and metadata columns (as in Flink), bound now.
    for (size_t i = 0; i < c.columns.size(); ++i) {
        const auto& cd = c.columns[i];
        if (!cd.computed) continue;
        scope s;
        s.column = [&](const std::string& n) -> std::optional<std::pair<int, type_id>> {
            auto slot = t.find(n);
            if (!slot || c.columns[size_t(*slot)].computed) return std::nullopt;
            return std::make_pair(*slot, t.columns[size_t(*slot)].type);
        };
        s.known_columns = [&] { return t.column_list(); };
        auto b = bind(*cd.computed, s);
        if (!b) return b.err();
        auto& col = t.columns[i];
        col.from = column::source::computed;
        col.type = b->type;
        col.type_text = type_name(b->type);
        col.in_value = false;
        col.computed = std::move(*b);
    }
    if (!c.watermark_column.empty()) {
        auto slot = t.find(c.watermark_column);
        if (!slot) return sql_error{c.watermark_pos, "WATERMARK FOR names unknown column '" + c.watermark_column + "' (columns: " + t.column_list() + ")"};
        if (t.columns[size_t(*slot)].type != type_id::timestamp)
            return sql_error{c.watermark_pos, "the WATERMARK FOR column '" + c.watermark_column + "' must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), not " + t.columns[size_t(*slot)].type_text};
        scope s;
        s.column = [&](const std::string& n) -> std::optional<std::pair<int, type_id>> {
            auto sl = t.find(n);
            if (!sl) return std::nullopt;
            return std::make_pair(*sl, t.columns[size_t(*sl)].type);
        };
        s.known_columns = [&] { return t.column_list(); };
        auto w = bind(*c.watermark, s);
        if (!w) return w.err();
        if (w->type != type_id::timestamp)
            return sql_error{c.watermark->pos, "the watermark expression must be a TIMESTAMP (e.g. " + c.watermark_column + " - INTERVAL '5' SECOND), not " + type_name(w->type)};
        t.rowtime = *slot;
        t.watermark = std::move(*w);
    }
    for (const auto& k : c.primary_key) {
        auto slot = t.find(k);
        if (!slot) return sql_error{c.primary_key_pos, "PRIMARY KEY names unknown column '" + k + "'"};
        t.primary_key.push_back(*slot);
        t.columns[size_t(*slot)].nullable = false; // Flink: primary key columns are NOT NULL
    }

    // Options, by Flink's Kafka connector names.
    auto& k = t.kafka;
    std::map<std::string, const table_option*> opts;
    for (const auto& o : c.options) opts[o.key] = &o;
    auto get = [&](const std::string& key) -> const table_option* {
        auto it = opts.find(key);
        return it == opts.end() ? nullptr : it->second;
    };
    const table_option* conn = get("connector");
    if (!conn) return sql_error{c.pos, "table '" + c.name + "' has no 'connector' option (use 'connector' = 'kafka' or 'upsert-kafka')"};
    if (conn->value != "kafka" && conn->value != "upsert-kafka")
        return sql_error{conn->pos, "unknown connector '" + conn->value + "' (supported: kafka, upsert-kafka)"};
    k.upsert = conn->value == "upsert-kafka";
    static const std::set<std::string> known = {
        "connector", "topic", "properties.bootstrap.servers", "properties.group.id", "scan.startup.mode",
        "scan.startup.timestamp-millis", "scan.startup.specific-offsets", "scan.bounded.mode",
        "scan.watermark.idle-timeout", "format", "value.format", "key.format", "key.fields",
        "value.fields-include", "late-data.topic", "json.ignore-parse-errors", "value.json.ignore-parse-errors",
        "key.json.ignore-parse-errors", "sink.delivery-guarantee", "sink.transactional-id-prefix", "sink.partitioner"};
    for (const auto& o : c.options) {
        if (known.count(o.key) || o.key.rfind("properties.", 0) == 0 || avro_option_part(o.key)) continue;
        return sql_error{o.pos, "unsupported option '" + o.key + "' for connector '" + conn->value + "'"};
    }
    auto topic = get("topic");
    if (!topic || topic->value.empty()) return sql_error{c.pos, "table '" + c.name + "' needs a 'topic' option"};
    k.topic = topic->value;
    k.bootstrap = cat.default_brokers;
    for (const auto& o : c.options) {
        if (o.key.rfind("properties.", 0) != 0) continue;
        std::string prop = o.key.substr(11);
        if (prop == "bootstrap.servers") k.bootstrap = o.value;
        else if (prop == "group.id") k.group_id = o.value;
        else k.properties.emplace_back(prop, o.value);
    }
    if (auto m = get("scan.startup.mode")) {
        static const std::set<std::string> modes = {"earliest-offset", "latest-offset", "group-offsets", "timestamp", "specific-offsets"};
        if (!modes.count(m->value))
            return sql_error{m->pos, "bad scan.startup.mode '" + m->value + "' (earliest-offset, latest-offset, group-offsets, timestamp or specific-offsets)"};
        k.startup_mode = m->value;
    }
    if (k.startup_mode == "timestamp") {
        auto ts = get("scan.startup.timestamp-millis");
        if (!ts) return sql_error{get("scan.startup.mode")->pos, "scan.startup.mode 'timestamp' needs 'scan.startup.timestamp-millis'"};
        auto r = std::from_chars(ts->value.data(), ts->value.data() + ts->value.size(), k.startup_timestamp_ms);
        if (r.ec != std::errc() || r.ptr != ts->value.data() + ts->value.size() || k.startup_timestamp_ms < 0)
            return sql_error{ts->pos, "scan.startup.timestamp-millis must be epoch milliseconds, not '" + ts->value + "'"};
    }
    if (k.startup_mode == "specific-offsets") {
        auto so = get("scan.startup.specific-offsets");
        if (!so) return sql_error{get("scan.startup.mode")->pos, "scan.startup.mode 'specific-offsets' needs 'scan.startup.specific-offsets' ('partition:0,offset:42;partition:1,offset:300')"};
        for (const auto& part : split(so->value, ';')) {
            auto kv = split(part, ',');
            int64_t p = -1, off = -1;
            bool ok = kv.size() == 2 && kv[0].rfind("partition:", 0) == 0 && kv[1].rfind("offset:", 0) == 0;
            if (ok) {
                auto a = kv[0].substr(10), b = kv[1].substr(7);
                ok = std::from_chars(a.data(), a.data() + a.size(), p).ec == std::errc() &&
                     std::from_chars(b.data(), b.data() + b.size(), off).ec == std::errc() && p >= 0 && off >= 0;
            }
            if (!ok) return sql_error{so->pos, "bad scan.startup.specific-offsets entry '" + part + "' (expected partition:N,offset:M)"};
            k.specific_offsets[int32_t(p)] = off;
        }
    }
    if (auto b = get("scan.bounded.mode")) {
        if (b->value == "latest-offset") k.bounded = true;
        else if (b->value != "unbounded")
            return sql_error{b->pos, "scan.bounded.mode '" + b->value + "' is not supported (unbounded or latest-offset)"};
    }
    auto idle = get("scan.watermark.idle-timeout");
    std::string idle_text = idle ? idle->value : "";
    if (!idle) {
        auto it = cat.settings.find("table.exec.source.idle-timeout");
        if (it != cat.settings.end()) idle_text = it->second;
    }
    if (!idle_text.empty()) {
        auto d = parse_duration_ms(idle_text);
        if (!d) return sql_error{idle ? idle->pos : c.pos, "bad idle timeout '" + idle_text + "' (a duration such as '5 s' or '500 ms')"};
        k.idle_timeout_ms = *d;
    }
    const table_option* fmt = get("value.format") ? get("value.format") : get("format");
    if (!fmt) return sql_error{c.pos, "table '" + c.name + "' needs a 'format' option ('json', 'raw' or 'avro-confluent')"};
    auto known_format = [](const std::string& f) { return f == "json" || f == "raw" || f == "avro-confluent"; };
    if (!known_format(fmt->value))
        return sql_error{fmt->pos, "unsupported format '" + fmt->value + "' (json, raw or avro-confluent)"};
    k.value_format = fmt->value;
    if (auto kf = get("key.format")) {
        if (!known_format(kf->value))
            return sql_error{kf->pos, "unsupported key.format '" + kf->value + "' (json, raw or avro-confluent)"};
        k.key_format = kf->value;
    }
    if (auto e = avro_options(c, k)) return *e;
    if (auto vi = get("value.fields-include")) {
        if (vi->value != "ALL" && vi->value != "EXCEPT_KEY")
            return sql_error{vi->pos, "value.fields-include must be ALL or EXCEPT_KEY, not '" + vi->value + "'"};
        k.value_except_key = vi->value == "EXCEPT_KEY";
    }
    std::vector<int> key_slots;
    if (auto kfs = get("key.fields")) {
        if (k.upsert) return sql_error{kfs->pos, "upsert-kafka takes its key from the PRIMARY KEY, not 'key.fields'"};
        if (k.key_format.empty()) return sql_error{kfs->pos, "'key.fields' needs 'key.format'"};
        for (const auto& f : split(kfs->value, ';')) {
            auto slot = t.find(f);
            if (!slot || t.columns[size_t(*slot)].from != column::source::physical)
                return sql_error{kfs->pos, "key.fields names '" + f + "', which is not a physical column of '" + c.name + "'"};
            key_slots.push_back(*slot);
        }
    } else if (!k.key_format.empty() && !k.upsert) {
        return sql_error{get("key.format")->pos, "'key.format' needs 'key.fields' (the columns the key holds)"};
    }
    if (k.upsert) {
        if (t.primary_key.empty()) return sql_error{c.pos, "upsert-kafka table '" + c.name + "' needs a PRIMARY KEY (...) NOT ENFORCED"};
        if (k.key_format.empty()) return sql_error{c.pos, "upsert-kafka table '" + c.name + "' needs a 'key.format' option"};
        key_slots = t.primary_key;
    }
    for (int s : key_slots) {
        t.columns[size_t(s)].in_key = true;
        if (k.value_except_key) t.columns[size_t(s)].in_value = false;
    }
    if (k.key_format == "raw" && key_slots.size() != 1)
        return sql_error{get("key.format")->pos, "key.format 'raw' holds exactly one column"};
    if (k.value_format == "raw") {
        int n = 0;
        for (const auto& col : t.columns) n += col.in_value;
        if (n != 1) return sql_error{fmt->pos, "format 'raw' holds exactly one physical column, table '" + c.name + "' has " + std::to_string(n)};
    }
    if (auto lt = get("late-data.topic")) k.late_topic = lt->value;
    for (const char* key : {"json.ignore-parse-errors", "value.json.ignore-parse-errors"})
        if (auto ip = get(key)) {
            if (ip->value != "true" && ip->value != "false") return sql_error{ip->pos, std::string(key) + " must be 'true' or 'false'"};
            k.ignore_parse_errors = ip->value == "true";
        }
    if (auto dg = get("sink.delivery-guarantee")) {
        if (dg->value != "at-least-once" && dg->value != "none" && dg->value != "exactly-once")
            return sql_error{dg->pos, "bad sink.delivery-guarantee '" + dg->value + "' (at-least-once, exactly-once or none)"};
        k.exactly_once = dg->value == "exactly-once";
        if (k.exactly_once) {
            auto tp = get("sink.transactional-id-prefix");
            if (!tp || tp->value.empty())
                return sql_error{dg->pos, "sink.delivery-guarantee 'exactly-once' needs 'sink.transactional-id-prefix' (the prefix of the job's Kafka transactional.id)"};
            k.transactional_id_prefix = tp->value;
        }
    }
    return t;
}

} // namespace brook::stream
