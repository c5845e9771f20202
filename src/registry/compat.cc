#include "registry/compat.h"

namespace brook::registry {
namespace {

bool transitive(compat_level l) {
    return l == compat_level::backward_transitive || l == compat_level::forward_transitive ||
           l == compat_level::full_transitive;
}
bool checks_backward(compat_level l) {
    return l == compat_level::backward || l == compat_level::backward_transitive || l == compat_level::full ||
           l == compat_level::full_transitive;
}
bool checks_forward(compat_level l) {
    return l == compat_level::forward || l == compat_level::forward_transitive || l == compat_level::full ||
           l == compat_level::full_transitive;
}

std::string line(const incompatibility& i) {
    return "{errorType:'" + i.type + "', description:'" + i.description + "', additionalInfo:'" + i.info + "'}";
}

} // namespace

std::vector<version_view> versions_for_level(const state& st, const std::string& subject, compat_level level) {
    std::vector<version_view> out;
    if (level == compat_level::none) return out;
    if (!transitive(level)) {
        if (auto latest = st.get(subject, -1, false)) out.push_back(*latest);
        return out;
    }
    for (int v : st.versions(subject, false, false))
        if (auto view = st.get(subject, v, false)) out.push_back(*view);
    return out;
}

compat_verdict check_against(const state& st, compat_level level, schema_kind kind, const parsed_schema& candidate,
                             const std::vector<version_view>& previous, const check_options& opts) {
    compat_verdict out;
    if (level == compat_level::none) return out;
    const schema_type* type = st.types().find(kind);
    for (auto it = previous.rbegin(); it != previous.rend(); ++it) {
        const stored_schema* old = it->schema;
        if (!old) continue;
        std::vector<incompatibility> found;
        if (old->kind != kind) {
            found.push_back({"SCHEMA_TYPE_CHANGED", "",
                             "The schema type changed from " + std::string(kind_name(old->kind)) + " to " +
                                 std::string(kind_name(kind)) + ", which only compatibility level NONE allows",
                             std::string(kind_name(kind))});
        } else if (type) {
            // The state keeps no parsed forms (memory): parse the old version again. One the
            // type cannot parse (another tool's log) is skipped rather than blocking every
            // registration.
            auto parsed = st.parse(old->kind, std::string(old->text()), old->references);
            if (parsed.parsed) {
                if (checks_backward(level)) {
                    auto r = type->check(candidate, *parsed.parsed, opts);
                    found.insert(found.end(), r.begin(), r.end());
                }
                if (checks_forward(level)) {
                    auto r = type->check(*parsed.parsed, candidate, opts);
                    found.insert(found.end(), r.begin(), r.end());
                }
            }
        }
        if (found.empty()) continue;
        out.compatible = false;
        for (const auto& i : found) out.messages.push_back(line(i));
        out.messages.push_back("{oldSchemaVersion: " + std::to_string(it->version) + "}");
        out.messages.push_back("{oldSchema: '" + std::string(old->text()) + "'}");
        out.messages.push_back("{validateFields: 'false', compatibility: '" + std::string(level_name(level)) + "'}");
        break;
    }
    return out;
}

std::string incompatible_message(const std::string& subject, const compat_verdict& v) {
    std::string details;
    for (const auto& m : v.messages) details += (details.empty() ? "" : ", ") + m;
    return "Schema being registered is incompatible with an earlier schema for subject \"" + subject +
           "\", details: [" + details + "]";
}

} // namespace brook::registry
