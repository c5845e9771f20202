#include "connect/postgres/avro_schemas.h"

#include <algorithm>
#include <map>
#include <set>

namespace brook::connect::pg {

namespace {

using json = nlohmann::ordered_json;

// Connect semantic type on an Avro type, as AvroData writes it.
json connect_typed(const char* avro_type, const char* name) {
    return {{"type", avro_type}, {"connect.version", 1}, {"connect.name", name}};
}

// The Avro type of a (non-null) column value. `defined` holds the named types this document
// already defines: Avro allows one definition per name, later uses refer to it.
json avro_type(const column_type& t, std::set<std::string>& defined) {
    switch (t.k) {
    case kind::boolean: return "boolean";
    case kind::int16: return {{"type", "int"}, {"connect.type", "int16"}};
    case kind::int32: return "int";
    case kind::int64: return "long";
    case kind::float32: return "float";
    case kind::float64:
    case kind::decimal_double: return "double";
    case kind::decimal: {
        json d = {{"type", "bytes"}, {"scale", t.scale}, {"precision", t.precision}, {"connect.version", 1},
                  {"connect.parameters", {{"scale", std::to_string(t.scale)}, {"connect.decimal.precision", std::to_string(t.precision)}}},
                  {"connect.name", "org.apache.kafka.connect.data.Decimal"}, {"logicalType", "decimal"}};
        return d;
    }
    case kind::var_decimal: {
        const std::string name = "io.debezium.data.VariableScaleDecimal";
        if (!defined.insert(name).second) return name;
        return {{"type", "record"}, {"name", "VariableScaleDecimal"}, {"namespace", "io.debezium.data"},
                {"fields", json::array({{{"name", "scale"}, {"type", "int"}}, {{"name", "value"}, {"type", "bytes"}}})},
                {"connect.doc", "Variable scaled decimal"}, {"connect.version", 1}, {"connect.name", name}};
    }
    case kind::decimal_string:
    case kind::string: return "string";
    case kind::bytes: return "bytes";
    case kind::date: return connect_typed("int", "io.debezium.time.Date");
    case kind::time_ms: return connect_typed("int", "io.debezium.time.Time");
    case kind::time_us: return connect_typed("long", "io.debezium.time.MicroTime");
    case kind::timestamp_ms: return connect_typed("long", "io.debezium.time.Timestamp");
    case kind::timestamp_us: return connect_typed("long", "io.debezium.time.MicroTimestamp");
    case kind::zoned_timestamp: return connect_typed("string", "io.debezium.time.ZonedTimestamp");
    case kind::zoned_time: return connect_typed("string", "io.debezium.time.ZonedTime");
    case kind::interval_us: return connect_typed("long", "io.debezium.time.MicroDuration");
    case kind::uuid: return connect_typed("string", "io.debezium.data.Uuid");
    case kind::json: return connect_typed("string", "io.debezium.data.Json");
    case kind::xml: return connect_typed("string", "io.debezium.data.Xml");
    case kind::enumeration: {
        json e = {{"type", "string"}, {"connect.version", 1}, {"connect.parameters", {{"allowed", t.allowed}}},
                  {"connect.name", "io.debezium.data.Enum"}};
        return e;
    }
    case kind::array: return {{"type", "array"}, {"items", json::array({"null", avro_type(*t.element, defined)})}};
    }
    return "string";
}

json field(const std::string& name, json type, bool optional) {
    if (!optional) return {{"name", name}, {"type", std::move(type)}};
    return {{"name", name}, {"type", json::array({"null", std::move(type)})}, {"default", nullptr}};
}

// "<ns>.<Name>" split into Avro's name and namespace, as AvroData writes records.
json record(const std::string& full, json fields) {
    const auto dot = full.rfind('.');
    json r = {{"type", "record"}, {"name", dot == std::string::npos ? full : full.substr(dot + 1)}};
    if (dot != std::string::npos) r["namespace"] = full.substr(0, dot);
    r["fields"] = std::move(fields);
    return r;
}

json source_schema() {
    json snapshot = {{"type", "string"}, {"connect.version", 1},
                     {"connect.parameters", {{"allowed", "true,last,false,incremental"}}},
                     {"connect.default", "false"}, {"connect.name", "io.debezium.data.Enum"}};
    json fields = json::array({
        field("version", "string", false), field("connector", "string", false), field("name", "string", false),
        field("ts_ms", "long", false),
        // Optional with a non-null default: the default's branch first (AvroData's order).
        {{"name", "snapshot"}, {"type", json::array({snapshot, "null"})}, {"default", "false"}},
        field("db", "string", false), field("sequence", "string", true), field("schema", "string", false),
        field("table", "string", false), field("txId", "long", true), field("lsn", "long", true),
        field("xmin", "long", true),
    });
    auto s = record("io.debezium.connector.postgresql.Source", std::move(fields));
    s["connect.name"] = "io.debezium.connector.postgresql.Source";
    return s;
}

json block_schema() {
    auto b = record("event.block", json::array({field("id", "string", false), field("total_order", "long", false),
                                                field("data_collection_order", "long", false)}));
    b["connect.version"] = 1;
    b["connect.name"] = "event.block";
    return b;
}

// The Value record's fields (name -> Avro type) of an Envelope schema document.
std::map<std::string, json> row_fields(const json& envelope) {
    std::map<std::string, json> out;
    if (!envelope.is_object() || !envelope.contains("fields")) return out;
    for (const auto& f : envelope["fields"]) {
        if (f.value("name", "") != "before" || !f["type"].is_array() || f["type"].size() < 2) continue;
        const auto& row = f["type"][1];
        if (!row.is_object() || !row.contains("fields")) continue;
        for (const auto& c : row["fields"]) out[c.value("name", "")] = c["type"];
    }
    return out;
}

// "int", "long", "io.debezium.time.Date", ... for a message: a column's Avro type, unwrapped.
std::string avro_label(json t) {
    if (t.is_array() && t.size() == 2 && t[0] == "null") t = t[1];
    if (t.is_object() && t.contains("connect.name")) return t["connect.name"].get<std::string>();
    if (t.is_object() && t.contains("type") && t["type"].is_string()) return t["type"].get<std::string>();
    return t.is_string() ? t.get<std::string>() : t.dump();
}

std::string type_label(const column& c) { return c.type_name.empty() ? "oid " + std::to_string(c.type_oid) : c.type_name; }

} // namespace

std::string avro_name(const std::string& s) {
    std::string out;
    for (char c : s) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        out += ok ? c : '_';
    }
    if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
    return out;
}

std::string avro_namespace(const std::string& topic) {
    std::string out;
    size_t start = 0;
    for (;;) {
        const auto dot = topic.find('.', start);
        out += (out.empty() ? "" : ".") + avro_name(topic.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos) return out;
        start = dot + 1;
    }
}

nlohmann::ordered_json avro_key_schema(const std::string& topic, const table_info& t) {
    std::set<std::string> defined;
    json fields = json::array();
    for (size_t k : t.key) fields.push_back(field(avro_name(t.columns[k].name), avro_type(t.columns[k].type, defined), false));
    const std::string name = avro_namespace(topic) + ".Key";
    auto r = record(name, std::move(fields));
    r["connect.name"] = name;
    return r;
}

nlohmann::ordered_json avro_envelope_schema(const std::string& topic, const table_info& t) {
    std::set<std::string> defined;
    const std::string ns = avro_namespace(topic);
    json fields = json::array();
    for (const auto& c : t.columns) fields.push_back(field(avro_name(c.name), avro_type(c.type, defined), c.optional));
    auto row = record(ns + ".Value", std::move(fields));
    row["connect.name"] = ns + ".Value";
    json env_fields = json::array({
        field("before", row, true),
        field("after", ns + ".Value", true), // defined by `before`
        {{"name", "source"}, {"type", source_schema()}},
        field("op", "string", false),
        field("ts_ms", "long", true),
        field("transaction", block_schema(), true),
    });
    auto env = record(ns + ".Envelope", std::move(env_fields));
    env["connect.version"] = 1;
    env["connect.name"] = ns + ".Envelope";
    return env;
}

std::string describe_schema_changes(const std::string& old_envelope, const std::string& new_envelope) {
    auto o = row_fields(json::parse(old_envelope, nullptr, false));
    auto n = row_fields(json::parse(new_envelope, nullptr, false));
    std::string out;
    auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
    for (const auto& [name, t] : n) {
        auto it = o.find(name);
        if (it == o.end()) add("column " + name + " added (" + avro_label(t) + ")");
        else if (avro_label(it->second) != avro_label(t)) add("column " + name + " changed type " + avro_label(it->second) + " -> " + avro_label(t));
        else if (it->second.is_array() != t.is_array()) add("column " + name + (t.is_array() ? " became nullable" : " became NOT NULL"));
    }
    for (const auto& [name, t] : o)
        if (!n.count(name)) add("column " + name + " dropped");
    return out;
}

std::string describe_changes(const table_info& before, const table_info& now) {
    std::string out;
    auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
    for (const auto& c : now.columns) {
        auto it = std::find_if(before.columns.begin(), before.columns.end(), [&](const column& b) { return b.name == c.name; });
        if (it == before.columns.end()) {
            add("column " + c.name + " added (" + type_label(c) + (c.optional ? "" : " NOT NULL") + ")");
        } else if (it->type_oid != c.type_oid || it->typmod != c.typmod) {
            add("column " + c.name + " changed type " + type_label(*it) + " -> " + type_label(c));
        } else if (it->optional != c.optional) {
            add("column " + c.name + (c.optional ? " became nullable" : " became NOT NULL"));
        }
    }
    for (const auto& b : before.columns)
        if (std::none_of(now.columns.begin(), now.columns.end(), [&](const column& c) { return c.name == b.name; }))
            add("column " + b.name + " dropped");
    if (before.key != now.key) add("primary key changed");
    return out;
}

expected<avro_catalog> avro_catalog::open(const cdc_options& o) {
    if (o.registry.empty())
        return usage_error("--format avro needs --registry http://HOST:PORT (a Confluent-compatible schema registry)");
    auto c = client::registry_client::open(o.registry);
    if (auto* why = std::get_if<std::string>(&c)) return usage_error("--registry: " + *why);
    return avro_catalog(std::get<client::registry_client>(std::move(c)));
}

expected<int> avro_catalog::publish(const std::string& subject, const std::string& text, const std::string& what,
                                    const std::string& changes) {
    auto where = [&](const client::registry_error& e) {
        // Unreachable before anything ran: the address is wrong (exit 2). Once running, a
        // registry that went away is a failure to restart from (exit 1).
        if (e.unreachable)
            return failure{"cannot reach the schema registry at " + registry_.url().text + " (" + e.message +
                               "); check --registry", tables_.empty()};
        return runtime_error("schema registry, subject " + subject + ": " + e.message +
                             (e.error_code ? " (error_code " + std::to_string(e.error_code) + ")" : ""));
    };
    auto check = registry_.check_compatibility(subject, text);
    if (!check) return where(check.err());
    if (!check->compatible) {
        std::string named = changes;
        if (named.empty()) { // no earlier version of the table here: compare with what the subject holds
            if (auto latest = registry_.call("GET", client::subject_path(subject) + "/versions/latest");
                latest && latest->is_object() && latest->contains("schema") && (*latest)["schema"].is_string())
                named = describe_schema_changes((*latest)["schema"].get<std::string>(), text);
        }
        std::string why;
        for (const auto& m : check->messages) {
            if (m.find("oldSchema") != std::string::npos && m.find("oldSchemaVersion") == std::string::npos) continue;
            why += (why.empty() ? "" : "; ") + m;
            if (why.size() > 300) break;
        }
        return usage_error(what + (named.empty() ? "" : ": " + named) + ": the new Avro schema is not compatible with the latest " +
                           "version of subject " + subject + (why.empty() ? "" : " (" + why + ")") +
                           "; nothing of this transaction was written. Make the change compatible (e.g. add a new "
                           "nullable column instead), or relax the subject's compatibility (brook schema config " +
                           subject + " --set NONE), then restart");
    }
    auto id = registry_.register_schema(subject, text);
    if (!id) return where(id.err());
    return id->id;
}

status avro_catalog::ensure(const std::string& topic, const table_info& t, const table_info* before) {
    const std::string key_text = avro_key_schema(topic, t).dump();
    const std::string value_text = avro_envelope_schema(topic, t).dump();
    if (auto it = tables_.find(t.oid); it != tables_.end() && it->second.key_text == key_text &&
                                       it->second.value_text == value_text)
        return done{}; // the same Relation again (every session repeats it)
    const std::string changes = before ? describe_changes(*before, t) : "";
    const std::string what = "table " + t.qualified();
    auto key = client::avro::schema::parse(key_text);
    auto value = client::avro::schema::parse(value_text);
    if (!key || !value)
        return runtime_error(what + ": derived an invalid Avro schema: " + (!key ? key.err().message : value.err().message));
    auto kid = publish(topic + "-key", key_text, what, changes);
    if (!kid) return kid.err();
    auto vid = publish(topic + "-value", value_text, what, changes);
    if (!vid) return vid.err();
    tables_.insert_or_assign(t.oid, avro_table{std::move(*key), std::move(*value), key_text, value_text, *kid, *vid});
    return done{};
}

status avro_catalog::ensure_transaction_topic(const std::string& topic) {
    json key = record("io.debezium.connector.common.TransactionMetadataKey", json::array({field("id", "string", false)}));
    key["connect.name"] = "io.debezium.connector.common.TransactionMetadataKey";
    json item = record("io.debezium.connector.common.TransactionMetadataDataCollection",
                       json::array({field("data_collection", "string", false), field("event_count", "long", false)}));
    item["connect.name"] = "io.debezium.connector.common.TransactionMetadataDataCollection";
    json value = record("io.debezium.connector.common.TransactionMetadataValue",
                        json::array({field("status", "string", false), field("id", "string", false),
                                     field("event_count", "long", true),
                                     field("data_collections", json{{"type", "array"}, {"items", item}}, true),
                                     field("ts_ms", "long", false)}));
    value["connect.name"] = "io.debezium.connector.common.TransactionMetadataValue";
    auto ks = client::avro::schema::parse(key.dump());
    auto vs = client::avro::schema::parse(value.dump());
    if (!ks || !vs) return runtime_error("transaction metadata: invalid Avro schema");
    auto kid = publish(topic + "-key", key.dump(), "transaction metadata topic " + topic, "");
    if (!kid) return kid.err();
    auto vid = publish(topic + "-value", value.dump(), "transaction metadata topic " + topic, "");
    if (!vid) return vid.err();
    txn_ = std::make_shared<avro_txn_schemas>(avro_txn_schemas{std::move(*ks), std::move(*vs), *kid, *vid});
    return done{};
}

const avro_table* avro_catalog::find(uint32_t oid) const {
    auto it = tables_.find(oid);
    return it == tables_.end() ? nullptr : &it->second;
}

} // namespace brook::connect::pg
