#include "stream/codec.h"

#include "stream/avro_format.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace brook::stream {
namespace {

using json = nlohmann::json;

std::optional<std::string> from_json(const json& j, const column& c, value& out) {
    if (j.is_null()) { out = value(); return std::nullopt; }
    auto bad = [&] { return "field '" + c.name + "' is " + std::string(j.type_name()) + " " + j.dump() + ", not " + c.type_text; };
    switch (c.type) {
    case type_id::string:
        out = j.is_string() ? j.get<std::string>() : j.dump();
        return std::nullopt;
    case type_id::bigint:
        if (j.is_number_integer()) { out = j.get<int64_t>(); return std::nullopt; }
        if (j.is_number_float() && std::isfinite(j.get<double>())) { out = int64_t(j.get<double>()); return std::nullopt; }
        if (j.is_string()) {
            const auto& s = j.get_ref<const std::string&>();
            int64_t n = 0;
            auto r = std::from_chars(s.data(), s.data() + s.size(), n);
            if (r.ec == std::errc() && r.ptr == s.data() + s.size()) { out = n; return std::nullopt; }
        }
        return bad();
    case type_id::double_:
        if (j.is_number()) { out = j.get<double>(); return std::nullopt; }
        if (j.is_string()) {
            const auto& s = j.get_ref<const std::string&>();
            double d = 0;
            auto r = std::from_chars(s.data(), s.data() + s.size(), d);
            if (r.ec == std::errc() && r.ptr == s.data() + s.size()) { out = d; return std::nullopt; }
        }
        return bad();
    case type_id::boolean:
        if (j.is_boolean()) { out = j.get<bool>(); return std::nullopt; }
        if (j.is_string() && (j == "true" || j == "false")) { out = j == "true"; return std::nullopt; }
        return bad();
    case type_id::timestamp:
        if (j.is_number_integer()) { out = timestamp_ms{j.get<int64_t>()}; return std::nullopt; }
        if (j.is_string()) {
            if (auto ms = parse_timestamp(j.get_ref<const std::string&>())) { out = timestamp_ms{*ms}; return std::nullopt; }
        }
        return bad();
    default: return bad();
    }
}

nlohmann::ordered_json to_json(const value& v) {
    switch (v.index()) {
    case 0: return nullptr;
    case 1: return std::get<bool>(v);
    case 2: return std::get<int64_t>(v);
    case 3: return std::get<double>(v);
    case 4: return std::get<std::string>(v);
    case 5: return format_timestamp(std::get<timestamp_ms>(v).ms);
    default: return std::get<interval_ms>(v).ms;
    }
}

// Reads the columns selected by pick from one JSON or raw payload.
template <class Pick>
std::optional<std::string> decode_part(const table_def& t, const std::string& format, const std::optional<std::string>& bytes,
                                       const char* what, Pick pick, row& r) {
    if (format == "raw") {
        for (size_t i = 0; i < t.columns.size(); ++i)
            if (pick(t.columns[i])) r[i] = bytes ? value(*bytes) : value();
        return std::nullopt;
    }
    if (!bytes) return std::nullopt; // a null payload: every column NULL
    if (format == "avro-confluent") return std::string(what) + " is avro-confluent, which needs the job's table_codec";
    json j = json::parse(*bytes, nullptr, false);
    if (j.is_discarded()) return std::string(what) + " is not valid JSON";
    if (!j.is_object()) return std::string(what) + " is JSON " + j.type_name() + ", not an object";
    for (size_t i = 0; i < t.columns.size(); ++i) {
        const auto& c = t.columns[i];
        if (!pick(c)) continue;
        auto it = j.find(c.name);
        if (it == j.end()) { r[i] = value(); continue; }
        if (auto err = from_json(*it, c, r[i])) return std::string(what) + ": " + *err;
    }
    return std::nullopt;
}

bool physical(const column& c) { return c.from == column::source::physical; }

std::vector<int> part_slots(const table_def& t, bool key) {
    std::vector<int> out;
    for (size_t i = 0; i < t.columns.size(); ++i)
        if (physical(t.columns[i]) && (key ? t.columns[i].in_key : t.columns[i].in_value)) out.push_back(int(i));
    return out;
}

std::optional<std::string> decode_with(const table_def& t, const client::record& rec, row& r, avro_format* key, avro_format* val) {
    r.assign(t.columns.size(), value());
    if (val) {
        if (rec.value)
            if (auto e = val->decode(*rec.value, r)) return e;
    } else if (auto e = decode_part(t, t.kafka.value_format, rec.value, "the value",
                                    [&](const column& c) { return physical(c) && c.in_value; }, r)) {
        return e;
    }
    if (key) {
        if (rec.key)
            if (auto e = key->decode(*rec.key, r)) return e;
    } else if (!t.kafka.key_format.empty()) {
        if (auto e = decode_part(t, t.kafka.key_format, rec.key, "the key",
                                 [&](const column& c) { return physical(c) && c.in_key; }, r))
            return e;
    }
    for (size_t i = 0; i < t.columns.size(); ++i) {
        const auto& c = t.columns[i];
        if (c.from != column::source::metadata) continue;
        if (c.metadata_key == "timestamp") r[i] = rec.timestamp_ms >= 0 ? value(timestamp_ms{rec.timestamp_ms}) : value();
        else if (c.metadata_key == "partition") r[i] = int64_t(rec.partition);
        else if (c.metadata_key == "offset") r[i] = rec.offset;
        else if (c.metadata_key == "topic") r[i] = rec.topic;
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> decode_record(const table_def& t, const client::record& rec, row& r) {
    return decode_with(t, rec, r, nullptr, nullptr);
}

client::record encode_row(const table_def& t, const row& values, bool is_delete) {
    client::record rec;
    rec.topic = t.kafka.topic;
    auto encode = [&](const std::string& format, auto pick) -> std::string {
        if (format == "avro-confluent") return {}; // table_codec writes it
        if (format == "raw") {
            for (size_t i = 0; i < t.columns.size(); ++i)
                if (pick(t.columns[i])) return is_null(values[i]) ? std::string() : to_text(values[i]);
            return {};
        }
        nlohmann::ordered_json o = nlohmann::ordered_json::object();
        for (size_t i = 0; i < t.columns.size(); ++i)
            if (pick(t.columns[i])) o[t.columns[i].name] = to_json(values[i]);
        return o.dump();
    };
    if (!t.kafka.key_format.empty())
        rec.key = encode(t.kafka.key_format, [&](const column& c) { return physical(c) && c.in_key; });
    if (!is_delete) rec.value = encode(t.kafka.value_format, [&](const column& c) { return physical(c) && c.in_value; });
    for (size_t i = 0; i < t.columns.size(); ++i)
        if (t.columns[i].from == column::source::metadata && t.columns[i].metadata_key == "timestamp")
            if (auto* ts = std::get_if<timestamp_ms>(&values[i])) rec.timestamp_ms = ts->ms;
    return rec;
}

std::variant<table_codec, std::string> table_codec::open(const table_def& t) {
    table_codec tc(t);
    for (bool key : {false, true}) {
        if ((key ? t.kafka.key_format : t.kafka.value_format) != "avro-confluent") continue;
        auto f = avro_format::open(t, key, part_slots(t, key));
        if (auto* why = std::get_if<std::string>(&f)) return *why;
        (key ? tc.key_ : tc.value_) = std::make_unique<avro_format>(std::get<avro_format>(std::move(f)));
    }
    return tc;
}

table_codec::table_codec(const table_def& t) : t_(&t) {}
table_codec::table_codec(table_codec&&) noexcept = default;
table_codec& table_codec::operator=(table_codec&&) noexcept = default;
table_codec::~table_codec() = default;

std::optional<std::string> table_codec::prepare_sink() {
    for (auto* f : {value_.get(), key_.get()})
        if (f)
            if (auto e = f->register_schema()) return e;
    return std::nullopt;
}

std::optional<std::string> table_codec::decode(const client::record& rec, row& r) {
    return decode_with(*t_, rec, r, key_.get(), value_.get());
}

std::optional<std::string> table_codec::encode(const row& values, bool is_delete, client::record& out) const {
    if (!key_ && !value_) {
        out = encode_row(*t_, values, is_delete);
        return std::nullopt;
    }
    // json/raw parts as encode_row writes them; the Avro parts replaced.
    out = encode_row(*t_, values, is_delete);
    if (key_) {
        std::string k;
        if (auto e = key_->encode(values, k)) return "the key: " + *e;
        out.key = std::move(k);
    }
    if (value_ && !is_delete) {
        std::string v;
        if (auto e = value_->encode(values, v)) return "the value: " + *e;
        out.value = std::move(v);
    }
    return std::nullopt;
}

} // namespace brook::stream
