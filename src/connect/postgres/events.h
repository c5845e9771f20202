#pragma once
// Debezium's change-event format for Postgres, as Kafka Connect's JsonConverter writes it:
//   topic  <prefix>.<schema>.<table>
//   key    the primary-key columns {"id": 1}, or {"schema": <...Key struct>, "payload": {...}}
//   value  {"before", "after", "source", "op", "ts_ms", "transaction"} (an Envelope), likewise
//          with or without the schema envelope (key/value.converter.schemas.enable)
//   source {version, connector "postgresql", name (prefix), ts_ms (commit time), snapshot
//          ("true" / "last" / "false"), db, sequence ("[last commit lsn, lsn]"), schema, table,
//          txId, lsn, xmin}
// op: r (snapshot read), c, u, d, t. A delete is followed by a tombstone (key, null value); a
// primary-key change becomes delete + tombstone + create, as Debezium emits it. Transaction
// metadata events (BEGIN / END) go to <prefix>.transaction keyed by {"id": "<txId>:<lsn>"}.
// With --format avro the same events are Avro (events_avro.cc) in Confluent's framing, by the
// schemas and ids of an avro_catalog (avro_schemas.h), which the encoder only reads.
// An encoder is immutable after construction except for its per-table schema cache; one
// thread owns it (the snapshot workers each have their own).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/record.h"
#include "connect/postgres/avro_schemas.h"
#include "connect/postgres/catalog.h"
#include "connect/postgres/options.h"
#include "connect/postgres/pgoutput.h"

namespace brook::connect::pg {

struct source_position {
    const char* snapshot = "false"; // "true", "last" or "false"
    int64_t ts_ms = 0;              // commit time (snapshot: when the snapshot started)
    std::optional<uint32_t> xid;
    std::optional<lsn> at;          // the event's LSN (the commit's for streamed events)
    std::optional<lsn> last_commit; // the previous transaction's commit LSN, for `sequence`
};

// Debezium's transaction block of a data event.
struct txn_block {
    std::string id; // "<txId>:<commit lsn>"
    int64_t total_order = 0;
    int64_t data_collection_order = 0;
};

class encoder {
public:
    // `avro` (--format avro) must hold every table this encoder sees before it sees it.
    encoder(const cdc_options& o, std::string db, const avro_catalog* avro = nullptr)
        : o_(o), db_(std::move(db)), avro_(avro) {}

    std::string topic(const table_info& t) const { return o_.prefix + "." + t.schema + "." + t.name; }

    // A data event; before/after may be null (absent). For 'd' and a key change the key is
    // taken from `before`, else from `after`.
    // Every event is a record or, in Avro only, why a value does not fit the table's schema (a
    // NOT NULL column holding numeric NaN, which Avro's decimal cannot carry).
    expected<client::record> change(const table_info& t, char op, const tuple* before, const tuple* after,
                                    const source_position& src, const txn_block* txn);
    // The tombstone that follows a delete of `before`'s key.
    expected<client::record> tombstone(const table_info& t, const tuple& before);
    // A truncate event (op t): no key, no before/after.
    expected<client::record> truncate(const table_info& t, const source_position& src, const txn_block* txn);

    // Transaction metadata (provide.transaction.metadata): BEGIN, and END with per-table counts.
    expected<client::record> txn_begin(const std::string& id, int64_t ts_ms);
    expected<client::record> txn_end(const std::string& id, int64_t ts_ms, int64_t event_count,
                                     const std::vector<std::pair<std::string, int64_t>>& per_collection);

    // Forget a table's cached schemas (its Relation changed).
    void forget(uint32_t oid) { schemas_.erase(oid); }

    // Marks a snapshot record as the snapshot's last (source.snapshot "true" -> "last").
    void mark_last(client::record& r) const;

private:
    struct schemas {
        std::string key;   // dumped Key struct schema
        std::string value; // dumped Envelope schema
    };
    const schemas& schemas_of(const table_info& t);
    nlohmann::ordered_json row_json(const table_info& t, const tuple& row) const;
    std::string key_bytes(const table_info& t, const tuple& row);
    nlohmann::ordered_json source_json(const table_info& t, const source_position& src) const;
    std::string wrap(const std::string& schema, const nlohmann::ordered_json& payload, bool with_schema) const;

    // --format avro (events_avro.cc).
    expected<client::record> avro_change(const table_info& t, char op, const tuple* before, const tuple* after,
                                         const source_position& src, const txn_block* txn) const;
    expected<client::record> avro_tombstone(const table_info& t, const tuple& before) const;
    expected<client::record> avro_txn(const std::string& id, const char* status, int64_t ts_ms, const int64_t* event_count,
                                      const std::vector<std::pair<std::string, int64_t>>* per_collection) const;

    const cdc_options& o_;
    std::string db_;
    const avro_catalog* avro_ = nullptr;
    std::map<uint32_t, schemas> schemas_;
};

} // namespace brook::connect::pg
