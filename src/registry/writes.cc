#include "registry/writes.h"

#include <cctype>

#include "registry/compat.h"

namespace brook::registry {
namespace {

using ojson = nlohmann::ordered_json;

std::optional<api_error> refuse_readonly(const state& st, const std::string& subject) {
    if (st.effective_mode(subject) == mode::readonly)
        return err::not_permitted("Subject " + subject + " is in read-only mode");
    return std::nullopt;
}

std::string schema_key_text(const std::string& subject, int version) {
    return "{magic=1,keytype=SCHEMA,subject=" + subject + ",version=" + std::to_string(version) + "}";
}

ojson config_reply(const subject_config& c, const char* level_key) {
    ojson j = ojson::object();
    if (c.compatibility) j[level_key] = *c.compatibility;
    if (c.normalize) j["normalize"] = *c.normalize;
    if (c.json_policy) j["jsonCompatibilityPolicy"] = *c.json_policy;
    return j;
}

} // namespace

bool valid_subject(const std::string& s) {
    if (s.empty() || s == "__GLOBAL" || s == "__EMPTY") return false;
    // Well-formed UTF-8 without control characters: the name goes into JSON records and must
    // read back the same.
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f) return false;
        size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
        if (n == 2 && c < 0xc2) return false; // overlong
        i += n;
    }
    return true;
}

plan_outcome plan_register(const state& st, const register_request& r) {
    if (!valid_subject(r.subject)) return err::invalid_subject(r.subject);
    if (auto e = refuse_readonly(st, r.subject)) return *e;
    const mode m = st.effective_mode(r.subject);
    if (r.id && *r.id < 1) return err::id_mismatch("Invalid id " + std::to_string(*r.id));
    if (r.version && *r.version < 1) return err::invalid_version(std::to_string(*r.version));

    auto parsed = st.parse(r.kind, r.schema, r.references);
    if (parsed.error) return *parsed.error;
    const bool normalize = r.normalize || st.effective_normalize(r.subject);
    const std::string form = normalize ? parsed.parsed->normalized() : parsed.parsed->canonical();
    const std::string identity = state::identity_of(r.kind, parsed.references, form);

    if (auto existing = st.find_in_subject(r.subject, identity, normalize, false)) {
        if (r.id && *r.id != existing->id)
            return err::id_mismatch("Schema already registered with id " + std::to_string(existing->id) +
                                    " instead of input id " + std::to_string(*r.id));
        return plan{{}, ojson{{"id", existing->id}}};
    }
    if (r.id && m != mode::import)
        return err::not_permitted("Subject " + r.subject + " is not in import mode: an id may not be given");

    const subject_state* sub = st.subject(r.subject);
    const int next_version = (sub ? sub->max_version : 0) + 1;
    int version = next_version;
    if (r.version) {
        if (m == mode::import) {
            if (sub && sub->versions.count(*r.version))
                return err::not_permitted("Subject " + r.subject + " already has version " + std::to_string(*r.version));
            version = *r.version;
        } else if (*r.version != next_version) {
            return err::invalid_version(std::to_string(*r.version));
        }
    }

    int id = 0;
    if (r.id) {
        if (const auto* taken = st.schema(*r.id)) {
            std::string_view other = normalize ? taken->normalized_identity() : std::string_view(taken->identity);
            if (other != identity)
                return err::id_mismatch("Overwrite new schema with id " + std::to_string(*r.id) + " is not permitted.");
        }
        id = *r.id;
    } else if (auto known = st.find_id(identity, normalize)) {
        id = *known;
    } else {
        id = st.max_id() + 1;
    }

    if (m != mode::import) {
        const compat_level level = st.effective_level(r.subject);
        auto verdict = check_against(st, level, r.kind, *parsed.parsed, versions_for_level(st, r.subject, level),
                                     st.effective_check_options(r.subject));
        if (!verdict.compatible) return err::incompatible(incompatible_message(r.subject, verdict));
    }

    schema_record rec{r.subject, version, schema_record::body{}};
    rec.value->id = id;
    rec.value->kind = r.kind;
    rec.value->references = parsed.references;
    // An id already known keeps the text it was first stored with, so every record of one id agrees.
    if (const auto* known = st.schema(id)) rec.value->schema = std::string(known->text());
    else rec.value->schema = normalize ? parsed.parsed->normalized() : parsed.parsed->text();
    return plan{{rec}, ojson{{"id", id}}};
}

plan_outcome plan_delete_version(const state& st, const std::string& subject, int version, bool permanent) {
    if (auto e = refuse_readonly(st, subject)) return *e;
    std::optional<version_view> v = st.get(subject, version, permanent || version != -1);
    if (!v) {
        if (!st.has_subject(subject, true)) return err::subject_not_found(subject);
        return err::version_not_found(version);
    }
    if (!permanent && v->deleted) return err::version_soft_deleted(subject, v->version);
    if (permanent && !v->deleted) return err::version_not_soft_deleted(subject, v->version);
    if (!st.referenced_by(subject, v->version).empty())
        return err::reference_exists("One or more references exist to the schema " +
                                     schema_key_text(subject, v->version) + ".");
    schema_record rec{subject, v->version, std::nullopt};
    if (!permanent) {
        rec.value = schema_record::body{v->id, v->schema->kind, v->schema->references, std::string(v->schema->text()), true};
    }
    return plan{{rec}, ojson(v->version)};
}

plan_outcome plan_delete_subject(const state& st, const std::string& subject, bool permanent) {
    if (auto e = refuse_readonly(st, subject)) return *e;
    if (!st.has_subject(subject, true)) return err::subject_not_found(subject);
    const bool live = st.has_subject(subject, false);
    if (!permanent && !live) return err::subject_soft_deleted(subject);
    if (permanent && live) return err::subject_not_soft_deleted(subject);
    const auto versions = st.versions(subject, permanent, false);
    for (int v : versions)
        if (!st.referenced_by(subject, v).empty())
            return err::reference_exists("One or more references exist to the schema " + schema_key_text(subject, v) + ".");
    plan p;
    p.reply = ojson::array();
    for (int v : versions) p.reply.push_back(v);
    if (!permanent) {
        p.records.push_back(delete_subject_record{subject, versions.back()});
        return p;
    }
    for (int v : versions) p.records.push_back(schema_record{subject, v, std::nullopt});
    // A subject deleted for good takes its settings with it (as Confluent does).
    if (st.config(subject)) p.records.push_back(config_record{subject, std::nullopt});
    if (st.subject_mode(subject)) p.records.push_back(mode_record{subject, std::nullopt});
    return p;
}

plan_outcome plan_set_config(const state& st, const std::optional<std::string>& subject,
                             const std::optional<std::string>& compatibility, std::optional<bool> normalize,
                             const std::optional<std::string>& json_policy) {
    if (subject && !valid_subject(*subject)) return err::invalid_subject(*subject);
    if (!compatibility && !normalize && !json_policy) return err::invalid_compatibility("null");
    subject_config next;
    if (const auto* cur = st.config(subject)) next = *cur;
    if (compatibility) {
        auto level = parse_level(*compatibility);
        if (!level) return err::invalid_compatibility(*compatibility);
        next.compatibility = std::string(level_name(*level));
    }
    if (normalize) next.normalize = normalize;
    if (json_policy) {
        std::string p = *json_policy;
        for (auto& c : p) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (p != "STRICT" && p != "LENIENT")
            return api_error{422, 42203, "Invalid jsonCompatibilityPolicy '" + *json_policy + "'. Valid values are STRICT, LENIENT"};
        next.json_policy = p;
    }
    config_record rec{subject, config_record::body{next.compatibility, next.normalize, next.json_policy}};
    return plan{{rec}, config_reply(next, "compatibility")};
}

plan_outcome plan_delete_config(const state& st, const std::optional<std::string>& subject) {
    const auto* cur = st.config(subject);
    if (!subject) {
        subject_config shown = cur ? *cur : subject_config{};
        if (!shown.compatibility) shown.compatibility = "BACKWARD";
        plan p{{}, config_reply(shown, "compatibilityLevel")};
        if (cur) p.records.push_back(config_record{std::nullopt, std::nullopt});
        return p;
    }
    if (!cur) {
        if (!st.has_subject(*subject, true)) return err::subject_not_found(*subject);
        return err::compatibility_not_configured(*subject);
    }
    return plan{{config_record{subject, std::nullopt}}, config_reply(*cur, "compatibilityLevel")};
}

plan_outcome plan_set_mode(const state& st, const std::optional<std::string>& subject, const std::string& name,
                           bool force) {
    if (subject && !valid_subject(*subject)) return err::invalid_subject(*subject);
    auto m = parse_mode(name);
    if (!m) return err::invalid_mode(name);
    if (*m == mode::import && !force) {
        // Importing into a registry that already has schemas could collide with their ids.
        bool existing = subject ? st.has_subject(*subject, true) : !st.subjects("", true, false).empty();
        if (existing)
            return err::not_permitted("Cannot import since found existing subjects; use force=true to import anyway");
    }
    std::string n(mode_name(*m));
    return plan{{mode_record{subject, n}}, ojson{{"mode", n}}};
}

plan_outcome plan_delete_mode(const state& st, const std::optional<std::string>& subject) {
    auto cur = st.subject_mode(subject);
    if (!subject) {
        plan p{{}, ojson{{"mode", std::string(mode_name(cur.value_or(mode::readwrite)))}}};
        if (cur) p.records.push_back(mode_record{std::nullopt, std::nullopt});
        return p;
    }
    if (!cur) return err::mode_not_configured(*subject);
    return plan{{mode_record{subject, std::nullopt}}, ojson{{"mode", std::string(mode_name(*cur))}}};
}

} // namespace brook::registry
