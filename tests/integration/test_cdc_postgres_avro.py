"""`brook cdc postgres --format avro`: Debezium's Avro events through Brook's schema registry,
decoded by confluent-kafka's legacy AvroConsumer on python3-avro and by kafkajs with
@kafkajs/confluent-schema-registry on avsc (tests/js/registry_decode.js) — clients we did not write —
against a real Postgres 15 (pgfixture) and `brook serve` (its built-in registry). Schema
evolution: an added nullable column registers a compatible version; a column type change stops
the source with a message naming the table and column, nothing of that transaction committed."""
import json
import os
import pathlib
import struct
import subprocess
import time
from decimal import Decimal

import requests

from cdchelpers import (Cdc, lsn_int, one_line, read_avro_topic, read_raw_topic, run_cdc, start_streaming,
                        stored_position)
from brookfixture import free_port
from pgfixture import pg  # noqa: F401 (a fixture)


JS_DECODE = pathlib.Path(__file__).resolve().parent.parent / "js" / "registry_decode.js"


def js_decode(broker, topic, n):
    """The first n values of topic decoded in JavaScript (avsc) with the writers' schemas."""
    run = subprocess.run(["node", str(JS_DECODE), broker.registry_url, broker.bootstrap, topic, str(n)],
                         capture_output=True, text=True, timeout=90,
                         env=dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1"))
    assert run.returncode == 0, f"registry_decode.js failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    return json.loads(run.stdout.strip().splitlines()[-1])


def registry_latest(broker, subject):
    r = requests.get(f"{broker.registry_url}/subjects/{subject}/versions/latest", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def wait_for_avro(broker, topic, pred, timeout=60):
    deadline = time.monotonic() + timeout
    recs = []
    while time.monotonic() < deadline:
        recs = read_avro_topic(broker.bootstrap, broker.registry_url, topic)
        if any(pred(k, v) for k, v in recs):
            return recs
        time.sleep(0.3)
    raise AssertionError(f"{topic}: condition not met within {timeout}s; last {recs[-3:]}")


def avro_cdc(tmp_path, dsn, prefix, broker, sets=None, extra=None):
    return start_streaming(tmp_path, dsn, prefix, broker.bootstrap, sets=sets,
                           extra=["--format", "avro", "--registry", broker.registry_url] + list(extra or []))


def test_avro_events_decode_through_the_registry(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("av")
    pg.db_sql(db, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
    pg.db_sql(db, """CREATE TABLE ty (id int PRIMARY KEY, s smallint NOT NULL, big bigint, d double precision,
        n numeric(10,2), txt text NOT NULL, by bytea, dt date, ts timestamp, tz timestamptz, u uuid,
        jb jsonb, ai int[], m mood, "odd name" text)""")
    pg.db_sql(db, """INSERT INTO ty VALUES (1, -3, 9007199254740993, 2.25, -12345.67, 'hello', '\\x00ff10',
        '2024-02-29', '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15.5+02',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": [1, 2]}', '{1,NULL,3}', 'happy', 'x')""")
    pg.db_sql(db, "INSERT INTO ty (id, s, txt) VALUES (2, 0, 'nulls')")
    cdc = avro_cdc(tmp_path, dsn, "av", module_broker)
    try:
        pg.db_sql(db, "UPDATE ty SET txt = 'changed', n = 0.5 WHERE id = 2")
        pg.db_sql(db, "DELETE FROM ty WHERE id = 1")
        recs = wait_for_avro(module_broker, "av.public.ty", lambda k, v: v is not None and v["op"] == "d")
    finally:
        assert cdc.stop() == 0
    assert len(recs) == 5, recs  # r, r, u, d, tombstone
    (k1, v1), (k2, v2), (k3, v3), (k4, v4), (k5, v5) = recs
    assert k1 == {"id": 1} and v1["op"] == "r" and v1["before"] is None
    a = v1["after"]
    assert a["s"] == -3 and a["big"] == 9007199254740993 and a["d"] == 2.25
    assert a["n"] == Decimal("-12345.67")  # Connect Decimal: logicalType decimal, scale 2
    assert a["txt"] == "hello" and a["by"] == b"\x00\xff\x10"
    assert a["dt"] == 19782 and a["ts"] == 1709212455123456 and a["tz"] == "2024-02-29T11:14:15.5Z"
    assert a["u"] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" and a["jb"] == '{"b": [1, 2]}'
    assert a["ai"] == [1, None, 3] and a["m"] == "happy" and a["odd_name"] == "x"
    assert v2["after"]["n"] is None and v2["after"]["by"] is None and v2["source"]["snapshot"] == "last"
    src = v1["source"]
    assert src["connector"] == "postgresql" and src["name"] == "av" and src["db"] == db
    assert src["schema"] == "public" and src["table"] == "ty" and src["snapshot"] == "true"
    assert v3["op"] == "u" and v3["after"]["txt"] == "changed" and v3["after"]["n"] == Decimal("0.50")
    assert v3["source"]["snapshot"] == "false" and v3["source"]["txId"] > 0 and v3["source"]["lsn"] > 0
    assert k4 == {"id": 1} and v4["op"] == "d" and v4["before"]["id"] == 1 and v4["after"] is None
    assert k5 == {"id": 1} and v5 is None  # the tombstone

    # The schemas as Debezium + AvroConverter register them, under TopicNameStrategy.
    value = registry_latest(module_broker, "av.public.ty-value")
    schema = json.loads(value["schema"])
    assert schema["name"] == "Envelope" and schema["namespace"] == "av.public.ty"
    assert schema["connect.name"] == "av.public.ty.Envelope"
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["before"]["type"][0] == "null" and fields["before"]["default"] is None
    assert fields["after"]["type"][0] == "null" and fields["after"]["type"][1] in ("Value", "av.public.ty.Value")
    assert fields["source"]["type"]["name"] == "Source"
    assert fields["source"]["type"]["namespace"] == "io.debezium.connector.postgresql"
    row = {f["name"]: f for f in fields["before"]["type"][1]["fields"]}
    assert row["txt"]["type"] == "string"  # NOT NULL: no union
    assert row["s"]["type"] == {"type": "int", "connect.type": "int16"}
    assert row["big"]["type"] == ["null", "long"] and row["big"]["default"] is None
    n = row["n"]["type"][1]
    assert n["logicalType"] == "decimal" and n["scale"] == 2 and n["precision"] == 10
    assert n["connect.name"] == "org.apache.kafka.connect.data.Decimal"
    assert row["ts"]["type"][1]["connect.name"] == "io.debezium.time.MicroTimestamp"
    assert row["dt"]["type"][1]["connect.name"] == "io.debezium.time.Date"
    assert row["tz"]["type"][1]["connect.name"] == "io.debezium.time.ZonedTimestamp"
    assert row["u"]["type"][1]["connect.name"] == "io.debezium.data.Uuid"
    assert row["jb"]["type"][1]["connect.name"] == "io.debezium.data.Json"
    assert row["m"]["type"][1]["connect.parameters"] == {"allowed": "sad,ok,happy"}
    key = registry_latest(module_broker, "av.public.ty-key")
    assert json.loads(key["schema"])["name"] == "Key"
    # Every record is 0x00 + the id the registry assigned.
    for k, v in read_raw_topic(module_broker.bootstrap, "av.public.ty"):
        assert k[:5] == b"\x00" + struct.pack(">I", key["id"])
        if v is not None:
            assert v[:5] == b"\x00" + struct.pack(">I", value["id"])


def test_added_nullable_column_evolves_compatibly(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("av")
    pg.db_sql(db, "CREATE TABLE t (id int PRIMARY KEY, v int)")
    pg.db_sql(db, "INSERT INTO t VALUES (1, 1)")
    cdc = avro_cdc(tmp_path, dsn, "evo", module_broker, sets={"provide.transaction.metadata": "true"})
    try:
        pg.db_sql(db, "ALTER TABLE t ADD COLUMN extra text")
        pg.db_sql(db, "INSERT INTO t VALUES (2, 2, 'new')")
        recs = wait_for_avro(module_broker, "evo.public.t", lambda k, v: k == {"id": 2})
        pg.db_sql(db, "INSERT INTO t (id, v) VALUES (3, 3)")
        recs = wait_for_avro(module_broker, "evo.public.t", lambda k, v: k == {"id": 3})
        assert cdc.proc.poll() is None, cdc.log()
    finally:
        assert cdc.stop() == 0
    assert [v["after"] for k, v in recs] == [{"id": 1, "v": 1}, {"id": 2, "v": 2, "extra": "new"},
                                             {"id": 3, "v": 3, "extra": None}]
    js = js_decode(module_broker, "evo.public.t", 3)
    assert [v["after"] for v in js["values"]] == [{"id": 1, "v": 1}, {"id": 2, "v": 2, "extra": "new"},
                                                  {"id": 3, "v": 3, "extra": None}], js
    assert [v["source"]["snapshot"] for v in js["values"]] == ["last", "false", "false"]
    versions = requests.get(f"{module_broker.registry_url}/subjects/evo.public.t-value/versions", timeout=10).json()
    assert versions == [1, 2]
    raw = read_raw_topic(module_broker.bootstrap, "evo.public.t")
    ids = [struct.unpack(">I", v[1:5])[0] for k, v in raw]
    assert ids[0] != ids[1] and ids[1] == ids[2] and js["ids"] == ids
    # The transaction metadata topic is Avro too.
    txn = read_avro_topic(module_broker.bootstrap, module_broker.registry_url, "evo.transaction")
    assert [v["status"] for k, v in txn] == ["BEGIN", "END", "BEGIN", "END"]
    assert txn[1][1]["event_count"] == 1 and txn[1][1]["data_collections"] == [
        {"data_collection": "public.t", "event_count": 1}]
    assert txn[0][0] == {"id": txn[0][1]["id"]}


def test_column_type_change_stops_the_source(pg, module_broker, tmp_path):
    db, dsn = pg.new_db("av")
    pg.db_sql(db, "CREATE TABLE t (id int PRIMARY KEY, v int)")
    pg.db_sql(db, "CREATE TABLE other (id int PRIMARY KEY)")
    cdc = avro_cdc(tmp_path, dsn, "brk", module_broker, sets={"status.update.interval.ms": "200"})
    try:
        pg.db_sql(db, "INSERT INTO t VALUES (1, 1)")
        wait_for_avro(module_broker, "brk.public.t", lambda k, v: k == {"id": 1})
        before = stored_position(module_broker.bootstrap, "brk")
        pg.db_sql(db, "ALTER TABLE t ALTER COLUMN v TYPE text")
        # One Postgres transaction: a change of another table first, then the breaking one.
        c = pg.connect(dbname=db, autocommit=False)
        with c.cursor() as cur:
            cur.execute("INSERT INTO other VALUES (7)")
            cur.execute("INSERT INTO t VALUES (2, 'two')")
        c.commit()
        c.close()
        cdc.proc.wait(timeout=30)
    finally:
        cdc.close()
    assert cdc.proc.returncode not in (0, None)
    line = one_line(cdc.log())
    assert "table public.t" in line and "column v changed type integer -> text" in line, line
    assert "brk.public.t-value" in line and "not compatible" in line, line
    # Nothing of that transaction is visible, and neither the stored nor the confirmed position
    # passed it.
    assert [k for k, v in read_avro_topic(module_broker.bootstrap, module_broker.registry_url, "brk.public.t")] == [
        {"id": 1}]
    assert read_raw_topic(module_broker.bootstrap, "brk.public.other") == []
    after = stored_position(module_broker.bootstrap, "brk")
    confirmed = lsn_int(pg.db_sql(db, "SELECT confirmed_flush_lsn FROM pg_replication_slots "
                                      "WHERE slot_name = 'brook_brk'")[0][0])
    commit_lsn = lsn_int(pg.db_sql(db, "SELECT pg_current_wal_lsn()::text")[0][0])
    assert after["lsn"] < commit_lsn and confirmed <= after["lsn"], (before, after, confirmed)
    # A restart refuses again, the same way: the change must be dealt with first.
    (tmp_path / "restart").mkdir()
    cdc2 = Cdc(str(tmp_path / "restart"), dsn, "brk", module_broker.bootstrap,
               extra=["--format", "avro", "--registry", module_broker.registry_url])
    cdc2.start()
    try:
        cdc2.proc.wait(timeout=60)
    finally:
        cdc2.close()
    assert cdc2.proc.returncode not in (0, None), cdc2.log()
    line = one_line(cdc2.log())
    assert "table public.t: column v changed type int -> string" in line and "not compatible" in line, line


def test_avro_bad_input(pg, module_broker):
    db, dsn = pg.new_db("av")
    pg.db_sql(db, "CREATE TABLE t (id int PRIMARY KEY)")
    rc, err = run_cdc(dsn, "bad", module_broker.bootstrap, extra=["--format", "avro"])
    assert rc == 2 and "--format avro needs --registry" in one_line(err)
    rc, err = run_cdc(dsn, "bad", module_broker.bootstrap, extra=["--format", "avro", "--registry", "localhost:8081"])
    assert rc == 2 and "bad registry URL" in one_line(err)
    rc, err = run_cdc(dsn, "bad", module_broker.bootstrap,
                      extra=["--format", "avro", "--registry", f"http://127.0.0.1:{free_port()}"])
    assert rc == 2 and "cannot reach the schema registry" in one_line(err) and "--registry" in one_line(err)
