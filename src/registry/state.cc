#include "registry/state.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace brook::registry {
namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

constexpr std::pair<compat_level, std::string_view> level_names[] = {
    {compat_level::backward, "BACKWARD"},         {compat_level::backward_transitive, "BACKWARD_TRANSITIVE"},
    {compat_level::forward, "FORWARD"},           {compat_level::forward_transitive, "FORWARD_TRANSITIVE"},
    {compat_level::full, "FULL"},                 {compat_level::full_transitive, "FULL_TRANSITIVE"},
    {compat_level::none, "NONE"},
};
constexpr std::pair<mode, std::string_view> mode_names[] = {
    {mode::readwrite, "READWRITE"}, {mode::readonly, "READONLY"}, {mode::import, "IMPORT"}};

} // namespace

std::optional<compat_level> parse_level(std::string_view s) {
    auto u = upper(s);
    for (auto [l, n] : level_names)
        if (n == u) return l;
    return std::nullopt;
}
std::string_view level_name(compat_level l) {
    for (auto [x, n] : level_names)
        if (x == l) return n;
    return "BACKWARD";
}
std::optional<mode> parse_mode(std::string_view s) {
    auto u = upper(s);
    for (auto [m, n] : mode_names)
        if (n == u) return m;
    return std::nullopt;
}
std::string_view mode_name(mode m) {
    for (auto [x, n] : mode_names)
        if (x == m) return n;
    return "READWRITE";
}

type_set::type_set(std::vector<std::unique_ptr<schema_type>> types) : types_(std::move(types)) {}
const schema_type* type_set::find(schema_kind k) const {
    for (const auto& t : types_)
        if (t->kind() == k) return t.get();
    return nullptr;
}
std::vector<schema_kind> type_set::kinds() const {
    std::vector<schema_kind> out;
    for (const auto& t : types_) out.push_back(t->kind());
    return out;
}

bool subject_state::has_live() const {
    return std::ranges::any_of(versions, [](const auto& kv) { return !kv.second.deleted; });
}

std::string state::identity_of(schema_kind k, const std::vector<schema_reference>& refs, const std::string& form) {
    std::string key(kind_name(k));
    for (const auto& r : refs) {
        key += '\x1f';
        key += r.name + '\x1e' + r.subject + '\x1e' + std::to_string(r.version);
    }
    key += '\x1d';
    key += form;
    return key;
}

// --- apply ---

std::optional<std::string> state::apply(const log_record& r) {
    if (auto* s = std::get_if<schema_record>(&r)) return apply_schema(*s);
    if (auto* c = std::get_if<config_record>(&r)) {
        if (c->value && c->value->compatibility && !parse_level(*c->value->compatibility))
            return "CONFIG record with unknown compatibility level '" + *c->value->compatibility + "' skipped";
        std::optional<subject_config> v;
        if (c->value) {
            v = subject_config{c->value->compatibility, c->value->normalize, c->value->json_policy};
            if (v->compatibility) v->compatibility = upper(*v->compatibility);
        }
        if (!c->subject) global_config_ = v;
        else if (v) subject_configs_[*c->subject] = *v;
        else subject_configs_.erase(*c->subject);
        return std::nullopt;
    }
    if (auto* m = std::get_if<mode_record>(&r)) {
        std::optional<mode> v;
        if (m->mode) {
            v = parse_mode(*m->mode);
            if (!v) return "MODE record with unknown mode '" + *m->mode + "' skipped";
        }
        if (!m->subject) global_mode_ = v;
        else if (v) subject_modes_[*m->subject] = *v;
        else subject_modes_.erase(*m->subject);
        return std::nullopt;
    }
    if (auto* d = std::get_if<delete_subject_record>(&r)) {
        auto it = subjects_.find(d->subject);
        if (it == subjects_.end()) return std::nullopt;
        for (auto& [v, info] : it->second.versions)
            if (v <= d->version) info.deleted = true;
        return std::nullopt;
    }
    return std::nullopt; // NOOP
}

std::optional<std::string> state::apply_schema(const schema_record& r) {
    std::optional<std::string> warning;
    if (!r.value) { // tombstone: the version is gone for good, its number is not reused
        auto it = subjects_.find(r.subject);
        if (it == subjects_.end()) return std::nullopt;
        it->second.max_version = std::max(it->second.max_version, r.version);
        auto v = it->second.versions.find(r.version);
        if (v != it->second.versions.end()) {
            int id = v->second.id;
            it->second.versions.erase(v);
            release(id);
        }
        return std::nullopt;
    }
    const auto& b = *r.value;
    if (b.id <= 0 || r.version <= 0) return "SCHEMA record with id " + std::to_string(b.id) + " version " +
                                            std::to_string(r.version) + " skipped";
    auto& sub = subjects_[r.subject];
    sub.max_version = std::max(sub.max_version, r.version);
    auto [slot, fresh] = sub.versions.try_emplace(r.version, version_info{b.id, b.deleted});
    if (!fresh) {
        slot->second.deleted = b.deleted;
        if (slot->second.id == b.id) return std::nullopt;
        int old = slot->second.id;
        slot->second.id = b.id;
        acquire(b.id, b, warning);
        release(old);
        return warning;
    }
    acquire(b.id, b, warning);
    return warning;
}

namespace {
void erase_entry(std::unordered_multimap<size_t, int>& index, size_t h, int id) {
    auto [b, e] = index.equal_range(h);
    for (auto it = b; it != e; ++it)
        if (it->second == id) {
            index.erase(it);
            return;
        }
}
} // namespace

void state::acquire(int id, const schema_record::body& b, std::optional<std::string>& warning) {
    max_id_ = std::max(max_id_, id);
    auto it = ids_.find(id);
    if (it != ids_.end()) {
        ++it->second.uses;
        if (it->second.text() != b.schema || it->second.kind != b.kind)
            warning = "id " + std::to_string(id) + " recorded with two different schemas; the first is kept";
        return;
    }
    stored_schema s;
    s.id = id;
    s.kind = b.kind;
    s.references = b.references;
    s.uses = 1;
    auto p = parse(b.kind, b.schema, b.references);
    if (p.parsed) {
        auto canonical = p.parsed->canonical();
        s.identity = identity_of(b.kind, b.references, canonical);
        s.form_at_ = s.identity.size() - canonical.size();
        auto normalized = identity_of(b.kind, b.references, p.parsed->normalized());
        if (normalized != s.identity) s.normalized_ = std::move(normalized);
    } else {
        s.identity = identity_of(b.kind, b.references, b.schema);
        s.form_at_ = s.identity.size() - b.schema.size();
        s.parseable = false;
        warning = "schema id " + std::to_string(id) + " kept unparsed: " + (p.error ? p.error->message : "unknown");
    }
    if (s.form() != b.schema) s.own_text_ = b.schema;
    by_identity_.emplace(std::hash<std::string_view>{}(s.identity), id);
    by_normalized_.emplace(std::hash<std::string_view>{}(s.normalized_identity()), id);
    ids_.emplace(id, std::move(s));
}

void state::release(int id) {
    auto it = ids_.find(id);
    if (it == ids_.end() || --it->second.uses > 0) return;
    erase_entry(by_identity_, std::hash<std::string_view>{}(it->second.identity), id);
    erase_entry(by_normalized_, std::hash<std::string_view>{}(it->second.normalized_identity()), id);
    ids_.erase(it);
}

// --- queries ---

const stored_schema* state::schema(int id) const {
    auto it = ids_.find(id);
    return it == ids_.end() ? nullptr : &it->second;
}

const subject_state* state::subject(const std::string& name) const {
    auto it = subjects_.find(name);
    return it == subjects_.end() ? nullptr : &it->second;
}

bool state::has_subject(const std::string& name, bool include_deleted) const {
    auto* s = subject(name);
    if (!s || s->versions.empty()) return false;
    return include_deleted || s->has_live();
}

std::vector<std::string> state::subjects(const std::string& prefix, bool include_deleted, bool deleted_only) const {
    std::vector<std::string> out;
    for (auto it = subjects_.lower_bound(prefix); it != subjects_.end() && it->first.starts_with(prefix); ++it) {
        if (it->second.versions.empty()) continue;
        bool live = it->second.has_live();
        if (deleted_only ? !live : (live || include_deleted)) out.push_back(it->first);
    }
    return out;
}

std::vector<int> state::versions(const std::string& name, bool include_deleted, bool deleted_only) const {
    std::vector<int> out;
    if (auto* s = subject(name))
        for (const auto& [v, info] : s->versions)
            if (deleted_only ? info.deleted : (include_deleted || !info.deleted)) out.push_back(v);
    return out;
}

std::optional<version_view> state::get(const std::string& name, int version, bool include_deleted) const {
    auto* s = subject(name);
    if (!s) return std::nullopt;
    auto view = [&](int v, const version_info& info) {
        return version_view{name, v, info.id, info.deleted, schema(info.id)};
    };
    if (version == -1) {
        for (auto it = s->versions.rbegin(); it != s->versions.rend(); ++it)
            if (include_deleted || !it->second.deleted) return view(it->first, it->second);
        return std::nullopt;
    }
    auto it = s->versions.find(version);
    if (it == s->versions.end() || (it->second.deleted && !include_deleted)) return std::nullopt;
    return view(it->first, it->second);
}

std::vector<version_view> state::versions_of_id(int id, bool include_deleted) const {
    std::vector<version_view> out;
    const auto* sch = schema(id);
    if (!sch) return out;
    for (const auto& [name, s] : subjects_)
        for (const auto& [v, info] : s.versions)
            if (info.id == id && (include_deleted || !info.deleted)) out.push_back({name, v, id, info.deleted, sch});
    return out;
}

std::vector<int> state::referenced_by(const std::string& name, int version) const {
    std::set<int> ids;
    for (const auto& [sname, s] : subjects_)
        for (const auto& [v, info] : s.versions) {
            if (info.deleted) continue;
            const auto* sch = schema(info.id);
            if (!sch) continue;
            for (const auto& ref : sch->references)
                if (ref.subject == name && ref.version == version) ids.insert(info.id);
        }
    return {ids.begin(), ids.end()};
}

std::optional<version_view> state::find_in_subject(const std::string& name, const std::string& identity,
                                                   bool normalized, bool include_deleted) const {
    auto* s = subject(name);
    if (!s) return std::nullopt;
    for (auto it = s->versions.rbegin(); it != s->versions.rend(); ++it) {
        if (it->second.deleted && !include_deleted) continue;
        const auto* sch = schema(it->second.id);
        if (sch && (normalized ? sch->normalized_identity() : std::string_view(sch->identity)) == identity)
            return version_view{name, it->first, it->second.id, it->second.deleted, sch};
    }
    return std::nullopt;
}

std::optional<int> state::find_id(const std::string& identity, bool normalized) const {
    const auto& index = normalized ? by_normalized_ : by_identity_;
    auto [b, e] = index.equal_range(std::hash<std::string_view>{}(identity));
    std::optional<int> out;
    for (auto it = b; it != e; ++it) {
        const auto* sch = schema(it->second);
        if (sch && (normalized ? sch->normalized_identity() : std::string_view(sch->identity)) == identity &&
            (!out || it->second < *out))
            out = it->second; // the first id a schema got, as a single index would keep
    }
    return out;
}

const subject_config* state::config(const std::optional<std::string>& subject) const {
    if (!subject) return global_config_ ? &*global_config_ : nullptr;
    auto it = subject_configs_.find(*subject);
    return it == subject_configs_.end() ? nullptr : &it->second;
}

compat_level state::effective_level(const std::string& subject) const {
    if (auto* c = config(subject); c && c->compatibility) return parse_level(*c->compatibility).value_or(compat_level::backward);
    if (global_config_ && global_config_->compatibility)
        return parse_level(*global_config_->compatibility).value_or(compat_level::backward);
    return compat_level::backward;
}

bool state::effective_normalize(const std::string& subject) const {
    if (auto* c = config(subject); c && c->normalize) return *c->normalize;
    return global_config_ && global_config_->normalize.value_or(false);
}

check_options state::effective_check_options(const std::string& subject) const {
    check_options o;
    if (auto* c = config(subject); c && c->json_policy) o.json_policy = *c->json_policy;
    else if (global_config_ && global_config_->json_policy) o.json_policy = *global_config_->json_policy;
    return o;
}

std::optional<mode> state::subject_mode(const std::optional<std::string>& subject) const {
    if (!subject) return global_mode_;
    auto it = subject_modes_.find(*subject);
    if (it == subject_modes_.end()) return std::nullopt;
    return it->second;
}

mode state::effective_mode(const std::string& subject) const {
    if (auto m = subject_mode(subject)) return *m;
    return global_mode_.value_or(mode::readwrite);
}

// --- parsing with references ---

parse_result state::parse(schema_kind kind, const std::string& text, const std::vector<schema_reference>& refs) const {
    parse_result out;
    const schema_type* type = types_->find(kind);
    if (!type) {
        out.error = err::invalid_schema("Invalid schema: schema type " + std::string(kind_name(kind)) + " is not supported");
        return out;
    }
    // Dependencies of dependencies first, each (subject, version) once.
    std::vector<resolved_reference> resolved;
    std::set<std::pair<std::string, int>> seen;
    std::optional<api_error> failure;
    auto visit = [&](auto& self, const schema_reference& ref, int depth) -> void {
        if (failure) return;
        if (depth > 64) {
            failure = err::invalid_schema("Invalid schema: references nest deeper than 64 levels");
            return;
        }
        auto v = get(ref.subject, ref.version, /*include_deleted=*/ref.version != -1);
        if (!v || !v->schema) {
            failure = err::invalid_schema("Invalid schema: reference '" + ref.name + "' to subject '" + ref.subject +
                                          "' version " + std::to_string(ref.version) + " does not exist");
            return;
        }
        if (!seen.insert({ref.subject, v->version}).second) return;
        for (const auto& inner : v->schema->references) self(self, inner, depth + 1);
        resolved.push_back({ref.name, ref.subject, v->version, std::string(v->schema->text())});
    };
    for (const auto& ref : refs) {
        if (ref.name.empty() || ref.subject.empty()) {
            out.error = err::invalid_schema("Invalid schema: a reference needs a name and a subject");
            return out;
        }
        if (ref.version != -1 && ref.version < 1) {
            out.error = err::invalid_schema("Invalid schema: reference '" + ref.name + "' has invalid version " +
                                            std::to_string(ref.version));
            return out;
        }
        visit(visit, ref, 0);
        auto v = get(ref.subject, ref.version, ref.version != -1);
        out.references.push_back({ref.name, ref.subject, v ? v->version : ref.version});
    }
    if (failure) {
        out.error = failure;
        return out;
    }
    // The referring schema names its direct references by their own names; the resolved list
    // carries those names for the direct ones (a dependency seen first deeper keeps its name).
    for (auto& r : resolved)
        for (const auto& ref : out.references)
            if (r.subject == ref.subject && r.version == ref.version) r.name = ref.name;
    auto p = type->parse(text, resolved);
    if (!p.schema) {
        out.error = err::invalid_schema("Invalid schema " + text.substr(0, 200) + (text.size() > 200 ? "..." : "") +
                                        ", details: " + p.error);
        return out;
    }
    out.parsed = std::move(p.schema);
    return out;
}

} // namespace brook::registry
