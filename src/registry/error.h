#pragma once
// An answer the registry refuses with: the HTTP status, Confluent's finer error_code and a
// message naming what to fix. Plain values, produced by the state machine and the REST layer
// alike, so a refusal is decided without a socket and tested without one.
#include <string>

namespace brook::registry {

struct api_error {
    int status = 500;
    int code = 50001;
    std::string message;
};

// Confluent's error table (io.confluent.kafka.schemaregistry.rest.exceptions.Errors).
namespace err {
inline api_error subject_not_found(const std::string& s) { return {404, 40401, "Subject '" + s + "' not found."}; }
inline api_error version_not_found(int v) { return {404, 40402, "Version " + std::to_string(v) + " not found."}; }
inline api_error schema_not_found() { return {404, 40403, "Schema not found"}; }
inline api_error schema_not_found(int id) { return {404, 40403, "Schema " + std::to_string(id) + " not found"}; }
inline api_error subject_soft_deleted(const std::string& s) {
    return {404, 40404, "Subject '" + s + "' was soft deleted.Set permanent=true to delete permanently"};
}
inline api_error subject_not_soft_deleted(const std::string& s) {
    return {404, 40405, "Subject '" + s + "' was not deleted first before being permanently deleted"};
}
inline api_error version_soft_deleted(const std::string& s, int v) {
    return {404, 40406, "Subject '" + s + "' Version " + std::to_string(v) + " was soft deleted.Set permanent=true to delete permanently"};
}
inline api_error version_not_soft_deleted(const std::string& s, int v) {
    return {404, 40407, "Subject '" + s + "' Version " + std::to_string(v) + " was not deleted first before being permanently deleted"};
}
inline api_error compatibility_not_configured(const std::string& s) {
    return {404, 40408, "Subject '" + s + "' does not have subject-level compatibility configured"};
}
inline api_error mode_not_configured(const std::string& s) {
    return {404, 40409, "Subject '" + s + "' does not have subject-level mode configured"};
}
inline api_error incompatible(std::string message) { return {409, 409, std::move(message)}; }
inline api_error invalid_schema(std::string message) { return {422, 42201, std::move(message)}; }
inline api_error invalid_version(const std::string& v) {
    return {422, 42202, "The specified version '" + v +
                            "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\""};
}
inline api_error invalid_compatibility(const std::string& level) {
    return {422, 42203, "Invalid compatibility level '" + level +
                            "'. Valid values are NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE"};
}
inline api_error invalid_mode(const std::string& mode) {
    return {422, 42204, "Invalid mode '" + mode + "'. Valid values are READWRITE, READONLY, IMPORT"};
}
inline api_error not_permitted(std::string message) { return {422, 42205, std::move(message)}; }
inline api_error reference_exists(std::string message) { return {422, 42206, std::move(message)}; }
inline api_error id_mismatch(std::string message) { return {422, 42207, std::move(message)}; }
inline api_error invalid_subject(const std::string& s) { return {422, 42208, "The specified subject '" + s + "' is not valid."}; }
inline api_error store(std::string message) { return {500, 50001, std::move(message)}; }
inline api_error timeout(std::string message) { return {500, 50002, std::move(message)}; }
} // namespace err

} // namespace brook::registry
