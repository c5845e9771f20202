#pragma once
// The JSON Schema type of the registry: a schema text parsed, checked against its draft's
// meta-schema, its $refs resolved (registered references, the drafts' meta-schemas) and
// compiled into a valijson validator; its canonical text; and validation of documents.
//
// Drafts: $schema selects draft 4, 6, 7 or 2020-12; without $schema (or with a $schema URL
// that names none of them) the schema is draft 7, as Confluent's JSON Schema provider.
// 2019-09 and 2020-12 are accepted only where valijson 1.0 validates them correctly: a
// 2020-12 schema may use the keywords it shares with draft 7; one using a keyword whose
// meaning valijson cannot apply (prefixItems, unevaluated*, $dynamicRef, dependentSchemas, ...)
// is refused with a parse error naming the keyword. 2019-09 is refused. See README.md.
//
// Threads: a json_schema is immutable after parse and may be validated against from any
// number of threads at once (each validate() call uses its own valijson::Validator).
#include "registry/schema_type.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace valijson {
class Schema;
}

namespace brook::registry::json {

enum class draft { draft4, draft6, draft7, draft2020_12 };
std::string_view draft_name(draft d); // "draft-04", "draft-06", "draft-07", "2020-12"

// Fetches a document a schema refers to by a URI that is neither a registered reference nor a
// meta-schema (nullopt: unknown). The registry passes none; the test-suite runner serves the
// suite's remotes (http://localhost:1234/...) through it.
using document_loader = std::function<std::optional<nlohmann::json>(const std::string& uri)>;

struct parse_options {
    document_loader extra_documents;
    draft default_draft = draft::draft7; // a schema without a recognised $schema
};

class json_schema final : public parsed_schema {
public:
    json_schema(nlohmann::json document, draft d, std::vector<std::pair<std::string, nlohmann::json>> references,
                std::shared_ptr<const valijson::Schema> compiled);

    schema_kind kind() const override { return schema_kind::json; }
    // Minified JSON with object keys sorted (nlohmann's ordered std::map), so whitespace and key
    // order never make a new schema.
    std::string canonical() const override;
    // Confluent's JsonSchema.normalize() re-reads the canonical text with sorted properties and
    // sorts the references; the references are the core's, so for the text it is canonical().
    std::string normalized() const override;

    const nlohmann::json& document() const { return document_; }
    draft schema_draft() const { return draft_; }
    // The referenced documents by the name the schema uses ($ref URL), parsed.
    const std::vector<std::pair<std::string, nlohmann::json>>& references() const { return references_; }
    const valijson::Schema& compiled() const { return *compiled_; }
    // The schema (or a reference) matches strings with regular expressions (pattern,
    // patternProperties, the date/time formats): validate() then bounds string length.
    bool uses_regex() const { return uses_regex_; }

private:
    nlohmann::json document_;
    draft draft_;
    std::vector<std::pair<std::string, nlohmann::json>> references_;
    std::shared_ptr<const valijson::Schema> compiled_;
    bool uses_regex_ = false;
};

struct json_parse_outcome {
    std::shared_ptr<const json_schema> schema; // set on success
    std::string error;                         // set on failure: why, for a 42201 message
};

// Never throws for bad input.
json_parse_outcome parse_schema(std::string_view text, const std::vector<resolved_reference>& refs,
                                const parse_options& opts = {});

// libstdc++'s std::regex (valijson's engine) recurses once per input character (~250 bytes of
// stack each; an 8 MiB stack overflows near 30,000 characters). Against a schema that uses
// regular expressions, a document whose strings or keys are all at most
// regex_input_on_caller_stack long is validated on the caller's stack; one with longer strings
// on a thread with a 512 MiB stack (reserved; ~250 bytes committed per character, so ~65 MiB
// at the limit); a string or key longer than
// max_regex_input is a validation error, not a crash.
inline constexpr std::size_t regex_input_on_caller_stack = 2048;
inline constexpr std::size_t max_regex_input = 256 * 1024;
// $ref, id and $id values longer than this are refused at parse (valijson matches them with a
// regular expression too).
inline constexpr std::size_t max_uri_length = 2048;

// One reason a document does not match a schema: where (a JSON pointer into the document, ""
// for the root) and what.
struct validation_error {
    std::string path;
    std::string message;
};

// Validates `doc` against a schema this type parsed (empty: valid). A parsed_schema of another
// kind yields one error saying so. Never throws.
std::vector<validation_error> validate(const parsed_schema& schema, const nlohmann::json& doc);

} // namespace brook::registry::json
