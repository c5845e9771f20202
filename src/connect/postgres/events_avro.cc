// The Avro form of Debezium's events (--format avro): the same envelope as events.cc, encoded
// by the schemas avro_schemas.cc derives and framed with the ids the registry assigned.
#include <chrono>

#include "client/avro_codec.h"
#include "connect/postgres/events.h"

namespace brook::connect::pg {

namespace avro = client::avro;

namespace {

constexpr const char* connector_version = "brook-1";

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// ["null", T] with the T branch.
avro::value some(avro::value v) {
    v.branch = 1;
    return v;
}
avro::value none() {
    avro::value v;
    v.branch = 0;
    return v;
}

// Debezium's placeholder for an unchanged TOASTed value, in the column's Avro type.
std::optional<avro::value> placeholder(const column_type& t, const std::string& text) {
    switch (t.k) {
    case kind::bytes:
    case kind::decimal: return avro::value(avro::bytes{text});
    case kind::array:
        if (auto e = placeholder(*t.element, text)) return avro::value(avro::array{{some(std::move(*e))}});
        return std::nullopt;
    case kind::string:
    case kind::decimal_string:
    case kind::json:
    case kind::xml:
    case kind::uuid:
    case kind::enumeration:
    case kind::zoned_timestamp:
    case kind::zoned_time: return avro::value(text);
    default: return std::nullopt;
    }
}

// What a NOT NULL column holds in a row Postgres sent without it (a delete's or key change's
// old row under REPLICA IDENTITY DEFAULT carries the key columns only): the type's zero value,
// as Debezium fills required fields of such a `before`.
avro::value zero(const column_type& t) {
    switch (t.k) {
    case kind::boolean: return avro::value(false);
    case kind::int16:
    case kind::int32:
    case kind::date:
    case kind::time_ms: return avro::value(int32_t{0});
    case kind::int64:
    case kind::time_us:
    case kind::timestamp_ms:
    case kind::timestamp_us:
    case kind::interval_us: return avro::value(int64_t{0});
    case kind::float32: return avro::value(0.0f);
    case kind::float64:
    case kind::decimal_double: return avro::value(0.0);
    case kind::decimal: return avro::value(avro::bytes{std::string(1, '\0')});
    case kind::var_decimal: return avro::value(avro::record{{avro::value(int32_t{0}), avro::value(avro::bytes{std::string(1, '\0')})}});
    case kind::bytes: return avro::value(avro::bytes{});
    case kind::array: return avro::value(avro::array{});
    default: return avro::value(std::string());
    }
}

// The Value (or Key) record of `row`: the columns at `which` (all when null).
expected<avro::value> row_value(const table_info& t, const tuple& row, const std::vector<size_t>* which,
                                const std::string& unavailable) {
    avro::record r;
    auto one = [&](size_t i) -> status {
        const auto& c = t.columns[i];
        const bool nullable = c.optional && !which; // key fields are never optional
        std::optional<avro::value> v;
        if (i < row.size() && row[i].kind == tuple_value::text) {
            v = to_avro(c.type, row[i].data);
        } else if (i < row.size() && row[i].kind == tuple_value::unchanged) {
            v = placeholder(c.type, unavailable);
            if (!v)
                return runtime_error("table " + t.qualified() + " column " + c.name +
                                     ": Postgres did not send an unchanged TOASTed value, and its Avro type has no "
                                     "placeholder; ALTER TABLE " + t.qualified() + " REPLICA IDENTITY FULL sends it");
        }
        const bool absent = i >= row.size() || row[i].kind == tuple_value::null;
        if (!v && absent && !nullable) {
            r.fields.push_back(zero(c.type));
            return done{};
        }
        if (!v) {
            if (!nullable) {
                const std::string text = i < row.size() ? row[i].data : "";
                return runtime_error("table " + t.qualified() + " column " + c.name + " (NOT NULL) holds " +
                                     (text.empty() ? std::string("no value") : "'" + text + "'") +
                                     ", which Debezium's Avro mapping cannot carry (numeric NaN / infinite dates); use "
                                     "--set decimal.handling.mode=string or --format json");
            }
            r.fields.push_back(none());
            return done{};
        }
        r.fields.push_back(nullable ? some(std::move(*v)) : std::move(*v));
        return done{};
    };
    if (which) {
        for (size_t i : *which)
            if (auto s = one(i); !s) return s.err();
    } else {
        for (size_t i = 0; i < t.columns.size(); ++i)
            if (auto s = one(i); !s) return s.err();
    }
    return avro::value(std::move(r));
}

expected<std::string> framed(const avro::schema& s, int id, const avro::value& v) {
    auto body = avro::encode(s, v);
    if (!body) return runtime_error(body.err().message);
    return avro::confluent_frame(id, *body);
}

avro::value optional_string(const std::optional<std::string>& s) { return s ? some(avro::value(*s)) : none(); }
avro::value optional_long(const std::optional<int64_t>& x) { return x ? some(avro::value(*x)) : none(); }

} // namespace

expected<client::record> encoder::avro_change(const table_info& t, char op, const tuple* before, const tuple* after,
                                              const source_position& src, const txn_block* txn) const {
    const avro_table* a = avro_->find(t.oid);
    if (!a) return runtime_error("table " + t.qualified() + ": no Avro schema registered for it");
    avro::record env;
    for (const tuple* row : {before, after}) {
        if (!row) {
            env.fields.push_back(none());
            continue;
        }
        auto v = row_value(t, *row, nullptr, o_.unavailable_value_placeholder);
        if (!v) return v.err();
        env.fields.push_back(some(std::move(*v)));
    }
    auto lsn_text = [](const std::optional<lsn>& l) { return l ? std::to_string(*l) : std::string("null"); };
    const std::string sequence = "[" + (src.last_commit ? "\"" + lsn_text(src.last_commit) + "\"" : std::string("null")) +
                                 "," + (src.at ? "\"" + lsn_text(src.at) + "\"" : std::string("null")) + "]";
    avro::value snapshot{std::string(src.snapshot)};
    snapshot.branch = 0; // [Enum string, "null"]
    avro::record source{{
        avro::value(std::string(connector_version)), avro::value(std::string("postgresql")), avro::value(o_.prefix),
        avro::value(src.ts_ms), snapshot, avro::value(db_), optional_string(sequence), avro::value(t.schema),
        avro::value(t.name), optional_long(src.xid ? std::optional<int64_t>(*src.xid) : std::nullopt),
        optional_long(src.at ? std::optional<int64_t>(static_cast<int64_t>(*src.at)) : std::nullopt), none(),
    }};
    env.fields.push_back(avro::value(std::move(source)));
    env.fields.push_back(avro::value(std::string(1, op)));
    env.fields.push_back(some(avro::value(now_ms())));
    if (txn)
        env.fields.push_back(some(avro::value(avro::record{
            {avro::value(txn->id), avro::value(txn->total_order), avro::value(txn->data_collection_order)}})));
    else
        env.fields.push_back(none());

    client::record r;
    r.topic = topic(t);
    if (op != 't') {
        const tuple& keyed = (op == 'd' || !after) ? *before : *after;
        auto k = row_value(t, keyed, &t.key, o_.unavailable_value_placeholder);
        if (!k) return k.err();
        auto kb = framed(a->key, a->key_id, *k);
        if (!kb) return kb.err();
        r.key = std::move(*kb);
    }
    auto vb = framed(a->value, a->value_id, avro::value(std::move(env)));
    if (!vb) return vb.err();
    r.value = std::move(*vb);
    return r;
}

expected<client::record> encoder::avro_tombstone(const table_info& t, const tuple& before) const {
    const avro_table* a = avro_->find(t.oid);
    if (!a) return runtime_error("table " + t.qualified() + ": no Avro schema registered for it");
    auto k = row_value(t, before, &t.key, o_.unavailable_value_placeholder);
    if (!k) return k.err();
    auto kb = framed(a->key, a->key_id, *k);
    if (!kb) return kb.err();
    client::record r;
    r.topic = topic(t);
    r.key = std::move(*kb);
    return r;
}

expected<client::record> encoder::avro_txn(const std::string& id, const char* status, int64_t ts_ms,
                                           const int64_t* event_count,
                                           const std::vector<std::pair<std::string, int64_t>>* per_collection) const {
    const avro_txn_schemas* s = avro_->transaction();
    if (!s) return runtime_error("transaction metadata: no Avro schema registered");
    avro::value collections = none();
    if (per_collection) {
        avro::array items;
        for (const auto& [name, n] : *per_collection) items.items.push_back(avro::record{{avro::value(name), avro::value(n)}});
        collections = some(avro::value(std::move(items)));
    }
    avro::record v{{avro::value(std::string(status)), avro::value(id),
                    event_count ? some(avro::value(*event_count)) : none(), collections, avro::value(ts_ms)}};
    auto kb = framed(s->key, s->key_id, avro::record{{avro::value(id)}});
    if (!kb) return kb.err();
    auto vb = framed(s->value, s->value_id, avro::value(std::move(v)));
    if (!vb) return vb.err();
    client::record r;
    r.topic = o_.transaction_topic;
    r.key = std::move(*kb);
    r.value = std::move(*vb);
    return r;
}

} // namespace brook::connect::pg
