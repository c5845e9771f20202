#pragma once
// Kafka records <-> table rows, by the table's formats (Flink's 'json' and 'raw'):
// - json: one object per record; a column is the field of its exact name, a missing field
//   is NULL; TIMESTAMP columns take "yyyy-MM-dd HH:mm:ss[.SSS]" (also with 'T' and 'Z') or
//   epoch milliseconds; written back as "yyyy-MM-dd HH:mm:ss.SSS" (Flink's SQL standard).
// - raw: the bytes are the one STRING column.
// - key.format/key.fields (kafka) or the PRIMARY KEY (upsert-kafka) put those columns in the
//   key; value.fields-include EXCEPT_KEY leaves them out of the value.
// Metadata columns read the record: timestamp, partition, offset, topic. Errors as values.
#include <optional>
#include <string>

#include "client/record.h"
#include "stream/catalog.h"
#include "stream/value.h"

namespace brook::stream {

// Fills r (sized to the table's columns) from rec; computed columns are left for the pipeline.
// Returns a message saying what is wrong with the record when it does not fit the format.
std::optional<std::string> decode_record(const table_def& t, const client::record& rec, row& r);

// The record a sink row becomes (topic, key, value or a tombstone for a delete, timestamp).
client::record encode_row(const table_def& t, const row& values, bool is_delete);

} // namespace brook::stream
