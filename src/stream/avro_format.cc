#include "stream/avro_format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "client/avro_codec.h"

namespace brook::stream {
namespace avro = client::avro;

namespace {

// A column's declared SQL type as the Avro mapping needs it: the base name and its parameters
// ("DECIMAL(10,2)" → DECIMAL, 10, 2), with Flink's defaults (DECIMAL(10, 0), TIMESTAMP(6)).
struct declared {
    std::string base;
    int precision = -1, scale = 0;
};

declared declared_type(const column& c) {
    declared d;
    const std::string& s = c.type_text;
    size_t end = s.find_first_of("( ");
    d.base = s.substr(0, end);
    if (end != std::string::npos && s[end] == '(') {
        d.precision = std::atoi(s.c_str() + end + 1);
        if (auto comma = s.find(',', end); comma != std::string::npos && comma < s.find(')', end)) d.scale = std::atoi(s.c_str() + comma + 1);
    }
    if (d.base == "INTEGER") d.base = "INT";
    if (d.base == "DEC" || d.base == "NUMERIC") d.base = "DECIMAL";
    if (d.base == "DECIMAL" && d.precision < 0) d.precision = 10;
    if ((d.base == "TIMESTAMP" || d.base == "TIMESTAMP_LTZ") && d.precision < 0) d.precision = 6;
    return d;
}

// How a writer field's (non-null) Avro type becomes a column's value.
enum class conv { string, bytes, enum_symbol, boolean, int32, int64, int32_double, int64_double, float32, float64, decimal, ts_millis, ts_micros };

bool int_of(const value& v, int64_t& out) {
    if (auto* i = std::get_if<int64_t>(&v)) { out = *i; return true; }
    if (auto* d = std::get_if<double>(&v); d && std::isfinite(*d)) { out = int64_t(*d); return true; }
    return false;
}
bool double_of(const value& v, double& out) {
    if (auto* d = std::get_if<double>(&v)) { out = *d; return true; }
    if (auto* i = std::get_if<int64_t>(&v)) { out = double(*i); return true; }
    return false;
}

} // namespace

struct avro_format::field_reader {
    int slot = -1;
    conv how = conv::string;
    int scale = 0; // decimal
};

struct avro_format::reader {
    std::optional<avro::schema> schema;
    // Per writer field (in the writer's order): the column it fills, or slot -1 (skipped).
    std::vector<field_reader> fields;
    std::vector<int> missing; // slots of nullable columns the writer has no field for (NULL)
};

std::variant<avro_format, std::string> avro_format::open(const table_def& t, bool key, std::vector<int> slots) {
    const avro_confluent_options& o = key ? t.kafka.key_avro : t.kafka.value_avro;
    auto reg = client::registry_client::open(o.url);
    if (auto* why = std::get_if<std::string>(&reg))
        return "table '" + t.name + "': " + (key ? "key." : "") + "avro-confluent.url '" + o.url + "': " + *why;
    return avro_format(t, key, std::move(slots), std::get<client::registry_client>(std::move(reg)), o);
}

// Checks the writer schema against the columns once per schema id; the message names the field.
std::optional<std::string> avro_format::compile(int32_t id, std::string_view text, reader& out) const {
    auto s = avro::schema::parse(text);
    if (!s) return "schema id " + std::to_string(id) + " from the registry does not parse: " + s.err().message;
    const avro::node& root = s->root();
    const std::string which = where() + " (writer schema id " + std::to_string(id) + ")";
    if (root.t != avro::type::record)
        return which + " is an Avro " + avro::type_name(root.t) + ", not a record (table '" + t_->name + "' reads its columns from a record's fields)";
    std::vector<bool> found(t_->columns.size(), false);
    for (const auto& f : root.fields) {
        field_reader fr;
        for (int slot : slots_)
            if (t_->columns[size_t(slot)].name == f.name) fr.slot = slot;
        if (fr.slot >= 0) {
            const column& c = t_->columns[size_t(fr.slot)];
            found[size_t(fr.slot)] = true;
            const avro::node* n = f.type;
            std::string shown = avro::type_name(n->t);
            if (n->t == avro::type::union_) {
                const avro::node* other = nullptr;
                int others = 0;
                for (const avro::node* b : n->branches)
                    if (b->t != avro::type::null) { other = b; ++others; }
                if (others != 1)
                    return which + ": field '" + f.name + "' is a union of " + std::to_string(others) +
                           " non-null types; only [null, T] maps to a column (" + c.name + " " + c.type_text + ")";
                n = other;
                shown = std::string("[null, ") + avro::type_name(n->t) + "]";
            }
            const declared d = declared_type(c);
            using T = avro::type;
            using L = avro::logical;
            bool ok = true;
            switch (c.type) {
            case type_id::string:
                if (d.base == "BYTES") { ok = (n->t == T::bytes || n->t == T::fixed) && n->logical != L::decimal; fr.how = conv::bytes; }
                else if (n->t == T::string) fr.how = conv::string;
                else if (n->t == T::enumeration) fr.how = conv::enum_symbol;
                else ok = false;
                break;
            case type_id::boolean: ok = n->t == T::boolean; fr.how = conv::boolean; break;
            case type_id::bigint:
                // Avro's resolution promotes int to long, never long to int.
                if (n->t == T::int_) fr.how = conv::int32;
                else if (n->t == T::long_ && d.base == "BIGINT") fr.how = conv::int64;
                else ok = false;
                break;
            case type_id::double_:
                if (d.base == "DECIMAL") {
                    ok = (n->t == T::bytes || n->t == T::fixed) && n->logical == L::decimal;
                    fr.how = conv::decimal;
                    fr.scale = n->scale;
                } else if (n->t == T::double_ && d.base == "DOUBLE") fr.how = conv::float64;
                else if (n->t == T::float_) fr.how = conv::float32;
                else if (n->t == T::int_) fr.how = conv::int32_double;
                else if (n->t == T::long_) fr.how = conv::int64_double;
                else ok = false;
                break;
            case type_id::timestamp:
                if (n->t == T::long_ && n->logical == L::timestamp_millis) fr.how = conv::ts_millis;
                else if (n->t == T::long_ && n->logical == L::timestamp_micros) fr.how = conv::ts_micros;
                else ok = false;
                break;
            default: ok = false;
            }
            if (!ok) {
                if (n->logical == L::decimal) shown += " (decimal(" + std::to_string(n->precision) + "," + std::to_string(n->scale) + "))";
                else if (n->logical == L::timestamp_millis) shown += " (timestamp-millis)";
                else if (n->logical == L::timestamp_micros) shown += " (timestamp-micros)";
                else if (n->logical == L::date) shown += " (date)";
                std::string hint;
                if (c.type == type_id::timestamp) hint = "; a TIMESTAMP column reads a long with logicalType timestamp-millis or timestamp-micros";
                else if (c.type == type_id::bigint && n->t == T::long_) hint = "; declare the column BIGINT";
                return which + ": field '" + f.name + "' is Avro " + shown + ", which column " + c.name + " " + c.type_text +
                       " cannot take" + hint;
            }
        }
        out.fields.push_back(fr);
    }
    for (int slot : slots_) {
        if (found[size_t(slot)]) continue;
        const column& c = t_->columns[size_t(slot)];
        if (!c.nullable) return which + " has no field '" + c.name + "', and column " + c.name + " is NOT NULL";
        out.missing.push_back(slot);
    }
    out.schema = std::move(*s);
    return std::nullopt;
}

std::optional<std::string> avro_format::decode(std::string_view bytes, row& r) {
    auto framed = avro::parse_confluent_frame(bytes);
    if (!framed) return where() + " is not in Confluent's Avro framing (" + framed.err().message + ")";
    const int32_t id = framed->schema_id;
    auto it = readers_.find(id);
    if (it == readers_.end()) {
        auto got = reg_.get_by_id(id);
        if (!got) {
            const auto& e = got.err();
            if (e.unreachable)
                return "cannot reach the schema registry at " + opts_.url + " for schema id " + std::to_string(id) + " (" + e.message + ")";
            if (e.error_code == 40403)
                return where() + " names schema id " + std::to_string(id) + ", which the registry at " + opts_.url + " does not have";
            return "schema id " + std::to_string(id) + " from the registry at " + opts_.url + ": " + e.message;
        }
        if (got->type != "AVRO") return where() + " names schema id " + std::to_string(id) + ", a " + got->type + " schema, not Avro";
        auto rd = std::make_shared<reader>();
        if (auto e = compile(id, got->schema, *rd)) return e;
        it = readers_.emplace(id, std::move(rd)).first;
    }
    const reader& rd = *it->second;
    auto v = avro::decode(*rd.schema, framed->body);
    if (!v) return where() + " (schema id " + std::to_string(id) + ") does not decode: " + v.err().message;
    auto& rec = std::get<avro::record>(v->v);
    for (size_t i = 0; i < rd.fields.size() && i < rec.fields.size(); ++i) {
        const field_reader& fr = rd.fields[i];
        if (fr.slot < 0) continue;
        auto& dv = rec.fields[i].v;
        value& out = r[size_t(fr.slot)];
        if (std::holds_alternative<std::monostate>(dv)) {
            const column& c = t_->columns[size_t(fr.slot)];
            if (!c.nullable) return where() + ": field '" + c.name + "' is null, and column " + c.name + " is NOT NULL";
            out = value();
            continue;
        }
        switch (fr.how) {
        case conv::string: out = std::move(std::get<std::string>(dv)); break;
        case conv::bytes: out = std::move(std::get<avro::bytes>(dv).data); break;
        case conv::enum_symbol: out = std::move(std::get<avro::enum_symbol>(dv).symbol); break;
        case conv::boolean: out = std::get<bool>(dv); break;
        case conv::int32: out = int64_t(std::get<int32_t>(dv)); break;
        case conv::int64: out = std::get<int64_t>(dv); break;
        case conv::int32_double: out = double(std::get<int32_t>(dv)); break;
        case conv::int64_double: out = double(std::get<int64_t>(dv)); break;
        case conv::float32: out = double(std::get<float>(dv)); break;
        case conv::float64: out = std::get<double>(dv); break;
        case conv::decimal: out = std::strtod(avro::decimal_from_bytes(std::get<avro::bytes>(dv).data, fr.scale).c_str(), nullptr); break;
        case conv::ts_millis: out = timestamp_ms{std::get<int64_t>(dv)}; break;
        case conv::ts_micros: {
            const int64_t us = std::get<int64_t>(dv);
            out = timestamp_ms{us >= 0 ? us / 1000 : -((-us + 999) / 1000)};
            break;
        }
        }
    }
    for (int slot : rd.missing) r[size_t(slot)] = value();
    return std::nullopt;
}

// Flink's AvroSchemaConverter.convertToSchema over the part's columns.
std::string avro_format::derived_schema() const {
    nlohmann::ordered_json fields = nlohmann::ordered_json::array();
    for (int slot : slots_) {
        const column& c = t_->columns[size_t(slot)];
        const declared d = declared_type(c);
        nlohmann::ordered_json ty;
        switch (c.type) {
        case type_id::string: ty = d.base == "BYTES" ? "bytes" : "string"; break;
        case type_id::boolean: ty = "boolean"; break;
        case type_id::bigint: ty = d.base == "BIGINT" ? "long" : "int"; break;
        case type_id::double_:
            if (d.base == "DECIMAL") ty = {{"type", "bytes"}, {"logicalType", "decimal"}, {"precision", d.precision}, {"scale", d.scale}};
            else ty = d.base == "FLOAT" ? "float" : "double";
            break;
        case type_id::timestamp:
            ty = {{"type", "long"}, {"logicalType", d.precision <= 3 ? "timestamp-millis" : "timestamp-micros"}};
            break;
        default: ty = "string"; break;
        }
        nlohmann::ordered_json f = {{"name", c.name}};
        if (c.nullable) {
            f["type"] = nlohmann::ordered_json::array({"null", ty});
            f["default"] = nullptr;
        } else {
            f["type"] = ty;
        }
        fields.push_back(std::move(f));
    }
    nlohmann::ordered_json s = {{"type", "record"}, {"name", "record"}, {"namespace", "org.apache.flink.avro.generated"}, {"fields", fields}};
    return s.dump();
}

std::optional<std::string> avro_format::register_schema() {
    const std::string text = derived_schema();
    auto s = avro::schema::parse(text);
    if (!s) return "table '" + t_->name + "': the Avro schema derived from its columns is not valid (" + s.err().message + ")";
    auto id = reg_.register_schema(opts_.subject, text);
    if (!id) {
        const auto& e = id.err();
        if (e.unreachable) return "cannot reach the schema registry at " + opts_.url + " (" + e.message + "); check " + (key_ ? "'key.avro-confluent.url'" : "'avro-confluent.url'");
        return "register the schema of table '" + t_->name + "' under subject '" + opts_.subject + "' at " + opts_.url + ": " + e.message;
    }
    write_schema_ = std::move(*s);
    write_id_ = id->id;
    return std::nullopt;
}

std::optional<std::string> avro_format::encode(const row& r, std::string& out) const {
    avro::record rec;
    rec.fields.reserve(slots_.size());
    for (int slot : slots_) {
        const column& c = t_->columns[size_t(slot)];
        const value& v = r[size_t(slot)];
        if (is_null(v)) {
            if (!c.nullable) return "column " + c.name + " is NOT NULL but the row has NULL";
            rec.fields.emplace_back();
            continue;
        }
        const declared d = declared_type(c);
        avro::value a;
        bool ok = true;
        int64_t i = 0;
        double x = 0;
        switch (c.type) {
        case type_id::string:
            if (auto* s = std::get_if<std::string>(&v)) a = d.base == "BYTES" ? avro::value(avro::bytes{*s}) : avro::value(*s);
            else a = to_text(v);
            break;
        case type_id::boolean:
            if (auto* b = std::get_if<bool>(&v)) a = *b;
            else ok = false;
            break;
        case type_id::bigint:
            ok = int_of(v, i);
            if (ok && d.base != "BIGINT") {
                if (i < INT32_MIN || i > INT32_MAX) return "column " + c.name + " " + c.type_text + ": " + std::to_string(i) + " is out of range";
                a = int32_t(i);
            } else a = i;
            break;
        case type_id::double_:
            ok = double_of(v, x);
            if (!ok) break;
            if (d.base == "DECIMAL") {
                char buf[512];
                std::snprintf(buf, sizeof buf, "%.*f", d.scale, x);
                auto b = avro::decimal_to_bytes(buf, d.scale);
                if (!b) return "column " + c.name + " " + c.type_text + ": " + b.err().message;
                a = avro::bytes{std::move(*b)};
            } else if (d.base == "FLOAT") a = float(x);
            else a = x;
            break;
        case type_id::timestamp:
            if (auto* ts = std::get_if<timestamp_ms>(&v)) a = d.precision <= 3 ? ts->ms : ts->ms * 1000;
            else ok = false;
            break;
        default: ok = false;
        }
        if (!ok) return "column " + c.name + " " + c.type_text + " holds a " + type_name(type_of(v));
        rec.fields.push_back(std::move(a));
    }
    if (!write_schema_) return "table '" + t_->name + "': no Avro schema registered";
    std::string body;
    if (auto e = avro::encode(write_schema_->root(), avro::value(std::move(rec)), body); !e)
        return "encode for " + t_->kafka.topic + ": " + e.err().message;
    out = avro::confluent_frame(write_id_, body);
    return std::nullopt;
}

} // namespace brook::stream
