#pragma once
// The registry's state, rebuilt from `_schemas` and changed only by applying its records:
// subjects -> versions -> (id, deleted), ids -> schema (type, text, references, identity),
// configs and modes (global and per subject). Pure: no sockets, no threads, no
// clock; the same records in the same order give the same state, which is what replay and
// the tests rely on.
//
// Identity: two registrations are the same schema when type, canonical form and references
// are equal (`identity`), or with normalize their normalized forms (`normalized_identity()`).
// A record whose schema the type cannot parse (another tool's log, a type not built in) is
// kept with its raw text as identity, so it is still served by id and version.
//
// Threads: none inside. The owner (registry::service) guards one state with a shared_mutex:
// queries under a shared lock, apply under an exclusive one. Pointers a query returns are
// valid until the next apply.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "registry/error.h"
#include "registry/log_format.h"
#include "registry/schema_type.h"

namespace brook::registry {

enum class compat_level { backward, backward_transitive, forward, forward_transitive, full, full_transitive, none };
std::optional<compat_level> parse_level(std::string_view s); // case-insensitive
std::string_view level_name(compat_level l);

enum class mode { readwrite, readonly, import };
std::optional<mode> parse_mode(std::string_view s); // case-insensitive
std::string_view mode_name(mode m);

// The schema types this registry serves (AVRO, JSON, PROTOBUF as built).
class type_set {
public:
    explicit type_set(std::vector<std::unique_ptr<schema_type>> types);
    const schema_type* find(schema_kind k) const;
    std::vector<schema_kind> kinds() const;

private:
    std::vector<std::unique_ptr<schema_type>> types_;
};

// One id's schema. Memory matters (every id ever registered stays in memory): the parsed
// form is not kept (compatibility checks parse the few versions they need), the text shares
// its bytes with the identity when it is the canonical form (Avro, JSON), and the indexes key
// on hashes of the identities.
struct stored_schema {
    int id = 0;
    schema_kind kind = schema_kind::avro;
    std::vector<schema_reference> references;
    std::string identity;            // identity_of(kind, references, canonical form)
    int uses = 0;                    // versions (live or soft-deleted) carrying this id
    bool parseable = true;           // false: kept raw, as another tool wrote it

    // The text as stored in the log and served.
    std::string_view text() const { return own_text_.empty() ? form() : std::string_view(own_text_); }
    // The `normalize=true` identity.
    std::string_view normalized_identity() const { return normalized_.empty() ? std::string_view(identity) : normalized_; }

private:
    friend class state;
    std::string_view form() const { return std::string_view(identity).substr(form_at_); }
    size_t form_at_ = 0;           // where the canonical form starts inside identity
    std::string own_text_;         // set only when the text differs from the canonical form
    std::string normalized_;       // set only when it differs from identity
};

struct version_info {
    int id = 0;
    bool deleted = false;
};

struct subject_state {
    std::map<int, version_info> versions; // by version number
    int max_version = 0;                  // highest ever seen, permanently deleted ones too
    bool has_live() const;
};

struct subject_config {
    std::optional<std::string> compatibility;
    std::optional<bool> normalize;
    std::optional<std::string> json_policy; // STRICT or LENIENT (JSON Schema checks)
};

// One version of a subject as queries return it.
struct version_view {
    std::string subject;
    int version = 0;
    int id = 0;
    bool deleted = false;
    const stored_schema* schema = nullptr;
};

struct parse_result {
    std::shared_ptr<const parsed_schema> parsed;
    std::vector<schema_reference> references; // as resolved (a version -1 becomes a number)
    std::optional<api_error> error;
};

class state {
public:
    explicit state(const type_set& types) : types_(&types) {}

    // Applies one record; returns a warning when the record was unusable and skipped or
    // only partly applied (replay logs it and goes on, as Confluent and Karapace do).
    std::optional<std::string> apply(const log_record& r);

    // --- queries ---
    const type_set& types() const { return *types_; }
    const stored_schema* schema(int id) const;
    int max_id() const { return max_id_; }
    const subject_state* subject(const std::string& name) const;
    // A subject exists when it has a version (a live one unless include_deleted).
    bool has_subject(const std::string& name, bool include_deleted) const;
    // Sorted subject names with a live version (include_deleted: with any version;
    // deleted_only: with versions, none of them live).
    std::vector<std::string> subjects(const std::string& prefix, bool include_deleted, bool deleted_only) const;
    // Versions of a subject, ascending, filtered as Confluent's LookupFilter.
    std::vector<int> versions(const std::string& name, bool include_deleted, bool deleted_only) const;
    // version -1 = latest (live, or any with include_deleted).
    std::optional<version_view> get(const std::string& name, int version, bool include_deleted) const;
    // Every (subject, version) carrying `id`, sorted.
    std::vector<version_view> versions_of_id(int id, bool include_deleted) const;
    // Ids of live versions whose references point at subject/version.
    std::vector<int> referenced_by(const std::string& name, int version) const;
    // The subject's version whose schema has this identity (newest first).
    std::optional<version_view> find_in_subject(const std::string& name, const std::string& identity, bool normalized,
                                                bool include_deleted) const;
    // An id already carrying this identity anywhere.
    std::optional<int> find_id(const std::string& identity, bool normalized) const;

    const subject_config* config(const std::optional<std::string>& subject) const;
    compat_level effective_level(const std::string& subject) const;
    bool effective_normalize(const std::string& subject) const;
    // What the schema types get for a check in this subject (the JSON Schema policy).
    check_options effective_check_options(const std::string& subject) const;
    std::optional<mode> subject_mode(const std::optional<std::string>& subject) const;
    mode effective_mode(const std::string& subject) const;
    const std::map<std::string, subject_state>& all_subjects() const { return subjects_; }

    // Parses text of kind with its references resolved against this state (dependencies first).
    parse_result parse(schema_kind kind, const std::string& text, const std::vector<schema_reference>& refs) const;

    // The identity keys for a parsed schema with references.
    static std::string identity_of(schema_kind k, const std::vector<schema_reference>& refs, const std::string& form);

private:
    std::optional<std::string> apply_schema(const schema_record& r);
    void acquire(int id, const schema_record::body& b, std::optional<std::string>& warning);
    void release(int id);

    const type_set* types_;
    std::map<std::string, subject_state> subjects_;
    std::map<int, stored_schema> ids_;
    // hash of an identity -> ids with that hash (compared in full on lookup)
    std::unordered_multimap<size_t, int> by_identity_, by_normalized_;
    int max_id_ = 0;
    std::optional<subject_config> global_config_;
    std::map<std::string, subject_config> subject_configs_;
    std::optional<mode> global_mode_;
    std::map<std::string, mode> subject_modes_;
};

} // namespace brook::registry
