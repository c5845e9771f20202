#pragma once
// The registry's write operations as pure plans: given the state, either a refusal or the
// `_schemas` records to append plus the answer to give once they are applied. Every check
// runs here, before anything is written (mode, subject and version existence, references,
// compatibility, ids), so a refused request leaves no record behind. A plan with no records
// is answered at once (the schema was already registered).
//
// Pure; call under the state's shared lock, from the one thread that appends (the store's
// writer), so no other write lands between the plan and its records.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "registry/state.h"

namespace brook::registry {

struct plan {
    std::vector<log_record> records;
    nlohmann::ordered_json reply;
};
using plan_outcome = std::variant<plan, api_error>;

struct register_request {
    std::string subject;
    schema_kind kind = schema_kind::avro;
    std::string schema;
    std::vector<schema_reference> references;
    std::optional<int> id;      // only in IMPORT mode (or naming the id it already has)
    std::optional<int> version; // only in IMPORT mode (or the next version)
    bool normalize = false;     // the query parameter; the subject's config may also ask for it
};

// Confluent's subject name rule: not empty, no control characters, not a reserved name.
bool valid_subject(const std::string& s);

plan_outcome plan_register(const state& st, const register_request& r);
// version -1: latest (live for a soft delete, any for a permanent one).
plan_outcome plan_delete_version(const state& st, const std::string& subject, int version, bool permanent);
plan_outcome plan_delete_subject(const state& st, const std::string& subject, bool permanent);
// json_policy: Brook's per-subject JSON Schema policy, STRICT or LENIENT (42203 otherwise).
plan_outcome plan_set_config(const state& st, const std::optional<std::string>& subject,
                             const std::optional<std::string>& compatibility, std::optional<bool> normalize,
                             const std::optional<std::string>& json_policy = std::nullopt);
plan_outcome plan_delete_config(const state& st, const std::optional<std::string>& subject);
plan_outcome plan_set_mode(const state& st, const std::optional<std::string>& subject, const std::string& mode,
                           bool force);
plan_outcome plan_delete_mode(const state& st, const std::optional<std::string>& subject);

} // namespace brook::registry
