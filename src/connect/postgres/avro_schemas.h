#pragma once
// `--format avro`: the Avro schemas of the captured tables as Debezium's Postgres connector with
// Confluent's AvroConverter writes them, and their ids in the schema registry.
//   key    record <topic>.Key with the primary-key columns
//   value  record <topic>.Envelope {before, after: ["null", <topic>.Value] default null,
//          source: io.debezium.connector.postgresql.Source, op, ts_ms, transaction:
//          ["null", event.block]}
// Connect's semantic types ride along as AvroData writes them: "connect.name" /
// "connect.version" (/"connect.parameters") on the Avro type, int16 as int with
// "connect.type": "int16", Connect's Decimal as bytes with logicalType decimal (scale,
// precision), nullable columns as ["null", T] with default null.
// Subjects follow TopicNameStrategy (<topic>-key, <topic>-value). Before a table's schema is
// first used, or used after a Relation message changed it, the new schema is checked against the
// subject's latest version (POST /compatibility/...) and only then registered; a change the
// registry refuses is a failure naming the table and the columns that changed.
// Threads: the source's thread registers (before the snapshot starts and while streaming);
// snapshot workers only read `find` during the snapshot, when nothing registers.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "client/avro_schema.h"
#include "client/registry_client.h"
#include "connect/error.h"
#include "connect/postgres/catalog.h"
#include "connect/postgres/options.h"

namespace brook::connect::pg {

struct avro_table {
    client::avro::schema key, value;
    std::string key_text, value_text; // what was registered
    int key_id = 0, value_id = 0;
};

struct avro_txn_schemas {
    client::avro::schema key, value;
    int key_id = 0, value_id = 0;
};

// Avro names allow [A-Za-z0-9_] only: other characters become '_', a leading digit gets one
// prepended (Debezium's field.name.adjustment.mode=avro). Per dotted part for a namespace.
std::string avro_name(const std::string& s);
std::string avro_namespace(const std::string& topic);

// The Avro schema documents (exposed for tests).
nlohmann::ordered_json avro_key_schema(const std::string& topic, const table_info& t);
nlohmann::ordered_json avro_envelope_schema(const std::string& topic, const table_info& t);

class avro_catalog {
public:
    // Parses --registry; a bad URL is a usage error.
    static expected<avro_catalog> open(const cdc_options& o);

    // Derives t's schemas, checks them against the subjects' latest versions and registers them
    // (the registry answers an already-registered schema with its id). `before` is the table as
    // it was (a Relation change), to name the columns that changed when the registry refuses.
    status ensure(const std::string& topic, const table_info& t, const table_info* before = nullptr);
    // The transaction metadata topic's schemas (provide.transaction.metadata).
    status ensure_transaction_topic(const std::string& topic);

    const avro_table* find(uint32_t oid) const;
    const avro_txn_schemas* transaction() const { return txn_.get(); }

private:
    explicit avro_catalog(client::registry_client c) : registry_(std::move(c)) {}
    // Registers `text` under subject after the compatibility check; the id, or the failure
    // (`what` names the table for the message).
    expected<int> publish(const std::string& subject, const std::string& text, const std::string& what,
                          const std::string& changes);
    client::registry_client registry_;
    std::map<uint32_t, avro_table> tables_;
    std::shared_ptr<avro_txn_schemas> txn_;
};

// Describes what changed between two versions of a table ("column v changed type integer ->
// text; column w added"), empty when the columns are the same. Types are named by `type_name`.
std::string describe_changes(const table_info& before, const table_info& now);
// The same from two Envelope schema documents (the subject's latest against a new one), by
// column name and Avro type, for a change made while the source was not running.
std::string describe_schema_changes(const std::string& old_envelope, const std::string& new_envelope);

} // namespace brook::connect::pg
