#!/usr/bin/env python3
"""`brook cdc postgres` throughput, run by hand (never in `make test`):

    /usr/bin/python3 bench/cdc_postgres.py [--rows 100000] [--changes 100000] [--txn 100]

Starts Brook (build/brook serve --smp 2) and a Postgres 15 (tests/integration/pgfixture.py),
then for JSON with and without the schema envelope:
  snapshot  rows/s of the initial snapshot of --rows rows (as the source reports it);
  stream    changes/s catching up on --changes updates made while the source was stopped, in
            transactions of --txn rows — from "streaming from" until the last change is
            readable (read_committed) by confluent-kafka.
Prints one line per figure.
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from brookfixture import Broker  # noqa: E402
from cdchelpers import Cdc, wait_for_key  # noqa: E402
from pgfixture import Postgres  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--changes", type=int, default=100_000)
    ap.add_argument("--txn", type=int, default=100)
    ap.add_argument("--schemas", default="true,false", help="which schemas.enable settings to run")
    ap.add_argument("--set", action="append", default=[], help="extra source property key=value")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="brook-cdc-bench-")
    broker = Broker(os.path.join(d, "data"), os.path.join(d, "logs"), smp=2).start()
    pg = Postgres().start()
    try:
        for schemas in a.schemas.split(","):
            db = f"bench_{schemas}"
            pg.sql(f"CREATE DATABASE {db}")
            dsn = f"host=127.0.0.1 port={pg.port} user=postgres dbname={db}"
            c = pg.connect(dbname=db)
            cur = c.cursor()
            cur.execute("CREATE TABLE acct (id bigint PRIMARY KEY, v int NOT NULL, pad text, ts timestamptz DEFAULT now(),"
                        " amount numeric(12,2) DEFAULT 12.5)")
            cur.execute("INSERT INTO acct (id, v, pad) SELECT g, 0, 'row ' || g FROM generate_series(1, %s) g", (a.rows,))
            prefix = f"b{schemas}"
            sets = {"key.converter.schemas.enable": schemas, "value.converter.schemas.enable": schemas}
            sets.update(kv.split("=", 1) for kv in a.set)
            cdc = Cdc(d, dsn, prefix, broker.bootstrap, sets=sets).start()
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
            cdc = Cdc(d, dsn, prefix, broker.bootstrap, sets=sets).start()
            cdc.wait_for("streaming from", timeout=60)
            t0 = time.monotonic()
            wait_for_key(broker.bootstrap, f"{prefix}.public.acct", "id", -1, timeout=600)
            dt = time.monotonic() - t0
            assert cdc.stop() == 0
            print(f"json schemas.enable={schemas}: {snap.split('cdc: ')[1]}")
            print(f"json schemas.enable={schemas}: stream {a.changes} changes in {dt:.2f} s "
                  f"({a.changes / dt:.0f} changes/s, transactions of {a.txn})")
    finally:
        pg.close()
        broker.close()


if __name__ == "__main__":
    main()
