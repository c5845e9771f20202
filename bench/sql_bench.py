#!/usr/bin/env python3
"""Events per second of one `brook sql run` worker over 100 B JSON events (run by hand).

Starts `build/brook serve` in a temp dir, fills a 1-partition topic with N events of ~100 bytes
({"user_id", "url", "ts", "v"}, 10,000 users, event time +1 ms per event with up to 500 ms of
disorder), then times a bounded job per case: a TUMBLE (10 s) and a SESSION (gap 30 s) COUNT/SUM
per user. Prints wall-clock events/s (job start to exit, connect and final flush included) and
events per CPU second of the job process.

    /usr/bin/python3 bench/sql_bench.py [--events 1000000]

--avro also runs the TUMBLE case over the same events in Confluent-framed Avro (schema registered
in the broker's registry, encoded here by hand) with an avro-confluent source and sink.

--keyed runs the same cases as exactly-once jobs, i.e. as key-grouped workers (repartition
topic, changelog, one transaction per checkpoint; docs/sql-scale-out.md) over --partitions
source partitions (default 4) with --workers processes started together; it prints events/s
per worker (wall) and events per CPU second summed over the workers.
"""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from brookfixture import BROOK_BIN, Broker  # noqa: E402
from clients import create_topic  # noqa: E402
from confluent_kafka import Producer  # noqa: E402

T0 = 1_700_000_000_000

JOB = """
CREATE TABLE ev (user_id STRING, url STRING, ts TIMESTAMP(3), v BIGINT,
                 WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'kafka', 'topic' = 'ev', 'scan.startup.mode' = 'earliest-offset',
      'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE out_{name} (user_id STRING, ws TIMESTAMP(3), we TIMESTAMP(3), n BIGINT, total BIGINT)
WITH ('connector' = 'kafka', 'topic' = 'out-{name}', 'format' = 'json');
INSERT INTO out_{name} SELECT user_id, window_start, window_end, COUNT(*), SUM(v)
FROM TABLE({tvf}) GROUP BY window_start, window_end, user_id;
"""
KEYED_JOB = """
SET 'execution.checkpointing.interval' = '200 ms';
CREATE TABLE ev (user_id STRING, url STRING, ts TIMESTAMP(3), v BIGINT,
                 WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'kafka', 'topic' = 'ev', 'scan.startup.mode' = 'earliest-offset',
      'scan.bounded.mode' = 'latest-offset', 'format' = 'json', 'properties.group.id' = 'bench-{name}');
CREATE TABLE out_{name} (user_id STRING, ws TIMESTAMP(3), we TIMESTAMP(3), n BIGINT, total BIGINT)
WITH ('connector' = 'kafka', 'topic' = 'out-{name}', 'format' = 'json',
      'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'bench-{name}');
INSERT INTO out_{name} SELECT user_id, window_start, window_end, COUNT(*), SUM(v)
FROM TABLE({tvf}) GROUP BY window_start, window_end, user_id;
"""
AVRO_JOB = """
CREATE TABLE ev (user_id STRING, url STRING, ts TIMESTAMP(3), v BIGINT,
                 WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'kafka', 'topic' = 'ev-avro', 'scan.startup.mode' = 'earliest-offset',
      'scan.bounded.mode' = 'latest-offset', 'format' = 'avro-confluent', 'avro-confluent.url' = '{registry}');
CREATE TABLE out_avro (user_id STRING, ws TIMESTAMP(3), we TIMESTAMP(3), n BIGINT, total BIGINT)
WITH ('connector' = 'kafka', 'topic' = 'out-avro', 'format' = 'avro-confluent', 'avro-confluent.url' = '{registry}');
INSERT INTO out_avro SELECT user_id, window_start, window_end, COUNT(*), SUM(v)
FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, user_id;
"""
EV_SCHEMA = {"type": "record", "name": "Ev", "fields": [
    {"name": "user_id", "type": "string"}, {"name": "url", "type": "string"},
    {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}}, {"name": "v", "type": "long"}]}

CASES = {
    "tumble": "TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND)",
    "session": "SESSION(TABLE ev PARTITION BY user_id, DESCRIPTOR(ts), INTERVAL '30' SECOND)",
}


def ts_text(ms):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + ".%03d" % (ms % 1000)


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


STATE_JOB = """
SET 'execution.checkpointing.interval' = '1 s';
CREATE TABLE st (user_id STRING, url STRING, ts TIMESTAMP(3), v BIGINT,
                 WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'kafka', 'topic' = 'st', 'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
CREATE TABLE out_state (user_id STRING, n BIGINT, total BIGINT)
WITH ('connector' = 'kafka', 'topic' = 'out-state', 'format' = 'json');
INSERT INTO out_state SELECT user_id, COUNT(*), SUM(v)
FROM TABLE(TUMBLE(TABLE st, DESCRIPTOR(ts), INTERVAL '1' DAY)) GROUP BY window_start, window_end, user_id;
"""


def state_size(broker, d, n, keyed=False):
    create_topic(broker.bootstrap, "st")
    create_topic(broker.bootstrap, "out-state")
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 20, "queue.buffering.max.messages": 1000000})
    for i in range(n):
        b = json.dumps({"user_id": "u%09d" % i, "url": "/x", "ts": ts_text(T0 + i // 100), "v": i % 1000},
                       separators=(",", ":")).encode()
        while True:
            try:
                p.produce("st", b, partition=0)
                break
            except BufferError:
                p.poll(0.05)
    p.flush(120)
    job = Path(d) / "state.sql"
    text = STATE_JOB
    if keyed:  # an exactly-once worker: panes mirrored in RocksDB, the changelog beside them
        text = text.replace("'format' = 'json');\nCREATE", "'format' = 'json', 'properties.group.id' = 'bench-state');\nCREATE", 1)
        text = text.replace("'topic' = 'out-state', 'format' = 'json')",
                            "'topic' = 'out-state', 'format' = 'json', 'sink.delivery-guarantee' = 'exactly-once', "
                            "'sink.transactional-id-prefix' = 'bench-state')")
    job.write_text(text)
    proc = subprocess.Popen([BROOK_BIN, "sql", "run", str(job), "-b", broker.bootstrap, "--state-dir", str(Path(d) / "state")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    last, still = -1, 0
    while still < 3:  # read everything: the job's CPU time stops growing
        time.sleep(1)
        t = cpu_ticks(proc.pid)
        still = still + 1 if t == last else 0
        last = t
    with open(f"/proc/{proc.pid}/status") as f:
        rss = next(int(ln.split()[1]) * 1024 for ln in f if ln.startswith("VmRSS:"))
    proc.send_signal(2)
    _, err = proc.communicate(timeout=120)
    summary = err.strip().splitlines()[-1]
    size = int(summary.rsplit("state ", 1)[1].split(" B")[0])
    print(f"state: {n} open keys -> {size:,} B in RocksDB ({size / n:.0f} B per key, "
          f"{size * 1_000_000 / n / 2**20:.0f} MiB per million); job RSS {rss / 2**20:.0f} MiB  {summary}")
    if keyed:
        logs = sum(f.stat().st_size for f in (Path(d) / "data").glob("brook-sql-bench-state-window-changelog/*/*.log"))
        print(f"changelog: {logs:,} B of log segments ({logs / n:.0f} B per key; cleanup.policy=delete, so every "
              f"checkpoint's pane versions are kept)")


def zigzag(n):
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def avro_string(s):
    b = s.encode()
    return zigzag(len(b)) + b


def register(registry, subject, schema):
    import urllib.request
    req = urllib.request.Request(f"{registry}/subjects/{subject}/versions", method="POST",
                                 data=json.dumps({"schema": json.dumps(schema)}).encode(),
                                 headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["id"]


def fill(bootstrap, n, partitions=1, avro_id=None):
    """The events in JSON into ev; with avro_id also the same events, Confluent-framed Avro, into ev-avro."""
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "batch.num.messages": 10000,
                  "queue.buffering.max.messages": 1000000, "compression.type": "none"})
    rnd = random.Random(7)
    size = 0
    for i in range(n):
        user, url = "u%07d" % rnd.randrange(10000), "/catalog/items/%012d" % rnd.randrange(100000)
        ms = T0 + i - rnd.randrange(500)
        ev = {"user_id": user, "url": url, "ts": ts_text(ms), "v": rnd.randrange(100000)}
        b = json.dumps(ev, separators=(",", ":")).encode()
        size += len(b)
        out = [("ev", b)]
        if avro_id is not None:
            out.append(("ev-avro", b"\x00" + avro_id.to_bytes(4, "big") + avro_string(ev["user_id"]) + avro_string(ev["url"]) +
                        zigzag(ms) + zigzag(ev["v"])))
        for topic, payload in out:
            while True:
                try:
                    p.produce(topic, payload, partition=i % partitions)
                    break
                except BufferError:
                    p.poll(0.05)
        if i % 10000 == 0:
            p.poll(0)
    p.flush(120)
    return size / n


def keyed_case(broker, d, name, tvf, events, workers):
    job = Path(d) / f"keyed-{name}.sql"
    job.write_text(KEYED_JOB.format(name=name, tvf=tvf))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    procs = [subprocess.Popen([BROOK_BIN, "sql", "run", str(job), "-b", broker.bootstrap, "--state-dir",
                               str(Path(d) / f"state-{name}-{w}")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for w in range(workers)]
    errs = [p.communicate()[1] for p in procs]
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for p, e in zip(procs, errs):
        if p.returncode != 0:
            sys.exit(e)
    per_worker = events / wall / workers
    print(f"{name:8s} keyed, {workers} worker(s): {per_worker:>10,.0f} events/s per worker (wall)"
          f"  {events / cpu:>10,.0f} events/CPU-s  ({wall:.2f} s, {cpu:.2f} CPU-s)")
    for e in errs:
        print("    " + e.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--state-keys", type=int, default=0)
    ap.add_argument("--keyed", action="store_true", help="exactly-once key-grouped workers")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--partitions", type=int, default=0)
    ap.add_argument("--avro", action="store_true", help="also the TUMBLE case over the same events in avro-confluent")
    args = ap.parse_args()
    parts = args.partitions or (4 if args.keyed else 1)
    with tempfile.TemporaryDirectory() as d:
        broker = Broker(Path(d) / "data", Path(d) / "logs", smp=1).start()
        try:
            create_topic(broker.bootstrap, "ev", parts)
            for name in CASES:
                create_topic(broker.bootstrap, "out-" + name)
            avro_id = None
            if args.avro:
                create_topic(broker.bootstrap, "ev-avro", parts)
                create_topic(broker.bootstrap, "out-avro")
                avro_id = register(broker.registry_url, "ev-avro-value", EV_SCHEMA)
            avg = fill(broker.bootstrap, args.events, parts, avro_id) if args.events else 0
            if args.events:
                print(f"{args.events} events of {avg:.0f} B average in topic ev ({parts} partition(s))")
            cases = list(CASES.items()) + ([("avro", None)] if args.avro and not args.keyed else [])
            for name, tvf in cases if args.events else []:
                if args.keyed:
                    keyed_case(broker, d, name, tvf, args.events, args.workers)
                    continue
                job = Path(d) / f"{name}.sql"
                job.write_text(AVRO_JOB.format(registry=broker.registry_url) if tvf is None else JOB.format(name=name, tvf=tvf))
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t = time.monotonic()
                p = subprocess.run([BROOK_BIN, "sql", "run", str(job), "-b", broker.bootstrap],
                                   capture_output=True, text=True)
                wall = time.monotonic() - t
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                if p.returncode != 0:
                    sys.exit(p.stderr)
                summary = p.stderr.strip().splitlines()[-1]
                print(f"{name:8s} {args.events / wall:>10,.0f} events/s wall  {args.events / cpu:>10,.0f} events/CPU-s"
                      f"  ({wall:.2f} s, {cpu:.2f} CPU-s)  {summary}")
            if args.state_keys:
                state_size(broker, d, args.state_keys, args.keyed)
        finally:
            broker.close()


if __name__ == "__main__":
    main()
