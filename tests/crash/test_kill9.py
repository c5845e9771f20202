"""kill -9 during a steady idempotent acks=all stream; restart; every acknowledged record is
present exactly once and in order.

The producer subprocess (crash_producer.py) logs each successful delivery report with a flush,
so its file is the set of records the broker acknowledged. After the broker is killed and
restarted (twice), the log must contain every acknowledged record at the acknowledged
(partition, offset), no value twice, and per partition the sequence numbers strictly
increasing (records that were written but never acknowledged may be present; duplicates
from producer retries may not).
"""
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

HERE = os.path.dirname(os.path.abspath(__file__))
TOPIC = "crash"
PARTITIONS = 3


def read_report(path):
    ok, other = [], []
    if not os.path.exists(path):
        return ok, other
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4 and parts[0] == "OK" and line.endswith("\n"):
                ok.append((int(parts[1]), int(parts[2]), parts[3]))
            elif line.strip():
                other.append(line.strip())
    return ok, other


def wait_acks(path, at_least, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ok, other = read_report(path)
        if len(ok) >= at_least:
            return len(ok)
        assert proc.poll() is None, f"producer exited early: {other[-5:]}"
        fatal = [o for o in other if o.startswith("FATAL")]
        assert not fatal, f"producer hit a fatal error: {fatal[:3]}"
        time.sleep(0.1)
    ok, other = read_report(path)
    raise AssertionError(f"only {len(ok)} acks (want {at_least}) in {timeout}s; last: {other[-5:]}")


def consume_all(bootstrap, timeout=60):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "itest-unused",
                  "enable.auto.commit": False, "enable.partition.eof": False,
                  "fetch.wait.max.ms": 100})
    try:
        ends = {p: c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)[1]
                for p in range(PARTITIONS)}
        c.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
        got = defaultdict(list)
        total = sum(ends.values())
        n = 0
        deadline = time.monotonic() + timeout
        while n < total and time.monotonic() < deadline:
            for m in c.consume(num_messages=10000, timeout=0.5):
                assert not m.error(), m.error()
                got[m.partition()].append((m.offset(), m.value().decode()))
                n += 1
        assert n == total, f"consumed {n} of {total} (ends {ends})"
        return got, ends
    finally:
        c.close()


@pytest.mark.crash
@pytest.mark.slow
@pytest.mark.parametrize("how", ["kill9", "sigterm"])
def test_kill9_mid_stream_keeps_every_ack(crash_broker, tmp_path, how):
    """how=kill9: SIGKILL; how=sigterm: graceful stop under load (must exit 0 promptly)."""
    b = crash_broker
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(timeout=15)
    report = str(tmp_path / "acks.txt")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "crash_producer.py"),
                             b.bootstrap, TOPIC, str(PARTITIONS), report],
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "producer.err", "wb"))
    try:
        acked = wait_acks(report, 3000, proc, timeout=60)
        for cycle in range(3):
            if how == "kill9":
                b.kill9()
            else:
                b.stop(timeout=15)  # asserts exit code 0
            time.sleep(0.2 + 0.2 * cycle)  # the producer notices, queues and retries
            b.start()
            acked = wait_acks(report, acked + 2000, proc, timeout=60)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    ok, other = read_report(report)
    assert not [o for o in other if o.startswith("FATAL")], other[:5]
    got, ends = consume_all(b.bootstrap)

    # 1. every acknowledged record is at its acknowledged offset
    by_pos = {p: dict(recs) for p, recs in got.items()}
    missing = [(p, o, v) for p, o, v in ok if by_pos.get(p, {}).get(o) != v]
    assert not missing, (f"{len(missing)} of {len(ok)} acknowledged records missing/moved, e.g. "
                         f"{[(m, by_pos.get(m[0], {}).get(m[1])) for m in missing[:5]]}")
    # 2. no record twice, and 3. per partition strictly in production order
    all_values = [v for recs in got.values() for _, v in recs]
    assert len(all_values) == len(set(all_values)), "duplicate records in the log"
    for p, recs in got.items():
        seqs = [int(v[4:]) for _, v in recs]
        assert all(s % PARTITIONS == p for s in seqs), f"partition {p} holds foreign records"
        assert seqs == sorted(seqs), f"partition {p}: out of order"
        assert [o for o, _ in recs] == list(range(len(recs))), f"partition {p}: offset gaps"
    assert len(ok) >= 9000
    if b.sets.get("log.segment.bytes"):
        segs = list((b.data_dir / TOPIC).rglob("*.log"))
        assert len(segs) > PARTITIONS, "small segments should have rolled"
