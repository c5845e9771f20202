#pragma once
// Decoding of pgoutput's logical replication messages, protocol version 1 (Postgres 10+):
// Begin, Commit, Origin, Relation, Type, Insert, Update, Delete, Truncate. Pure functions over
// bytes: no connection, no state — the caller keeps the relation cache (Relation messages come
// before the first change of a table in each session, and again after its schema changes).
// Values arrive in text format (proto v1 never sends binary), exactly as the type's output
// function prints them under the walsender's settings.
// Reference: Postgres docs, "Logical Replication Message Formats".
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "connect/error.h"

namespace brook::connect::pg {

using lsn = uint64_t;

// Postgres' "X/Y" notation (hex high/low 32 bits) and back.
std::string format_lsn(lsn l);
bool parse_lsn(const std::string& s, lsn& out);

// Microseconds since 2000-01-01 (Postgres' epoch) → milliseconds since 1970-01-01.
inline int64_t pg_us_to_unix_ms(int64_t us) { return us / 1000 + 946684800000LL; }

struct begin_msg {
    lsn final_lsn = 0;     // LSN of the transaction's commit record
    int64_t commit_ts = 0; // µs since 2000-01-01
    uint32_t xid = 0;
};

struct commit_msg {
    uint8_t flags = 0;
    lsn commit_lsn = 0;
    lsn end_lsn = 0; // where the next transaction starts: the position to resume after
    int64_t commit_ts = 0;
};

struct origin_msg {
    lsn commit_lsn = 0;
    std::string name;
};

struct relation_column {
    bool key = false; // part of the replica identity (the primary key by default)
    std::string name;
    uint32_t type_oid = 0;
    int32_t typmod = -1;
};

struct relation_msg {
    uint32_t oid = 0;
    std::string nspname;
    std::string relname;
    char replica_identity = 'd'; // d default (pk), n nothing, f full, i index
    std::vector<relation_column> columns;
};

struct type_msg {
    uint32_t oid = 0;
    std::string nspname;
    std::string name;
};

// One column of a tuple: null, an unchanged TOASTed value that was not sent, or text.
struct tuple_value {
    enum kind_t : char { null = 'n', unchanged = 'u', text = 't' } kind = null;
    std::string data;
};
using tuple = std::vector<tuple_value>;

struct insert_msg {
    uint32_t rel = 0;
    tuple new_tuple;
};

struct update_msg {
    uint32_t rel = 0;
    char old_kind = 0; // 0: no old tuple sent, 'K': replica identity key columns, 'O': whole old row
    tuple old_tuple;
    tuple new_tuple;
};

struct delete_msg {
    uint32_t rel = 0;
    char old_kind = 'K'; // 'K' or 'O' as for update
    tuple old_tuple;
};

struct truncate_msg {
    uint8_t options = 0; // 1 CASCADE, 2 RESTART IDENTITY
    std::vector<uint32_t> rels;
};

using message = std::variant<begin_msg, commit_msg, origin_msg, relation_msg, type_msg, insert_msg,
                             update_msg, delete_msg, truncate_msg>;

// Decodes one message (the payload of one XLogData). An unknown tag, a truncated body or
// trailing bytes are errors naming the tag and offset.
expected<message> decode(std::span<const uint8_t> bytes);

} // namespace brook::connect::pg
