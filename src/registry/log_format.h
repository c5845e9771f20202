#pragma once
// The `_schemas` records in the formats Confluent Schema Registry and Karapace write (see
// docs/schema-registry.md): JSON keys with the keytype first and the fields in Confluent's
// order (compaction compares key bytes, so a key Brook writes must equal the key those tools
// write for the same thing), JSON values, a null value as the tombstone.
//
// Pure functions on plain values: decode never throws; a record it cannot read comes back as
// an error string, which replay logs and skips.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "registry/schema_type.h"

namespace brook::registry {

struct schema_reference {
    std::string name;
    std::string subject;
    int version = 0;
    friend bool operator==(const schema_reference&, const schema_reference&) = default;
};

// keytype SCHEMA. value nullopt: the tombstone (permanent delete of subject/version).
struct schema_record {
    std::string subject;
    int version = 0;
    struct body {
        int id = 0;
        schema_kind kind = schema_kind::avro;
        std::vector<schema_reference> references;
        std::string schema;
        bool deleted = false;
    };
    std::optional<body> value;
};

// keytype CONFIG; subject nullopt is the global config. value nullopt: deleted.
struct config_record {
    std::optional<std::string> subject;
    struct body {
        std::optional<std::string> compatibility; // "BACKWARD", ...
        std::optional<bool> normalize;
        // Brook's own field "jsonCompatibilityPolicy": STRICT or LENIENT for JSON Schema checks.
        std::optional<std::string> json_policy;
    };
    std::optional<body> value;
};

// keytype MODE; subject nullopt is the global mode. mode nullopt: deleted.
struct mode_record {
    std::optional<std::string> subject;
    std::optional<std::string> mode;
};

// keytype DELETE_SUBJECT: versions <= version of subject are soft-deleted.
struct delete_subject_record {
    std::string subject;
    int version = 0;
};

struct noop_record {};

using log_record = std::variant<schema_record, config_record, mode_record, delete_subject_record, noop_record>;

// A record as bytes: key and value (nullopt = null value).
struct encoded_record {
    std::string key;
    std::optional<std::string> value;
};

encoded_record encode(const log_record& r);

struct decoded {
    std::optional<log_record> record; // set when readable
    std::string error;                // why not, otherwise
};
// key/value as read from the topic (value nullopt for a null value).
decoded decode(const std::string& key, const std::optional<std::string>& value);

} // namespace brook::registry
