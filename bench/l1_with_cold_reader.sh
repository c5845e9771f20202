#!/bin/bash
# L1 while another consumer catches up on cold data: fills a 1 GB topic `cold`, then re-reads it
# from offset 0 in a loop, dropping its page cache (posix_fadvise DONTNEED) before every pass,
# while brook_bench runs L1 against the same broker. Measured by hand (docs/performance.md,
# "Cold catch-up reads off the shard thread"); not part of --all.
# usage: bench/l1_with_cold_reader.sh [BROOK_BIN]   (run from the repo root after `make bench`)
set -euo pipefail
BIN=${1:-build/brook}
BENCH=build/bench/brook_bench
D=$(mktemp -d /tmp/brook-cold.XXXX)
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$D"' EXIT
"$BIN" serve --data-dir "$D/data" --kafka-addr 127.0.0.1:19092 --smp 2 > "$D/broker.log" 2>&1 &
PID=$!
sleep 1
/usr/bin/python3 - 127.0.0.1:19092 "$D/data" 36 "$D/ready" > "$D/cold.out" 2>&1 <<'PY' &
import os, sys, time
from confluent_kafka import Consumer, Producer, TopicPartition
bs, data, secs, ready = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
n = 1_000_000  # 1 KB each
p = Producer({"bootstrap.servers": bs, "linger.ms": 20, "acks": 1, "batch.size": 1000000})
v = os.urandom(1000)
for _ in range(n):
    while True:
        try:
            p.produce("cold", v)
            break
        except BufferError:
            p.poll(0.05)
p.flush(60)
os.sync()
open(ready, "w").close()
t_end = time.monotonic() + secs
passes = total = 0
while time.monotonic() < t_end:
    d = os.path.join(data, "cold", "0")
    for name in os.listdir(d):
        if name.endswith(".log"):
            fd = os.open(os.path.join(d, name), os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
    c = Consumer({"bootstrap.servers": bs, "group.id": "cold", "enable.auto.commit": False})
    c.assign([TopicPartition("cold", 0, 0)])
    got = 0
    while got < n and time.monotonic() < t_end:
        got += len(c.consume(num_messages=10000, timeout=0.5))
    c.close()
    passes += 1
    total += got
print(f"catch-up reader: {passes} passes, {total} records", flush=True)
PY
CP=$!
while [ ! -f "$D/ready" ]; do sleep 0.5; kill -0 $CP 2>/dev/null || { cat "$D/cold.out"; exit 1; }; done
"$BENCH" --bootstrap 127.0.0.1:19092 --broker-pid $PID --workloads L1 | grep -v '^{'
wait $CP
cat "$D/cold.out"
