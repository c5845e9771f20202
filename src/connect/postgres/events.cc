#include "connect/postgres/events.h"

#include <chrono>

namespace brook::connect::pg {

namespace {

using json = nlohmann::ordered_json;

constexpr const char* connector_version = "brook-1";

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

json field(json schema, bool optional, const std::string& name) {
    schema["optional"] = optional;
    schema["field"] = name;
    return schema;
}

json struct_schema(json fields, bool optional, const std::string& name) {
    return {{"type", "struct"}, {"fields", std::move(fields)}, {"optional", optional}, {"name", name}};
}

json source_schema() {
    json snapshot = {{"type", "string"}, {"optional", true}, {"name", "io.debezium.data.Enum"}, {"version", 1},
                     {"parameters", {{"allowed", "true,last,false,incremental"}}}, {"default", "false"},
                     {"field", "snapshot"}};
    json fields = json::array({
        field({{"type", "string"}}, false, "version"), field({{"type", "string"}}, false, "connector"),
        field({{"type", "string"}}, false, "name"), field({{"type", "int64"}}, false, "ts_ms"), snapshot,
        field({{"type", "string"}}, false, "db"), field({{"type", "string"}}, true, "sequence"),
        field({{"type", "string"}}, false, "schema"), field({{"type", "string"}}, false, "table"),
        field({{"type", "int64"}}, true, "txId"), field({{"type", "int64"}}, true, "lsn"),
        field({{"type", "int64"}}, true, "xmin"),
    });
    auto s = struct_schema(std::move(fields), false, "io.debezium.connector.postgresql.Source");
    s["field"] = "source";
    return s;
}

json block_schema() {
    json fields = json::array({field({{"type", "string"}}, false, "id"), field({{"type", "int64"}}, false, "total_order"),
                               field({{"type", "int64"}}, false, "data_collection_order")});
    auto s = struct_schema(std::move(fields), true, "event.block");
    s["version"] = 1;
    s["field"] = "transaction";
    return s;
}

} // namespace

const encoder::schemas& encoder::schemas_of(const table_info& t) {
    auto it = schemas_.find(t.oid);
    if (it != schemas_.end()) return it->second;
    const std::string base = topic(t);
    json key_fields = json::array();
    for (size_t k : t.key) key_fields.push_back(field(connect_schema(t.columns[k].type), false, t.columns[k].name));
    json value_fields = json::array();
    for (const auto& c : t.columns) value_fields.push_back(field(connect_schema(c.type), c.optional, c.name));
    const json row = struct_schema(value_fields, true, base + ".Value");
    json before = row, after = row;
    before["field"] = "before";
    after["field"] = "after";
    json env_fields = json::array({before, after, source_schema(), field({{"type", "string"}}, false, "op"),
                                   field({{"type", "int64"}}, true, "ts_ms"), block_schema()});
    auto env = struct_schema(std::move(env_fields), false, base + ".Envelope");
    env["version"] = 1;
    schemas s{struct_schema(std::move(key_fields), false, base + ".Key").dump(), env.dump()};
    return schemas_.emplace(t.oid, std::move(s)).first->second;
}

json encoder::row_json(const table_info& t, const tuple& row) const {
    json out = json::object();
    for (size_t i = 0; i < t.columns.size(); ++i) {
        const auto& c = t.columns[i];
        if (i >= row.size() || row[i].kind == tuple_value::null) {
            out[c.name] = nullptr;
        } else if (row[i].kind == tuple_value::unchanged) {
            // Postgres did not send an unchanged TOASTed value: Debezium's placeholder instead.
            if (c.type.k == kind::bytes) out[c.name] = base64(o_.unavailable_value_placeholder);
            else if (c.type.k == kind::array) out[c.name] = json::array({o_.unavailable_value_placeholder});
            else out[c.name] = o_.unavailable_value_placeholder;
        } else {
            out[c.name] = to_json(c.type, row[i].data);
        }
    }
    return out;
}

std::string encoder::wrap(const std::string& schema, const json& payload, bool with_schema) const {
    if (!with_schema) return payload.dump();
    // The schema is dumped once per table; only the payload is serialized per event.
    return "{\"schema\":" + schema + ",\"payload\":" + payload.dump() + "}";
}

std::string encoder::key_bytes(const table_info& t, const tuple& row) {
    json k = json::object();
    for (size_t i : t.key) {
        const auto& c = t.columns[i];
        if (i < row.size() && row[i].kind == tuple_value::text) k[c.name] = to_json(c.type, row[i].data);
        else k[c.name] = nullptr;
    }
    return wrap(schemas_of(t).key, k, o_.key_schemas);
}

json encoder::source_json(const table_info& t, const source_position& src) const {
    json s = {{"version", connector_version}, {"connector", "postgresql"}, {"name", o_.prefix}, {"ts_ms", src.ts_ms},
              {"snapshot", src.snapshot}, {"db", db_}};
    auto lsn_text = [](const std::optional<lsn>& l) { return l ? json(std::to_string(*l)) : json(nullptr); };
    s["sequence"] = json::array({lsn_text(src.last_commit), lsn_text(src.at)}).dump();
    s["schema"] = t.schema;
    s["table"] = t.name;
    s["txId"] = src.xid ? json(*src.xid) : json(nullptr);
    s["lsn"] = src.at ? json(*src.at) : json(nullptr);
    s["xmin"] = nullptr;
    return s;
}

expected<client::record> encoder::change(const table_info& t, char op, const tuple* before, const tuple* after,
                                         const source_position& src, const txn_block* txn) {
    if (avro_) return avro_change(t, op, before, after, src, txn);
    const auto& sch = schemas_of(t);
    json v = json::object();
    v["before"] = before ? row_json(t, *before) : json(nullptr);
    v["after"] = after ? row_json(t, *after) : json(nullptr);
    v["source"] = source_json(t, src);
    v["op"] = std::string(1, op);
    v["ts_ms"] = now_ms();
    if (txn) v["transaction"] = {{"id", txn->id}, {"total_order", txn->total_order}, {"data_collection_order", txn->data_collection_order}};
    else v["transaction"] = nullptr;
    client::record r;
    r.topic = topic(t);
    r.key = key_bytes(t, (op == 'd' || !after) ? *before : *after);
    r.value = wrap(sch.value, v, o_.value_schemas);
    return r;
}

expected<client::record> encoder::tombstone(const table_info& t, const tuple& before) {
    if (avro_) return avro_tombstone(t, before);
    client::record r;
    r.topic = topic(t);
    r.key = key_bytes(t, before);
    return r;
}

expected<client::record> encoder::truncate(const table_info& t, const source_position& src, const txn_block* txn) {
    if (avro_) return avro_change(t, 't', nullptr, nullptr, src, txn);
    const auto& sch = schemas_of(t);
    json v = {{"before", nullptr}, {"after", nullptr}, {"source", source_json(t, src)}, {"op", "t"}, {"ts_ms", now_ms()}};
    if (txn) v["transaction"] = {{"id", txn->id}, {"total_order", txn->total_order}, {"data_collection_order", txn->data_collection_order}};
    else v["transaction"] = nullptr;
    client::record r;
    r.topic = topic(t);
    r.value = wrap(sch.value, v, o_.value_schemas);
    return r;
}

namespace {
json txn_key_schema() {
    return struct_schema(json::array({field({{"type", "string"}}, false, "id")}), false,
                         "io.debezium.connector.common.TransactionMetadataKey");
}
json txn_value_schema() {
    json collection = struct_schema(json::array({field({{"type", "string"}}, false, "data_collection"),
                                                 field({{"type", "int64"}}, false, "event_count")}),
                                    false, "io.debezium.connector.common.TransactionMetadataDataCollection");
    json fields = json::array({field({{"type", "string"}}, false, "status"), field({{"type", "string"}}, false, "id"),
                               field({{"type", "int64"}}, true, "event_count"),
                               field({{"type", "array"}, {"items", collection}}, true, "data_collections"),
                               field({{"type", "int64"}}, false, "ts_ms")});
    return struct_schema(std::move(fields), false, "io.debezium.connector.common.TransactionMetadataValue");
}
} // namespace

expected<client::record> encoder::txn_begin(const std::string& id, int64_t ts_ms) {
    if (avro_) return avro_txn(id, "BEGIN", ts_ms, nullptr, nullptr);
    client::record r;
    r.topic = o_.transaction_topic;
    r.key = wrap(txn_key_schema().dump(), json{{"id", id}}, o_.key_schemas);
    json v = {{"status", "BEGIN"}, {"id", id}, {"event_count", nullptr}, {"data_collections", nullptr}, {"ts_ms", ts_ms}};
    r.value = wrap(txn_value_schema().dump(), v, o_.value_schemas);
    return r;
}

expected<client::record> encoder::txn_end(const std::string& id, int64_t ts_ms, int64_t event_count,
                                          const std::vector<std::pair<std::string, int64_t>>& per_collection) {
    if (avro_) return avro_txn(id, "END", ts_ms, &event_count, &per_collection);
    client::record r;
    r.topic = o_.transaction_topic;
    r.key = wrap(txn_key_schema().dump(), json{{"id", id}}, o_.key_schemas);
    json cols = json::array();
    for (const auto& [name, n] : per_collection) cols.push_back({{"data_collection", name}, {"event_count", n}});
    json v = {{"status", "END"}, {"id", id}, {"event_count", event_count}, {"data_collections", cols}, {"ts_ms", ts_ms}};
    r.value = wrap(txn_value_schema().dump(), v, o_.value_schemas);
    return r;
}

void encoder::mark_last(client::record& r) const {
    if (!r.value) return;
    auto& v = *r.value;
    if (avro_) {
        // source.snapshot is the union's string branch: 00, then "true" as 08 74 72 75 65, right
        // before db. Searched with db's bytes behind it, from the end: source comes after
        // before/after, and what follows source (op, ts_ms, a null transaction) cannot hold it.
        std::string db;
        client::avro::put_long(db, static_cast<int64_t>(db_.size()));
        db += db_;
        const std::string from = std::string("\x00\x08true", 6) + db;
        const auto at = v.rfind(from);
        if (at != std::string::npos) v.replace(at + 2, 4, "last");
        return;
    }
    // source.snapshot is the last "snapshot":"true" in the value (source follows before and
    // after, and a string value's quotes are escaped, so no column can forge it).
    const auto at = v.rfind("\"snapshot\":\"true\"");
    if (at != std::string::npos) v.replace(at, 17, "\"snapshot\":\"last\"");
}

} // namespace brook::connect::pg
