#pragma once
// Compatibility of a candidate schema with a subject's versions under a level, and the
// messages Confluent's verbose answers carry. BACKWARD: the new schema reads what the old
// wrote (check(reader=new, writer=old)); FORWARD: the old reads the new; FULL: both. The
// non-transitive levels check against the latest live version, the _TRANSITIVE ones against
// every live version, newest first, stopping at the first that fails (as Confluent does).
// Soft-deleted versions never take part. A schema type different from an old version's is
// incompatible unless the level is NONE.
//
// Pure functions over the state; call under the state's shared lock.
#include <string>
#include <vector>

#include "registry/state.h"

namespace brook::registry {

struct compat_verdict {
    bool compatible = true;
    // Confluent's message lines: "{errorType:'...', description:'...', additionalInfo:'...'}",
    // then "{oldSchemaVersion: N}", "{oldSchema: '...'}", "{validateFields: 'false', compatibility: 'LEVEL'}".
    std::vector<std::string> messages;
};

// Checks candidate against the versions given (oldest first; the caller picks them).
compat_verdict check_against(const state& st, compat_level level, schema_kind kind, const parsed_schema& candidate,
                             const std::vector<version_view>& previous, const check_options& opts);

// The live versions the level checks against: the latest, or all for the _TRANSITIVE levels.
std::vector<version_view> versions_for_level(const state& st, const std::string& subject, compat_level level);

// The 409 message of a refused registration.
std::string incompatible_message(const std::string& subject, const compat_verdict& v);

} // namespace brook::registry
