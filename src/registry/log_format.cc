#include "registry/log_format.h"

#include <nlohmann/json.hpp>

namespace brook::registry {
namespace {

using ojson = nlohmann::ordered_json;

std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

ojson subject_or_null(const std::optional<std::string>& s) { return s ? ojson(*s) : ojson(nullptr); }

struct encoder {
    encoded_record operator()(const schema_record& r) const {
        ojson key = {{"keytype", "SCHEMA"}, {"subject", r.subject}, {"version", r.version}, {"magic", 1}};
        if (!r.value) return {dump(key), std::nullopt};
        ojson v = {{"subject", r.subject}, {"version", r.version}, {"id", r.value->id}};
        if (r.value->kind != schema_kind::avro) v["schemaType"] = kind_name(r.value->kind);
        if (!r.value->references.empty()) {
            ojson refs = ojson::array();
            for (const auto& ref : r.value->references)
                refs.push_back({{"name", ref.name}, {"subject", ref.subject}, {"version", ref.version}});
            v["references"] = std::move(refs);
        }
        v["schema"] = r.value->schema;
        v["deleted"] = r.value->deleted;
        return {dump(key), dump(v)};
    }
    encoded_record operator()(const config_record& r) const {
        ojson key = {{"keytype", "CONFIG"}, {"subject", subject_or_null(r.subject)}, {"magic", 0}};
        if (!r.value) return {dump(key), std::nullopt};
        ojson v = ojson::object();
        if (r.value->compatibility) v["compatibilityLevel"] = *r.value->compatibility;
        if (r.value->normalize) v["normalize"] = *r.value->normalize;
        if (r.value->json_policy) v["jsonCompatibilityPolicy"] = *r.value->json_policy;
        return {dump(key), dump(v)};
    }
    encoded_record operator()(const mode_record& r) const {
        ojson key = {{"keytype", "MODE"}, {"subject", subject_or_null(r.subject)}, {"magic", 0}};
        if (!r.mode) return {dump(key), std::nullopt};
        return {dump(key), dump(ojson{{"mode", *r.mode}})};
    }
    encoded_record operator()(const delete_subject_record& r) const {
        ojson key = {{"keytype", "DELETE_SUBJECT"}, {"subject", r.subject}, {"magic", 0}};
        return {dump(key), dump(ojson{{"subject", r.subject}, {"version", r.version}})};
    }
    encoded_record operator()(const noop_record&) const {
        return {dump(ojson{{"keytype", "NOOP"}, {"magic", 0}}), std::nullopt};
    }
};

std::optional<std::string> opt_subject(const nlohmann::json& key) {
    auto it = key.find("subject");
    if (it == key.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    return std::nullopt;
}

bool is_int(const nlohmann::json& j, const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_number_integer();
}

decoded fail(std::string why) { return {std::nullopt, std::move(why)}; }

decoded decode_schema(const nlohmann::json& key, const std::optional<nlohmann::json>& value) {
    if (!key.contains("subject") || !key["subject"].is_string() || !is_int(key, "version"))
        return fail("SCHEMA key without subject/version");
    schema_record r{key["subject"].get<std::string>(), key["version"].get<int>(), std::nullopt};
    if (!value || value->is_null()) return {r, {}};
    const auto& v = *value;
    if (!v.is_object() || !is_int(v, "id") || !v.contains("schema") || !v["schema"].is_string())
        return fail("SCHEMA value without id/schema");
    schema_record::body b;
    b.id = v["id"].get<int>();
    b.schema = v["schema"].get<std::string>();
    if (auto it = v.find("schemaType"); it != v.end() && !it->is_null()) {
        auto k = it->is_string() ? parse_kind(it->get<std::string>()) : std::nullopt;
        if (!k) return fail("SCHEMA value with unknown schemaType " + it->dump());
        b.kind = *k;
    }
    if (auto it = v.find("references"); it != v.end() && it->is_array()) {
        for (const auto& ref : *it) {
            if (!ref.is_object() || !ref.contains("name") || !ref["name"].is_string() || !ref.contains("subject") ||
                !ref["subject"].is_string() || !is_int(ref, "version"))
                return fail("SCHEMA value with a malformed reference");
            b.references.push_back({ref["name"], ref["subject"], ref["version"].get<int>()});
        }
    }
    if (auto it = v.find("deleted"); it != v.end() && it->is_boolean()) b.deleted = it->get<bool>();
    // The key names the slot; a value disagreeing with it is someone else's bug: the key wins.
    r.value = std::move(b);
    return {r, {}};
}

decoded decode_config(const nlohmann::json& key, const std::optional<nlohmann::json>& value) {
    config_record r{opt_subject(key), std::nullopt};
    if (!value || value->is_null()) return {r, {}};
    if (!value->is_object()) return fail("CONFIG value is not an object");
    config_record::body b;
    if (auto it = value->find("compatibilityLevel"); it != value->end() && it->is_string()) b.compatibility = it->get<std::string>();
    // Older Karapace versions wrote "compatibility".
    else if (auto it2 = value->find("compatibility"); it2 != value->end() && it2->is_string()) b.compatibility = it2->get<std::string>();
    if (auto it = value->find("normalize"); it != value->end() && it->is_boolean()) b.normalize = it->get<bool>();
    if (auto it = value->find("jsonCompatibilityPolicy"); it != value->end() && it->is_string())
        b.json_policy = it->get<std::string>();
    r.value = std::move(b);
    return {r, {}};
}

decoded decode_mode(const nlohmann::json& key, const std::optional<nlohmann::json>& value) {
    mode_record r{opt_subject(key), std::nullopt};
    if (!value || value->is_null()) return {r, {}};
    if (!value->is_object() || !value->contains("mode") || !(*value)["mode"].is_string())
        return fail("MODE value without mode");
    r.mode = (*value)["mode"].get<std::string>();
    return {r, {}};
}

decoded decode_delete_subject(const nlohmann::json& key, const std::optional<nlohmann::json>& value) {
    auto subject = opt_subject(key);
    if (!subject) return fail("DELETE_SUBJECT key without subject");
    if (!value || !value->is_object() || !is_int(*value, "version")) return fail("DELETE_SUBJECT value without version");
    return {delete_subject_record{*subject, (*value)["version"].get<int>()}, {}};
}

} // namespace

encoded_record encode(const log_record& r) { return std::visit(encoder{}, r); }

decoded decode(const std::string& key_bytes, const std::optional<std::string>& value_bytes) {
    auto key = nlohmann::json::parse(key_bytes, nullptr, false);
    if (key.is_discarded() || !key.is_object()) return fail("key is not a JSON object");
    auto kt = key.find("keytype");
    if (kt == key.end() || !kt->is_string()) return fail("key without keytype");
    std::optional<nlohmann::json> value;
    if (value_bytes && !value_bytes->empty()) {
        auto v = nlohmann::json::parse(*value_bytes, nullptr, false);
        if (v.is_discarded()) return fail("value is not JSON");
        value = std::move(v);
    }
    const auto type = kt->get<std::string>();
    if (type == "SCHEMA") return decode_schema(key, value);
    if (type == "CONFIG") return decode_config(key, value);
    if (type == "MODE") return decode_mode(key, value);
    if (type == "DELETE_SUBJECT") return decode_delete_subject(key, value);
    if (type == "NOOP") return {noop_record{}, {}};
    return fail("unknown keytype " + type);
}

} // namespace brook::registry
