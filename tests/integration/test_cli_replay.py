"""`brook replay SOURCE --to TARGET` against a real broker, checked with confluent-kafka reading
TARGET read_committed: exactly once across kills, the range fixed at the first start, keys /
values / headers / timestamps kept, partition for partition or by key (murmur2), --rate, @time
bounds, the live group on SOURCE untouched, and the error paths."""
import json
import signal
import subprocess
import time
from collections import Counter

from confluent_kafka import Consumer, TopicPartition
from kafka.partitioner.default import murmur2

from brookfixture import BROOK_BIN
from clients import ck_produce_all, ck_producer, create_topic

from test_cli import brook, ok


def read_all(bootstrap, topic, expect=None, timeout=30):
    """Every record of topic, read read_committed until the end of each partition."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "replay-check", "enable.auto.commit": False,
                  "isolation.level": "read_committed", "enable.partition.eof": True})
    md = c.list_topics(topic, timeout=10).topics[topic]
    c.assign([TopicPartition(topic, p, 0) for p in md.partitions])
    out, eof = [], set()
    deadline = time.monotonic() + timeout
    while len(eof) < len(md.partitions) and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                eof.add(m.partition())
                continue
            raise AssertionError(m.error())
        eof.discard(m.partition())
        out.append(m)
    c.close()
    assert len(eof) == len(md.partitions), f"{topic}: not at the end after {timeout}s"
    return out


def replay(b, *args, timeout=120):
    return brook(b, "replay", *args, "--format", "json", timeout=timeout)


def summary(p):
    return json.loads(ok(p).splitlines()[-1])


def test_replay_killed_twice_ends_exact_and_live_group_untouched(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "rp-big", partitions=3)
    n = 100_000
    prod = ck_producer(b.bootstrap, **{"linger.ms": 20})
    ck_produce_all(prod, "rp-big", ({"key": b"k%d" % i, "value": b"v%d" % i,
                                    "headers": [("i", b"%d" % i)] if i % 10 == 0 else None} for i in range(n)))
    # The live application's group on SOURCE, with committed offsets that must not move.
    live = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "rp-live", "enable.auto.commit": False})
    live_offsets = [TopicPartition("rp-big", 0, 11), TopicPartition("rp-big", 1, 22), TopicPartition("rp-big", 2, 33)]
    live.commit(offsets=live_offsets, asynchronous=False)

    argv = [BROOK_BIN, "replay", "rp-big", "--to", "rp-big-copy", "--rate", "20000", "-b", b.bootstrap]
    copied = [0]
    for kill in range(2):
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(2.0)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if kill == 0:
            # Written after the first start: outside the fixed range, so never copied.
            ck_produce_all(prod, "rp-big", [{"key": b"late", "value": b"late"}] * 300)
        got = len(read_all(b.bootstrap, "rp-big-copy"))
        assert copied[-1] < got < n, (kill, copied, got)  # killed mid-way, with progress kept
        copied.append(got)
    s = summary(subprocess.run(argv + ["--format", "json"], capture_output=True, text=True, timeout=120))
    assert s["resumed"] is True
    assert s["records"] == n - copied[-1]

    out = read_all(b.bootstrap, "rp-big-copy")
    assert len(out) == n
    by_value = Counter(m.value() for m in out)
    assert len(by_value) == n and max(by_value.values()) == 1  # every source record once
    src = {m.value(): m for m in read_all(b.bootstrap, "rp-big") if m.value() != b"late"}
    for m in out:
        s_m = src[m.value()]
        assert (m.partition(), m.key(), m.headers(), m.timestamp()) == \
            (s_m.partition(), s_m.key(), s_m.headers(), s_m.timestamp())
    # Per-partition order is the source's.
    for p in range(3):
        assert [m.value() for m in out if m.partition() == p] == \
            [m.value() for m in sorted(src.values(), key=lambda m: m.offset()) if m.partition() == p]
    assert [(t.partition, t.offset) for t in live.committed(live_offsets, timeout=10)] == [(0, 11), (1, 22), (2, 33)]
    live.close()

    again = summary(replay(b, "rp-big", "--to", "rp-big-copy"))
    assert (again["resumed"], again["records"]) == (True, 0)  # finished: a rerun copies nothing


def test_replay_creates_target_keeps_headers_and_timestamps(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "rp-meta", partitions=2)
    recs = [{"key": None if i % 7 == 0 else b"k%d" % i, "value": None if i % 11 == 0 else b"v%d" % i,
             "headers": [("a", b"1"), ("a", None), ("b", b"%d" % i)], "partition": i % 2,
             "timestamp": 1_600_000_000_000 + i} for i in range(50)]
    ck_produce_all(ck_producer(b.bootstrap), "rp-meta", recs)
    p = replay(b, "rp-meta", "--to", "rp-meta-copy")
    assert "created topic rp-meta-copy with 2 partitions" in p.stderr
    assert summary(p)["records"] == 50
    out = read_all(b.bootstrap, "rp-meta-copy")
    got = sorted((m.partition(), m.timestamp()[1], m.key(), m.value(), m.headers()) for m in out)
    want = sorted((r["partition"], r["timestamp"], r["key"], r["value"], r["headers"]) for r in recs)
    assert got == want


def test_replay_by_key_when_partition_counts_differ(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "rp-keys", partitions=3)
    create_topic(b.bootstrap, "rp-keys-copy", partitions=5)
    ck_produce_all(ck_producer(b.bootstrap), "rp-keys", [{"key": b"key-%d" % i, "value": b"%d" % i} for i in range(300)])
    assert summary(replay(b, "rp-keys", "--to", "rp-keys-copy"))["records"] == 300
    out = read_all(b.bootstrap, "rp-keys-copy")
    assert len(out) == 300
    for m in out:  # Kafka's default partitioner: murmur2(key) & 0x7fffffff mod partitions
        assert m.partition() == (murmur2(m.key()) & 0x7FFFFFFF) % 5, m.key()
    assert len({m.partition() for m in out}) == 5


def test_replay_rate_limit_within_20_percent(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "rp-rate")
    ck_produce_all(ck_producer(b.bootstrap), "rp-rate", [{"value": b"x" * 100}] * 3000)
    s = summary(replay(b, "rp-rate", "--to", "rp-rate-copy", "--rate", "1000"))
    assert s["records"] == 3000
    assert 800 <= s["records_per_s"] <= 1200, s


def test_replay_time_and_offset_bounds(module_broker):
    b = module_broker
    create_topic(b.bootstrap, "rp-time")
    base = 1_700_000_000_000
    ck_produce_all(ck_producer(b.bootstrap), "rp-time",
                   [{"value": b"%d" % i, "timestamp": base + 1000 * i} for i in range(100)])
    # [10 s, 20 s) after base: records 10..19; the ISO form of base+30 s and an offset as --from.
    s = summary(replay(b, "rp-time", "--to", "rp-time-a", "--from", "@%d" % (base + 10_000), "--until", "@%d" % (base + 20_000)))
    assert s["records"] == 10
    assert [m.value() for m in read_all(b.bootstrap, "rp-time-a")] == [b"%d" % i for i in range(10, 20)]
    s = summary(replay(b, "rp-time", "--to", "rp-time-b", "--from", "95"))
    assert [m.value() for m in read_all(b.bootstrap, "rp-time-b")] == [b"%d" % i for i in range(95, 100)]
    s = summary(replay(b, "rp-time", "--to", "rp-time-c", "--from", "@2023-11-14T22:14:50Z"))  # base + 90 s
    assert [m.value() for m in read_all(b.bootstrap, "rp-time-c")] == [b"%d" % i for i in range(90, 100)]
    s = summary(replay(b, "rp-time", "--to", "rp-time-d", "--from", "@-1h"))  # all in 2023: nothing after
    assert s["records"] == 0
    # --until past the last record: to the end.
    s = summary(replay(b, "rp-time", "--to", "rp-time-e", "--from", "@%d" % (base + 98_000), "--until", "@-1m"))
    assert [m.value() for m in read_all(b.bootstrap, "rp-time-e")] == [b"98", b"99"]


def test_replay_error_paths(module_broker):
    b = module_broker
    p = brook(b, "replay", "rp-nope", "--to", "rp-nope-copy")
    assert p.returncode == 1 and "rp-nope" in p.stderr and "UNKNOWN_TOPIC" in p.stderr, p.stderr
    create_topic(b.bootstrap, "rp-err")
    for args, msg in [(["--to", "rp-err"], "another topic"),
                      (["--to", "x", "--from", "end"], "bad --from"),
                      (["--to", "x", "--from", "@yesterday"], "bad --from"),
                      (["--to", "x", "--until", "5"], "bad --until"),
                      (["--to", "x", "--until", "@2023-02-30"], "bad --until")]:
        p = brook(b, "replay", "rp-err", *args)
        assert p.returncode == 2 and msg in p.stderr, (args, p.stderr)
    p = subprocess.run([BROOK_BIN, "replay", "rp-err"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "--to" in p.stderr
    p = subprocess.run([BROOK_BIN, "replay", "rp-err", "--to", "x", "--rate", "0"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 2
    # A group that holds someone else's offsets is not taken over.
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "rp-foreign", "enable.auto.commit": False})
    ck_produce_all(ck_producer(b.bootstrap), "rp-err", [{"value": b"x"}])
    c.commit(offsets=[TopicPartition("rp-err", 0, 1)], asynchronous=False)
    c.close()
    p = brook(b, "replay", "rp-err", "--to", "rp-err-copy", "-g", "rp-foreign")
    assert p.returncode == 1 and "pick another --group" in p.stderr, p.stderr
