#pragma once
// `brook cdc postgres`: the whole source. Checks the server and the tables, keeps the
// publication and the slot, takes the snapshot, then streams — every Postgres transaction's
// events and its end LSN in one Kafka transaction (several whole Postgres transactions may share
// one), the LSN confirmed to Postgres only after that Kafka commit.
//
// Start-up decisions (stored position from offset.storage.topic, slot from pg_replication_slots):
//   nothing stored, no slot          → create the slot, snapshot (snapshot.mode initial), stream
//   stored "snapshot" (interrupted)  → drop the slot, snapshot again (nothing of it was visible)
//   stored LSN, slot at or behind it → stream from the stored LSN
//   slot missing / lost / ahead, or a slot with nothing stored
//                                    → refuse (exit 2) unless snapshot.mode=when_needed, which
//                                      drops the slot and snapshots again
// Runs until SIGINT/SIGTERM (then commits what is complete and exits 0), or until a failure.
// Returns the process exit code: 0 done, 1 a failure while running, 2 the user must fix
// something (the message says what). Messages and progress go to stderr.
#include "connect/postgres/options.h"

namespace brook::connect::pg {

int run_source(const cdc_options& o);

} // namespace brook::connect::pg
