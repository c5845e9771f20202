"""`brook cdc postgres`: bad input and refusals (each one line naming the fix, exit 2), the
Debezium type mapping and envelopes, transaction metadata, and a quiet slot that still moves.
Postgres 15 from pgfixture, Brook from conftest, topics read with confluent-kafka."""
import base64
import time
from decimal import Decimal

import pytest
from confluent_kafka.admin import AdminClient

from brookfixture import free_port
from cdchelpers import Cdc, lsn_int, one_line, payload, read_topic, run_cdc, start_streaming, stored_position, wait_for_key
from pgfixture import Postgres, pg  # noqa: F401 (pg is a fixture)


# --- bad input --------------------------------------------------------------------------------

def test_wrong_dsn(module_broker):
    rc, err = run_cdc(f"host=127.0.0.1 port={free_port()} user=postgres dbname=postgres", "x", module_broker.bootstrap)
    assert rc == 2
    assert "--dsn" in one_line(err)


def test_server_without_logical_wal(module_broker):
    p = Postgres(wal_level="replica").start()
    try:
        rc, err = run_cdc(p.dsn, "x", module_broker.bootstrap)
    finally:
        p.close()
    assert rc == 2
    line = one_line(err)
    assert "wal_level=replica" in line and "wal_level = logical" in line


def test_table_without_primary_key(pg, module_broker):
    db, dsn = pg.new_db("inp")
    pg.db_sql(db, "CREATE TABLE nopk (a int, b int)")
    rc, err = run_cdc(dsn, "x", module_broker.bootstrap, extra=["--tables", "public.nopk"])
    assert rc == 2
    line = one_line(err)
    assert "public.nopk has no primary key" in line and "ADD PRIMARY KEY" in line
    rc, err = run_cdc(dsn, "x", module_broker.bootstrap, extra=["--tables", "public.nothere"])
    assert rc == 2 and "public.nothere not found" in one_line(err)


def test_missing_publication_permission(pg, module_broker):
    db, dsn = pg.new_db("inp")
    pg.db_sql(db, "CREATE TABLE t (id int PRIMARY KEY)")
    pg.db_sql(db, "DO $$ BEGIN CREATE ROLE cdcuser LOGIN REPLICATION; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    pg.db_sql(db, "GRANT SELECT ON t TO cdcuser")
    rc, err = run_cdc(f"host=127.0.0.1 port={pg.port} user=cdcuser dbname={db}", "x", module_broker.bootstrap,
                      extra=["--tables", "public.t"])
    assert rc == 2
    line = one_line(err)
    assert "cannot create publication brook_x" in line and "CREATE PUBLICATION" in line and "owner" in line


def test_bad_options(pg, module_broker):
    db, dsn = pg.new_db("inp")
    rc, err = run_cdc(dsn, "x", module_broker.bootstrap, sets={"no.such": "1"})
    assert rc == 2 and "no.such: unknown property" in one_line(err)
    rc, err = run_cdc(dsn, "x", module_broker.bootstrap, sets={"snapshot.mode": "sometimes"})
    assert rc == 2 and "initial, never, initial_only or when_needed" in one_line(err)
    rc, err = run_cdc(dsn, "x", module_broker.bootstrap, extra=["--format", "xml"])
    assert rc == 2 and "expected json or avro" in one_line(err)


def test_unreachable_brokers(pg):
    db, dsn = pg.new_db("inp")
    pg.db_sql(db, "CREATE TABLE t (id int PRIMARY KEY)")
    rc, err = run_cdc(dsn, "x", f"127.0.0.1:{free_port()}")
    assert rc == 2 and "--brokers" in one_line(err)


# --- refusals: the slot and the stored position disagree --------------------------------------

def test_missing_lost_or_ahead_slot_is_refused_unless_resnapshot(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("inp")
    pg.db_sql(db, "CREATE TABLE t (id int PRIMARY KEY, v int)")
    pg.db_sql(db, "INSERT INTO t VALUES (1, 1)")
    prefix, slot = "refuse", "brook_refuse"
    cdc = start_streaming(tmp_path, dsn, prefix, module_broker.bootstrap)
    assert cdc.stop() == 0

    # Ahead: the slot moved on without Brook.
    # Committed durably (the fixture runs synchronous_commit=off): a slot advances only to flushed WAL.
    pg.db_sql(db, "SET synchronous_commit = on; INSERT INTO t VALUES (2, 2)")
    pg.db_sql(db, "SELECT pg_replication_slot_advance(%s, pg_current_wal_lsn())", (slot,))
    rc, err = run_cdc(dsn, prefix, module_broker.bootstrap)
    assert rc == 2
    line = one_line(err)
    assert "ahead of the position stored" in line and "snapshot.mode=when_needed" in line

    # Missing.
    pg.db_sql(db, "SELECT pg_drop_replication_slot(%s)", (slot,))
    rc, err = run_cdc(dsn, prefix, module_broker.bootstrap)
    assert rc == 2
    assert "is missing" in one_line(err)

    # A slot with no stored position (another offsets topic).
    pg.db_sql(db, "SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (slot,))
    rc, err = run_cdc(dsn, prefix, module_broker.bootstrap, sets={"offset.storage.topic": "refuse.other"})
    assert rc == 2
    assert "holds no position" in one_line(err) and "pg_drop_replication_slot" in err

    # Asked for: a new snapshot, which has row 2 that the stream never saw.
    cdc = start_streaming(tmp_path, dsn, prefix, module_broker.bootstrap, sets={"snapshot.mode": "when_needed"})
    assert "taking a new snapshot" in cdc.log()
    assert cdc.stop() == 0
    reads = [payload(v)["after"]["id"] for k, v in read_topic(module_broker.bootstrap, "refuse.public.t")
             if v and payload(v)["op"] == "r"]
    assert reads == [1, 1, 2]


# --- format -----------------------------------------------------------------------------------

def test_debezium_types_and_envelope(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("inp")
    pg.db_sql(db, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
    pg.db_sql(db, """CREATE TABLE ty (
        id int PRIMARY KEY, b bool, s smallint, big bigint, r real, d double precision,
        n numeric(10,2), nv numeric, txt text NOT NULL, vc varchar(5), by bytea,
        dt date, tm time, tms time(3), ts timestamp, ts3 timestamp(3), tz timestamptz, ttz timetz,
        iv interval, u uuid, j json, jb jsonb, ai int[], at text[], m mood)""")
    pg.db_sql(db, """INSERT INTO ty VALUES (1, true, -3, 9007199254740993, 1.5, 2.25,
        -12345.67, 3.14159, 'hello', 'abc', '\\x00ff10',
        '2024-02-29', '13:14:15.123456', '13:14:15.123', '2024-02-29 13:14:15.123456', '1969-12-31 23:59:59.999',
        '2024-02-29 13:14:15.5+02', '13:14:15+00', '1 day 2 hours', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        '{"a": 1}', '{"b": [1, 2]}', '{1,NULL,3}', '{"x y","z"}', 'happy')""")
    cdc = start_streaming(tmp_path, dsn, "ty", module_broker.bootstrap, sets={"snapshot.fetch.size": "1"})
    try:
        pg.db_sql(db, "INSERT INTO ty (id, txt, n) VALUES (2, 'streamed', 0.5)")
        wait_for_key(module_broker.bootstrap, "ty.public.ty", "id", 2)
    finally:
        cdc.stop()
    recs = read_topic(module_broker.bootstrap, "ty.public.ty")
    key, value = recs[0]
    assert key["schema"]["name"] == "ty.public.ty.Key" and key["payload"] == {"id": 1}
    a = value["payload"]["after"]
    assert a["b"] is True and a["s"] == -3 and a["big"] == 9007199254740993 and a["r"] == 1.5 and a["d"] == 2.25
    # numeric(10,2): Connect Decimal, unscaled two's complement big-endian, base64.
    assert int.from_bytes(base64.b64decode(a["n"]), "big", signed=True) == -1234567
    assert a["nv"]["scale"] == 5 and int.from_bytes(base64.b64decode(a["nv"]["value"]), "big", signed=True) == 314159
    assert a["txt"] == "hello" and a["vc"] == "abc" and base64.b64decode(a["by"]) == b"\x00\xff\x10"
    assert a["dt"] == 19782  # days since 1970-01-01
    assert a["tm"] == 47655123456 and a["tms"] == 47655123
    assert a["ts"] == 1709212455123456 and a["ts3"] == -1
    assert a["tz"] == "2024-02-29T11:14:15.5Z" and a["ttz"] == "13:14:15Z"
    assert a["iv"] == (26 * 3600) * 1_000_000
    assert a["u"] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert a["j"] == '{"a": 1}' and a["jb"] == '{"b": [1, 2]}'
    assert a["ai"] == [1, None, 3] and a["at"] == ["x y", "z"] and a["m"] == "happy"
    fields = {f["field"]: f for f in value["schema"]["fields"][1]["fields"]}
    assert fields["n"]["name"] == "org.apache.kafka.connect.data.Decimal"
    assert fields["n"]["parameters"] == {"scale": "2", "connect.decimal.precision": "10"}
    assert fields["nv"]["name"] == "io.debezium.data.VariableScaleDecimal"
    assert fields["dt"]["name"] == "io.debezium.time.Date" and fields["dt"]["type"] == "int32"
    assert fields["tm"]["name"] == "io.debezium.time.MicroTime" and fields["tms"]["name"] == "io.debezium.time.Time"
    assert fields["ts"]["name"] == "io.debezium.time.MicroTimestamp" and fields["ts3"]["name"] == "io.debezium.time.Timestamp"
    assert fields["tz"]["name"] == "io.debezium.time.ZonedTimestamp"
    assert fields["u"]["name"] == "io.debezium.data.Uuid" and fields["jb"]["name"] == "io.debezium.data.Json"
    assert fields["ai"]["type"] == "array" and fields["ai"]["items"]["type"] == "int32"
    assert fields["m"]["name"] == "io.debezium.data.Enum" and fields["m"]["parameters"]["allowed"] == "sad,ok,happy"
    assert fields["txt"]["optional"] is False and fields["vc"]["optional"] is True
    src = value["payload"]["source"]
    assert src["connector"] == "postgresql" and src["name"] == "ty" and src["db"] == db
    assert src["schema"] == "public" and src["table"] == "ty" and src["snapshot"] == "last"  # the only row
    assert value["payload"]["op"] == "r"
    # The last snapshot record says so; the streamed insert is a create with a txId and lsn.
    assert payload(recs[-2][1])["source"]["snapshot"] in ("last", "true")
    last = payload(recs[-1][1])
    assert last["op"] == "c" and last["source"]["snapshot"] == "false" and last["source"]["txId"] > 0
    assert last["source"]["lsn"] > 0 and Decimal(int.from_bytes(base64.b64decode(last["after"]["n"]), "big")) == 50


def test_transaction_metadata_key_change_and_bare_json(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("inp")
    pg.db_sql(db, "CREATE TABLE a (id int PRIMARY KEY, v int)")
    pg.db_sql(db, "CREATE TABLE b (id int PRIMARY KEY, v int)")
    cdc = start_streaming(tmp_path, dsn, "tm", module_broker.bootstrap,
                          sets={"provide.transaction.metadata": "true", "key.converter.schemas.enable": "false",
                                "value.converter.schemas.enable": "false"})
    try:
        c = pg.connect(dbname=db, autocommit=False)
        with c.cursor() as cur:
            cur.execute("INSERT INTO a VALUES (1, 1), (2, 2)")
            cur.execute("INSERT INTO b VALUES (10, 10)")
        c.commit()
        with c.cursor() as cur:
            cur.execute("UPDATE a SET id = 3 WHERE id = 1")  # a key change
        c.commit()
        c.close()
        pg.db_sql(db, "INSERT INTO b VALUES (-1, 0)")
        wait_for_key(module_broker.bootstrap, "tm.public.b", "id", -1)
    finally:
        cdc.stop()
    txn = read_topic(module_broker.bootstrap, "tm.transaction")
    assert [v["status"] for k, v in txn][:4] == ["BEGIN", "END", "BEGIN", "END"]
    begin, end = txn[0][1], txn[1][1]
    assert txn[0][0] == {"id": begin["id"]} and end["id"] == begin["id"]
    assert end["event_count"] == 3
    assert sorted((d["data_collection"], d["event_count"]) for d in end["data_collections"]) == \
        [("public.a", 2), ("public.b", 1)]
    a = read_topic(module_broker.bootstrap, "tm.public.a")
    assert [k for k, v in a] == [{"id": 1}, {"id": 2}, {"id": 1}, {"id": 1}, {"id": 3}]
    ops = [v["op"] if v else None for k, v in a]
    assert ops == ["c", "c", "d", None, "c"]  # delete + tombstone + create for the key change
    assert a[0][1]["transaction"]["id"] == begin["id"] and a[0][1]["transaction"]["total_order"] == 1
    assert a[1][1]["transaction"]["data_collection_order"] == 2
    assert a[2][1]["before"]["id"] == 1 and a[4][1]["after"] == {"id": 3, "v": 1}


def test_quiet_slot_is_confirmed_from_keepalives(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("inp")
    pg.db_sql(db, "CREATE TABLE t (id int PRIMARY KEY)")
    pg.db_sql(db, "CREATE TABLE other (id int)")  # not captured: WAL moves, no events
    cdc = start_streaming(tmp_path, dsn, "quiet", module_broker.bootstrap,
                          sets={"status.update.interval.ms": "200"}, extra=["--tables", "public.t"])
    try:
        slot_lsn = lambda: lsn_int(pg.db_sql(db, "SELECT confirmed_flush_lsn FROM pg_replication_slots "
                                                  "WHERE slot_name = 'brook_quiet'")[0][0])
        first = slot_lsn()
        for i in range(20):
            pg.db_sql(db, "INSERT INTO other VALUES (%s)", (i,))
        target = lsn_int(pg.db_sql(db, "SELECT pg_current_wal_lsn()::text")[0][0])
        deadline = time.monotonic() + 20
        while slot_lsn() < target and time.monotonic() < deadline:
            time.sleep(0.2)
        moved = slot_lsn()
        assert moved >= target > first, (first, target, moved)
        # Stored first, confirmed after: the slot never passes the stored position.
        assert moved <= stored_position(module_broker.bootstrap, "quiet")["lsn"]
    finally:
        cdc.stop()


def test_snapshot_modes_never_and_initial_only(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("inp")
    pg.db_sql(db, "CREATE TABLE t (id int PRIMARY KEY, v int)")
    pg.db_sql(db, "INSERT INTO t VALUES (1, 1), (2, 2)")
    # initial_only: one snapshot, no slot, exit 0.
    rc, err = run_cdc(dsn, "only", module_broker.bootstrap, sets={"snapshot.mode": "initial_only"})
    assert rc == 0, err
    assert [payload(v)["op"] for k, v in read_topic(module_broker.bootstrap, "only.public.t")] == ["r", "r"]
    assert pg.db_sql(db, "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()")[0][0] == 0
    # never: no snapshot, only what changes after the slot exists.
    cdc = start_streaming(tmp_path, dsn, "nev", module_broker.bootstrap, sets={"snapshot.mode": "never"})
    try:
        pg.db_sql(db, "UPDATE t SET v = 5 WHERE id = 2")
        wait_for_key(module_broker.bootstrap, "nev.public.t", "id", 2)
    finally:
        assert cdc.stop() == 0
    recs = read_topic(module_broker.bootstrap, "nev.public.t")
    assert [(payload(k)["id"], payload(v)["op"]) for k, v in recs] == [(2, "u")]


def test_sigterm_during_the_snapshot_leaves_nothing_visible(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("inp")
    pg.db_sql(db, "CREATE TABLE t (id int PRIMARY KEY, v int)")
    pg.db_sql(db, "INSERT INTO t SELECT g, g FROM generate_series(1, 100000) g")
    cdc = Cdc(str(tmp_path), dsn, "term", module_broker.bootstrap,
              sets={"snapshot.fetch.size": "1000", "key.converter.schemas.enable": "false",
                    "value.converter.schemas.enable": "false"})
    cdc.start()
    cdc.wait_for("created slot")
    time.sleep(0.3)
    assert cdc.stop() == 0
    assert "snapshot done" not in cdc.log()
    assert read_topic(module_broker.bootstrap, "term.public.t") == []
    # The next run starts the snapshot over and completes it.
    cdc.start()
    cdc.wait_for("streaming from", timeout=120)
    assert "did not finish; starting it over" in cdc.log()
    assert cdc.stop() == 0
    assert len(read_topic(module_broker.bootstrap, "term.public.t", timeout=60)) == 100000


def test_composite_key_chunks_toast_placeholder_and_added_column(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("inp")
    pg.db_sql(db, "CREATE TABLE ck (a int, b text, big text, n int, PRIMARY KEY (a, b))")
    pg.db_sql(db, "INSERT INTO ck SELECT g % 50, 'k' || g, NULL, g FROM generate_series(1, 2500) g")
    # Incompressible and large: stored out of line (TOAST).
    pg.db_sql(db, "UPDATE ck SET big = (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 400) i) "
                   "WHERE a = 1 AND b = 'k1'")
    cdc = start_streaming(tmp_path, dsn, "ck", module_broker.bootstrap,
                          sets={"snapshot.fetch.size": "300", "snapshot.max.threads": "3"})
    try:
        assert "public.ck has columns Postgres may TOAST" in cdc.log()
        pg.db_sql(db, "UPDATE ck SET n = -1 WHERE a = 1 AND b = 'k1'")   # big unchanged: not sent
        pg.db_sql(db, "ALTER TABLE ck ADD COLUMN extra text")
        pg.db_sql(db, "INSERT INTO ck (a, b, n, extra) VALUES (-1, 'new', 0, 'x')")
        wait_for_key(module_broker.bootstrap, "ck.public.ck", "a", -1)
    finally:
        assert cdc.stop() == 0
    recs = read_topic(module_broker.bootstrap, "ck.public.ck")
    reads = [(payload(k)["a"], payload(k)["b"]) for k, v in recs if payload(v)["op"] == "r"]
    assert len(reads) == 2500 and len(set(reads)) == 2500  # every composite key once
    upd = [payload(v) for k, v in recs if payload(v)["op"] == "u"]
    assert len(upd) == 1 and upd[0]["after"]["n"] == -1
    assert upd[0]["after"]["big"] == "__debezium_unavailable_value"
    last = recs[-1][1]
    assert last["payload"]["after"]["extra"] == "x"
    assert "extra" in [f["field"] for f in last["schema"]["fields"][1]["fields"]]


def test_changes_of_a_table_dropped_since_are_still_delivered(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("inp")
    pg.db_sql(db, "CREATE TABLE gone (id int PRIMARY KEY, v text)")
    pg.db_sql(db, "CREATE TABLE stays (id int PRIMARY KEY)")
    cdc = start_streaming(tmp_path, dsn, "gone", module_broker.bootstrap)
    assert cdc.stop() == 0
    pg.db_sql(db, "INSERT INTO gone VALUES (1, 'last words')")
    pg.db_sql(db, "DROP TABLE gone")
    pg.db_sql(db, "INSERT INTO stays VALUES (1)")
    cdc = start_streaming(tmp_path, dsn, "gone", module_broker.bootstrap)
    try:
        wait_for_key(module_broker.bootstrap, "gone.public.stays", "id", 1)
    finally:
        assert cdc.stop() == 0
    recs = read_topic(module_broker.bootstrap, "gone.public.gone")
    assert [payload(v)["after"] for k, v in recs] == [{"id": 1, "v": "last words"}]


def test_only_the_named_tables_of_a_shared_publication(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("inp")
    pg.db_sql(db, "CREATE TABLE mine (id int PRIMARY KEY)")
    pg.db_sql(db, "CREATE TABLE theirs (id int PRIMARY KEY)")
    pg.db_sql(db, "CREATE PUBLICATION shared FOR TABLE mine, theirs")
    cdc = start_streaming(tmp_path, dsn, "sh", module_broker.bootstrap, sets={"publication.name": "shared"},
                          extra=["--tables", "public.mine"])
    try:
        pg.db_sql(db, "INSERT INTO theirs VALUES (1)")
        pg.db_sql(db, "INSERT INTO mine VALUES (1)")
        wait_for_key(module_broker.bootstrap, "sh.public.mine", "id", 1)
    finally:
        assert cdc.stop() == 0
    topics = AdminClient({"bootstrap.servers": module_broker.bootstrap}).list_topics(timeout=10).topics
    assert "sh.public.mine" in topics and "sh.public.theirs" not in topics


def test_short_wal_sender_timeout_is_kept_alive(module_broker, tmp_path):
    # The walsender drops a client that has not replied within wal_sender_timeout; the source's
    # status updates (every status.update.interval.ms, and at once when a keepalive asks) keep
    # an idle stream alive.
    p = Postgres(settings={"wal_sender_timeout": "1500ms"}).start()
    try:
        p.sql("CREATE TABLE t (id int PRIMARY KEY)")
        cdc = start_streaming(tmp_path, p.dsn, "ka", module_broker.bootstrap,
                              sets={"status.update.interval.ms": "300"})
        try:
            time.sleep(5)
            p.sql("INSERT INTO t VALUES (1)")
            wait_for_key(module_broker.bootstrap, "ka.public.t", "id", 1, timeout=20)
            assert cdc.proc.poll() is None, cdc.log()
            assert "terminating walsender" not in p.log_text()
        finally:
            assert cdc.stop() == 0
    finally:
        p.close()


def test_lost_slot_is_refused(module_broker, tmp_path):
    # A slot may retain at most 1 MB of WAL; switching segments and a checkpoint invalidate it.
    p = Postgres(settings={"max_slot_wal_keep_size": "1MB", "min_wal_size": "32MB", "max_wal_size": "64MB"}).start()
    try:
        p.sql("CREATE TABLE t (id int PRIMARY KEY)")
        cdc = start_streaming(tmp_path, p.dsn, "lost", module_broker.bootstrap)
        assert cdc.stop() == 0
        for i in range(4):
            p.sql("INSERT INTO t VALUES (%s)", (i,))
            p.sql("SELECT pg_switch_wal()")
        p.sql("CHECKPOINT")
        assert p.sql("SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'brook_lost'")[0][0] == "lost"
        rc, err = run_cdc(p.dsn, "lost", module_broker.bootstrap)
        assert rc == 2
        line = one_line(err)
        assert "is lost" in line and "snapshot.mode=when_needed" in line
    finally:
        p.close()
