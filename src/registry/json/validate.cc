// Validating documents against a parsed schema with valijson.
#include "registry/json/checks.h"
#include "registry/json/json_schema.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <cmath>
#include <cstdint>
#include <optional>

#include <pthread.h>

namespace brook::registry::json {

using nlohmann::json;

namespace {

bool integral_float(const json& v) {
    if (!v.is_number_float()) return false;
    const double d = v.get<double>();
    return std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e15; // exact in int64 and double
}

bool has_integral_float(const json& doc) {
    std::vector<const json*> stack{&doc};
    while (!stack.empty()) {
        const json* node = stack.back();
        stack.pop_back();
        if (integral_float(*node)) return true;
        if (node->is_structured()) {
            for (const auto& child : *node) stack.push_back(&child);
        }
    }
    return false;
}

// Draft 6 and later: "a number with a zero fractional part is an integer" (1.0 matches
// "type": "integer"); valijson types values by their representation, so such numbers are
// given to it as integers.
json with_integral_floats_as_integers(const json& doc) {
    json copy = doc;
    std::vector<json*> stack{&copy};
    while (!stack.empty()) {
        json* node = stack.back();
        stack.pop_back();
        if (integral_float(*node)) *node = static_cast<std::int64_t>(node->get<double>());
        else if (node->is_structured()) {
            for (auto& child : *node) stack.push_back(&child);
        }
    }
    return copy;
}

} // namespace

namespace {

std::vector<validation_error> run_valijson(const json_schema& js, const json& doc) {
    // One validator per thread: it caches compiled regular expressions by their text, which is
    // the same regex whichever schema the text comes from, and compiling them dominated the
    // cost of a validation (44 us against 5.7 us per record, README.md). Not shared between
    // threads: the cache is not synchronised.
    thread_local valijson::Validator validator;
    valijson::ValidationResults results;
    std::optional<json> integral;
    if (js.schema_draft() != draft::draft4 && has_integral_float(doc)) integral = with_integral_floats_as_integers(doc);
    valijson::adapters::NlohmannJsonAdapter target(integral ? *integral : doc);
    bool ok = false;
    try {
        ok = validator.validate(js.compiled(), target, &results);
    } catch (const std::exception& e) {
        return {{"", std::string("validation failed: ") + e.what()}};
    }
    if (ok) return {};
    std::vector<validation_error> errors;
    valijson::ValidationResults::Error e;
    while (results.popError(e)) errors.push_back({error_path(e.context), e.description});
    if (errors.empty()) errors.push_back({"", "the document does not match the schema"});
    return errors;
}

// std::regex needs stack in proportion to the string it matches (json_schema.h); a document
// with strings longer than regex_input_on_caller_stack is validated on a thread of its own
// with a stack sized for max_regex_input (reserved address space, committed as used).
constexpr std::size_t large_stack_bytes = std::size_t{512} << 20;

std::optional<std::vector<validation_error>> run_on_large_stack(const json_schema& js, const json& doc) {
    struct job {
        const json_schema* schema;
        const json* doc;
        std::vector<validation_error> errors;
    } j{&js, &doc, {}};
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) return std::nullopt;
    pthread_t thread;
    const bool started = pthread_attr_setstacksize(&attr, large_stack_bytes) == 0 &&
                         pthread_create(&thread, &attr, [](void* p) -> void* {
                             auto* w = static_cast<job*>(p);
                             w->errors = run_valijson(*w->schema, *w->doc);
                             return nullptr;
                         }, &j) == 0;
    pthread_attr_destroy(&attr);
    if (!started) return std::nullopt;
    pthread_join(thread, nullptr);
    return std::move(j.errors);
}

} // namespace

std::vector<validation_error> validate(const parsed_schema& schema, const nlohmann::json& doc) {
    const auto* js = dynamic_cast<const json_schema*>(&schema);
    if (js == nullptr) return {{"", "the schema is not a JSON Schema (" + std::string(kind_name(schema.kind())) + ")"}};
    if (depth_of(doc) > max_depth) return {{"", "document nests deeper than " + std::to_string(max_depth) + " levels"}};
    if (js->uses_regex() && overlong_string(doc, regex_input_on_caller_stack)) {
        if (auto where = overlong_string(doc, max_regex_input)) {
            return {{*where, "string longer than " + std::to_string(max_regex_input) +
                                 " characters cannot be checked against the schema's regular expressions"}};
        }
        if (auto errors = run_on_large_stack(*js, doc)) return std::move(*errors);
        return {{"", "no thread to check this document's long strings against the schema's regular expressions"}};
    }
    return run_valijson(*js, doc);
}

} // namespace brook::registry::json
