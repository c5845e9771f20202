#include "connect/postgres/options.h"

#include <algorithm>
#include <charconv>
#include <functional>

namespace brook::connect::pg {

const std::vector<property_doc>& property_docs() {
    static const std::vector<property_doc> docs = {
        {"slot.name", "brook_<prefix>", "logical replication slot (pgoutput) the source creates and reads"},
        {"publication.name", "brook_<prefix>", "publication of the captured tables (created when missing)"},
        {"snapshot.mode", "initial", "initial | never | initial_only | when_needed (re-snapshot when the slot is missing, lost or ahead)"},
        {"tombstones.on.delete", "true", "a null-value record after each delete (for compacted topics)"},
        {"provide.transaction.metadata", "false", "BEGIN/END events in <prefix>.transaction and a transaction block in each event"},
        {"unavailable.value.placeholder", "__debezium_unavailable_value", "value of unchanged TOASTed columns Postgres did not send"},
        {"key.converter.schemas.enable", "true", "keys as {schema, payload} (Kafka Connect JsonConverter) or the bare payload"},
        {"value.converter.schemas.enable", "true", "values as {schema, payload} or the bare payload"},
        {"decimal.handling.mode", "precise", "numeric as precise (Connect Decimal bytes) | double | string"},
        {"skipped.operations", "t", "t: truncates are not emitted; none: they are (op t)"},
        {"snapshot.max.threads", "2", "parallel snapshot workers (each imports the slot's exported snapshot)"},
        {"snapshot.fetch.size", "10000", "rows per primary-key chunk of the snapshot"},
        {"status.update.interval.ms", "10000", "standby status updates to Postgres (keep well under wal_sender_timeout)"},
        {"max.batch.size", "20000", "records per Kafka transaction before it is committed (whole Postgres transactions only)"},
        {"poll.interval.ms", "500", "longest a Kafka transaction collects Postgres transactions while changes keep coming (a quiet stream commits at once)"},
        {"topic.creation.default.partitions", "1", "partitions of the change topics the source creates"},
        {"offset.storage.topic", "<prefix>.offsets", "compacted topic holding the source's committed LSN"},
    };
    return docs;
}

namespace {

bool parse_bool(const std::string& v, bool& out) {
    if (v == "true") out = true;
    else if (v == "false") out = false;
    else return false;
    return true;
}

bool parse_int(const std::string& v, int& out, int lo) {
    int x = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc{} || p != v.data() + v.size() || x < lo) return false;
    out = x;
    return true;
}

} // namespace

expected<cdc_options> finish_options(cdc_options o, const std::vector<std::string>& sets) {
    auto bad = [](const std::string& k, const std::string& v, const std::string& want) {
        return usage_error("--set " + k + "=" + v + ": expected " + want);
    };
    for (const auto& kv : sets) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) return usage_error("--set " + kv + ": expected key=value");
        const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
        bool okv = true;
        if (k == "slot.name") o.slot_name = v;
        else if (k == "publication.name") o.publication_name = v;
        else if (k == "snapshot.mode") {
            if (v == "initial") o.snapshot = snapshot_mode::initial;
            else if (v == "never") o.snapshot = snapshot_mode::never;
            else if (v == "initial_only") o.snapshot = snapshot_mode::initial_only;
            else if (v == "when_needed") o.snapshot = snapshot_mode::when_needed;
            else return bad(k, v, "initial, never, initial_only or when_needed");
        } else if (k == "tombstones.on.delete") okv = parse_bool(v, o.tombstones_on_delete);
        else if (k == "provide.transaction.metadata") okv = parse_bool(v, o.provide_transaction_metadata);
        else if (k == "unavailable.value.placeholder") o.unavailable_value_placeholder = v;
        else if (k == "key.converter.schemas.enable") okv = parse_bool(v, o.key_schemas);
        else if (k == "value.converter.schemas.enable") okv = parse_bool(v, o.value_schemas);
        else if (k == "decimal.handling.mode") {
            if (v == "precise") o.decimal = decimal_mode::precise;
            else if (v == "double") o.decimal = decimal_mode::double_;
            else if (v == "string") o.decimal = decimal_mode::string;
            else return bad(k, v, "precise, double or string");
        } else if (k == "skipped.operations") {
            if (v == "t") o.skip_truncate = true;
            else if (v == "none") o.skip_truncate = false;
            else return bad(k, v, "t or none");
        } else if (k == "snapshot.max.threads") {
            if (!parse_int(v, o.snapshot_threads, 1)) return bad(k, v, "an integer >= 1");
        } else if (k == "snapshot.fetch.size") {
            if (!parse_int(v, o.snapshot_fetch_size, 1)) return bad(k, v, "an integer >= 1");
        } else if (k == "status.update.interval.ms") {
            if (!parse_int(v, o.status_update_interval_ms, 10)) return bad(k, v, "an integer >= 10");
        } else if (k == "max.batch.size") {
            if (!parse_int(v, o.max_batch_size, 1)) return bad(k, v, "an integer >= 1");
        } else if (k == "poll.interval.ms") {
            if (!parse_int(v, o.poll_interval_ms, 0)) return bad(k, v, "an integer >= 0");
        } else if (k == "topic.creation.default.partitions") {
            if (!parse_int(v, o.topic_partitions, 1)) return bad(k, v, "an integer >= 1");
        } else if (k == "offset.storage.topic") o.offsets_topic = v;
        else return usage_error("--set " + k + ": unknown property (see `brook cdc postgres --help`)");
        if (!okv) return bad(k, v, "true or false");
    }
    if (o.dsn.empty()) return usage_error("--dsn is required (e.g. \"host=localhost user=postgres dbname=app\")");
    if (o.prefix.empty()) return usage_error("--prefix is required: it names the topics (<prefix>.<schema>.<table>)");
    if (o.format != "json" && o.format != "avro")
        return usage_error("--format " + o.format + ": expected json or avro");
    if (o.format == "avro" && o.registry.empty())
        return usage_error("--format avro needs --registry http://HOST:PORT (a Confluent-compatible schema registry)");
    // Slot names allow lower-case letters, digits and underscores only.
    std::string safe;
    for (char c : o.prefix) safe += (std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_');
    if (o.slot_name.empty()) o.slot_name = "brook_" + safe;
    if (o.publication_name.empty()) o.publication_name = "brook_" + safe;
    if (!std::ranges::all_of(o.slot_name, [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'; }))
        return usage_error("slot.name " + o.slot_name + ": only lower-case letters, digits and _ are allowed");
    if (o.offsets_topic.empty()) o.offsets_topic = o.prefix + ".offsets";
    o.transaction_topic = o.prefix + ".transaction";
    return o;
}

} // namespace brook::connect::pg
