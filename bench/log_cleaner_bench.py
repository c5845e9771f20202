#!/usr/bin/python3
"""Time and peak memory of compacting keyed data with the log cleaner, by hand (never a timed test):

    /usr/bin/python3 bench/log_cleaner_bench.py [--gb 1] [--keys 100000] [--value-bytes 1000]
                                                [--dedupe-mb 128] [--io-mbps 0]

Starts its own `build/brook serve --smp 1` (tests/integration/brookfixture.py) with the cleaner
off, fills one compacted partition (cleanup.policy=compact, segment.bytes 128 MiB) with
`--gb` of records over `--keys` keys (random values, no compression) through librdkafka, stops
the broker, starts it again with the cleaner on, resets the broker's VmHWM (clear_refs 5) and
measures
  time          from the start until the last pass that leaves nothing dirty below the active
                segment (the broker's `cleaner:` log lines), wall clock and the passes' own sum
  memory        the broker's VmHWM over the cleaning, and the cleaner's own accounting (offset
                map + the largest transient buffers of one batch, per pass; the max)
  size          bytes of .log files before and after
With `--dedupe-mb` below what the keys need (24 bytes/key at load 0.9) the work is done in
several passes; the line per pass shows it.
"""
import argparse
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
from brookfixture import Broker  # noqa: E402
from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "cleaner-bench"
PASS = re.compile(r"cleaner: (\S+): (\d+) segments -> (\d+), ([\d.]+) MB -> ([\d.]+) MB, (\d+) of (\d+) records kept, "
                  r"map (\d+) keys in ([\d.]+) MiB, peak ([\d.]+) MiB, ([\d.]+) s, dirty up to (\d+)")


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def log_bytes(d):
    return sum(f.stat().st_size for f in d.glob("*.log"))


def active_base(d):
    return max(int(f.stem) for f in d.glob("*.log"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--keys", type=int, default=100_000)
    ap.add_argument("--value-bytes", type=int, default=1000)
    ap.add_argument("--dedupe-mb", type=int, default=128)
    ap.add_argument("--io-mbps", type=float, default=0, help="log.cleaner.io.max.bytes.per.second in MB/s (0: unpaced)")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="brook-cleaner-bench-")
    sets = {"log.cleaner.enable": "false", "log.segment.bytes": str(128 << 20)}
    b = Broker(os.path.join(tmp, "data"), os.path.join(tmp, "logs"), smp=1, sets=sets)
    b.start()
    try:
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        admin.create_topics([NewTopic(TOPIC, 1, 1, config={
            "cleanup.policy": "compact", "segment.bytes": str(128 << 20), "min.cleanable.dirty.ratio": "0.01",
            "delete.retention.ms": "0"})])[TOPIC].result(15)
        p = Producer({"bootstrap.servers": b.bootstrap, "linger.ms": 20, "batch.size": 1 << 20,
                      "queue.buffering.max.kbytes": 1 << 20, "acks": 1})
        n = int(a.gb * 1e9 / (a.value_bytes + 20))
        value = os.urandom(a.value_bytes)
        t0 = time.monotonic()
        for i in range(n):
            # A distinct value per record (the key and a counter in front), same size.
            v = (b"%d:" % i) + value[: a.value_bytes - 12]
            while True:
                try:
                    p.produce(TOPIC, key=b"key-%d" % (i % a.keys), value=v)
                    break
                except BufferError:
                    p.poll(0.05)
        assert p.flush(300) == 0
        fill_s = time.monotonic() - t0
        d = b.topic_dir(TOPIC)
        before = log_bytes(d)
        print(f"filled {n} records over {a.keys} keys, {before / 1e9:.2f} GB in {fill_s:.1f} s")
        b.stop()

        b.sets.update({"log.cleaner.enable": "true", "log.cleaner.backoff.ms": "100",
                       "log.cleaner.dedupe.buffer.size": str(a.dedupe_mb << 20)})
        if a.io_mbps > 0:
            b.sets["log.cleaner.io.max.bytes.per.second"] = str(int(a.io_mbps * 1e6))
        t0 = time.monotonic()
        b.start()
        pid = b.proc.pid
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")  # VmHWM := current RSS
        rss_start = status_kb(pid, "VmRSS")
        end = active_base(d)
        passes = []
        while time.monotonic() - t0 < 3600:
            passes = [m.groups() for m in PASS.finditer(b.log_text())]
            # The pass logs its line before the owner shard swaps its output in.
            if passes and int(passes[-1][-1]) >= end and not (d / ".cleaned").exists() \
                    and not (d / ".swap").exists():
                break
            time.sleep(0.2)
        wall = time.monotonic() - t0
        hwm = status_kb(pid, "VmHWM")
        after = log_bytes(d)
        own = max(float(x[9]) for x in passes)
        print(f"passes: {len(passes)}")
        for x in passes:
            print(f"  {x[1]} segments -> {x[2]}, {x[3]} MB -> {x[4]} MB, {x[5]} of {x[6]} records kept, "
                  f"map {x[7]} keys / {x[8]} MiB, peak {x[9]} MiB, {x[10]} s")
        sealed = before - (d / f"{end:020d}.log").stat().st_size
        in_passes = sum(float(x[10]) for x in passes)
        print(f"cleaning: {wall:.1f} s wall from restart, {in_passes:.1f} s in passes, "
              f"{sealed / 1e6 / max(in_passes, 1e-9):.0f} MB/s of sealed log ({sealed / 1e6:.0f} MB; the active "
              f"segment is never cleaned)")
        print(f"memory: broker VmHWM {hwm / 1024:.0f} MiB (RSS at start {rss_start / 1024:.0f} MiB), "
              f"cleaner's own peak {own:.1f} MiB (budget {a.dedupe_mb} MiB)")
        print(f"size on disk: {before / 1e6:.0f} MB -> {after / 1e6:.1f} MB")
    finally:
        b.close()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
