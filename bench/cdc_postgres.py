#!/usr/bin/env python3
"""`brook cdc postgres` throughput, run by hand (never in `make test`):

    /usr/bin/python3 bench/cdc_postgres.py [--rows 100000] [--changes 100000] [--txn 100]

Starts Brook (build/brook serve --smp 2, with its schema registry) and a Postgres 15
(tests/integration/pgfixture.py), then for each of --formats (default json,avro; also
json-bare: JSON without the schema envelope):
  snapshot  rows/s of the initial snapshot of --rows rows (as the source reports it);
  stream    changes/s catching up on --changes updates made while the source was stopped, in
            transactions of --txn rows — from "streaming from" until the last change is
            readable (read_committed) by confluent-kafka (Avro keys decoded by python3-avro with
            the schema the registry holds for their id).
Prints one line per figure, then the four figures (snapshot and stream, JSON and Avro) in a table.
"""
import argparse
import io
import json
import os
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from brookfixture import Broker  # noqa: E402
from cdchelpers import Cdc, wait_for_key  # noqa: E402
from pgfixture import Postgres  # noqa: E402

FORMATS = {  # name -> (extra flags, --set properties)
    "json": ([], {}),
    "json-bare": ([], {"key.converter.schemas.enable": "false", "value.converter.schemas.enable": "false"}),
    "avro": (["--format", "avro"], {}),
}


def wait_for_avro_key(broker, topic, field, value, timeout=600):
    """Waits until a record keyed {field: value} is readable; Avro keys decoded by python3-avro
    with the writer's schema from the registry (by the id in each record's frame)."""
    import avro.io
    import avro.schema
    from confluent_kafka import Consumer, TopicPartition
    schemas = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "bench", "isolation.level": "read_committed",
                      "enable.partition.eof": True})
        _, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        c.assign([TopicPartition(topic, 0, max(0, high - 100))])
        try:
            while True:
                m = c.poll(5)
                if m is None or (m.error() and m.error().code() == -191):
                    break
                k = m.key()
                sid = int.from_bytes(k[1:5], "big")
                if sid not in schemas:
                    with urllib.request.urlopen(f"{broker.registry_url}/schemas/ids/{sid}", timeout=10) as r:
                        schemas[sid] = avro.schema.parse(json.loads(r.read())["schema"])
                key = avro.io.DatumReader(schemas[sid]).read(avro.io.BinaryDecoder(io.BytesIO(k[5:])))
                if key.get(field) == value:
                    return
        finally:
            c.close()
        time.sleep(0.2)
    raise AssertionError(f"{topic}: no {field}={value} within {timeout}s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--changes", type=int, default=100_000)
    ap.add_argument("--txn", type=int, default=100)
    ap.add_argument("--formats", default="json,avro", help="of " + ", ".join(FORMATS))
    ap.add_argument("--set", action="append", default=[], help="extra source property key=value")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="brook-cdc-bench-")
    broker = Broker(os.path.join(d, "data"), os.path.join(d, "logs"), smp=2).start()
    pg = Postgres().start()
    try:
        figures = {}
        for fmt in a.formats.split(","):
            extra, fmt_sets = FORMATS[fmt]
            if fmt == "avro":
                extra = extra + ["--registry", broker.registry_url]
            db = "bench_" + fmt.replace("-", "_")
            pg.sql(f"CREATE DATABASE {db}")
            dsn = f"host=127.0.0.1 port={pg.port} user=postgres dbname={db}"
            c = pg.connect(dbname=db)
            cur = c.cursor()
            cur.execute("CREATE TABLE acct (id bigint PRIMARY KEY, v int NOT NULL, pad text, ts timestamptz DEFAULT now(),"
                        " amount numeric(12,2) DEFAULT 12.5)")
            cur.execute("INSERT INTO acct (id, v, pad) SELECT g, 0, 'row ' || g FROM generate_series(1, %s) g", (a.rows,))
            prefix = "b" + fmt.replace("-", "")
            sets = dict(fmt_sets)
            sets.update(kv.split("=", 1) for kv in a.set)
            cdc = Cdc(d, dsn, prefix, broker.bootstrap, sets=sets, extra=extra).start()
            cdc.wait_for("streaming from", timeout=600)
            snap = [l for l in cdc.log().splitlines() if "snapshot done" in l][0]
            assert cdc.stop() == 0
            # Changes made while the source is down, then the catch-up.
            c.autocommit = False
            done = 0
            while done < a.changes:
                n = min(a.txn, a.changes - done)
                lo = done % a.rows + 1
                cur.execute("UPDATE acct SET v = v + 1 WHERE id >= %s AND id < %s", (lo, lo + n))
                c.commit()
                done += n
            cur.execute("INSERT INTO acct (id, v, pad) VALUES (-1, 0, 'sentinel')")
            c.commit()
            c.close()
            cdc = Cdc(d, dsn, prefix, broker.bootstrap, sets=sets, extra=extra).start()
            cdc.wait_for("streaming from", timeout=60)
            t0 = time.monotonic()
            if fmt == "avro":
                wait_for_avro_key(broker, f"{prefix}.public.acct", "id", -1)
            else:
                wait_for_key(broker.bootstrap, f"{prefix}.public.acct", "id", -1, timeout=600)
            dt = time.monotonic() - t0
            assert cdc.stop() == 0
            snap_rate = float(snap.split("(")[1].split(" rows/s")[0])
            figures[fmt] = (snap_rate, a.changes / dt)
            print(f"{fmt}: {snap.split('cdc: ')[1]}")
            print(f"{fmt}: stream {a.changes} changes in {dt:.2f} s "
                  f"({a.changes / dt:.0f} changes/s, transactions of {a.txn})")
        print(f"\n{'format':<10} {'snapshot rows/s':>16} {'stream changes/s':>17}")
        for fmt, (sr, cr) in figures.items():
            print(f"{fmt:<10} {sr:>16.0f} {cr:>17.0f}")
    finally:
        pg.close()
        broker.close()


if __name__ == "__main__":
    main()
