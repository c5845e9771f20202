"""The high watermark is the durable offset (docs/architecture.md, Durability and visibility).

Consumers (read_uncommitted and read_committed) see only fdatasynced data, so they never read,
nor commit offsets of, acks=0/1 records that a power cut could still remove (after which their
offsets would be handed out again). The flusher syncs acks=0/1 data within
log.flush.interval.ms, so real clients still get everything promptly.
"""
import statistics
import threading
import time

from confluent_kafka import Consumer, TopicPartition

from clients import ck_consume, ck_produce_all, ck_producer, create_topic, kp_consume


def values(msgs):
    return [m.value() for m in msgs]


def test_acks1_records_reach_confluent_and_kafka_python_consumers(broker):
    create_topic(broker.bootstrap, "vis", partitions=2)
    p = ck_producer(broker.bootstrap, acks="1")
    recs = [dict(value=b"v%d" % i, partition=i % 2) for i in range(3000)]
    delivered = ck_produce_all(p, "vis", recs)
    t0 = time.monotonic()
    got = ck_consume(broker.bootstrap, "vis", {0: 0, 1: 0}, 3000, timeout=15)
    assert sorted((m.partition(), m.offset()) for m in got) == sorted(delivered)
    assert time.monotonic() - t0 < 10
    kp = kp_consume(broker.bootstrap, "vis", {0: 0, 1: 0}, 3000, timeout=15)
    assert len(kp) == 3000
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "vis-wm"})
    try:
        for part in (0, 1):
            low, high = c.get_watermark_offsets(TopicPartition("vis", part), timeout=10)
            assert (low, high) == (0, 1500)
    finally:
        c.close()


def test_unsynced_acks1_data_is_not_served_until_its_sync(broker_factory):
    # A long interval makes the window visible: the first request round runs at once, the next
    # one only an interval after it.
    broker = broker_factory(sets={"log.flush.interval.ms": "3000"}, smp=1)
    create_topic(broker.bootstrap, "window", partitions=1)
    p = ck_producer(broker.bootstrap, acks="1", **{"linger.ms": 0})
    ck_produce_all(p, "window", [dict(value=b"first")])
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "window", "enable.auto.commit": False,
                  "fetch.wait.max.ms": 100})
    try:
        tp = TopicPartition("window", 0)
        deadline = time.monotonic() + 5
        while c.get_watermark_offsets(tp, timeout=5)[1] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        ck_produce_all(p, "window", [dict(value=b"second")])
        acked = time.monotonic()
        # Acknowledged (acks=1) but not yet synced: neither ListOffsets nor Fetch shows it.
        assert c.get_watermark_offsets(tp, timeout=5) == (0, 1)
        c.assign([TopicPartition("window", 0, 0)])
        seen = []
        while time.monotonic() - acked < 1.5:
            for m in c.consume(num_messages=10, timeout=0.2):
                if not m.error():
                    seen.append((m.offset(), m.value(), time.monotonic() - acked))
        assert [(o, v) for o, v, _ in seen] == [(0, b"first")], seen
        # After the interval's sync it arrives.
        while len(seen) < 2 and time.monotonic() - acked < 8:
            for m in c.consume(num_messages=10, timeout=0.2):
                if not m.error():
                    seen.append((m.offset(), m.value(), time.monotonic() - acked))
        assert [(o, v) for o, v, _ in seen] == [(0, b"first"), (1, b"second")], seen
        assert seen[1][2] < 6
        assert c.get_watermark_offsets(tp, timeout=5) == (0, 2)
    finally:
        c.close()


def test_produce_to_consume_latency_with_acks1(broker):
    """End-to-end latency of single acks=1 records to a long-polling consumer (default interval)."""
    create_topic(broker.bootstrap, "e2e", partitions=1)
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "e2e", "fetch.wait.max.ms": 500,
                  "fetch.min.bytes": 1, "enable.auto.commit": False})
    c.assign([TopicPartition("e2e", 0, 0)])
    c.consume(num_messages=1, timeout=1)  # connected and polling
    p = ck_producer(broker.bootstrap, acks="1", **{"linger.ms": 0})
    lat = []
    try:
        for i in range(50):
            t0 = time.monotonic()
            p.produce("e2e", value=b"m%d" % i)
            p.poll(0)  # sent at once (linger 0); the consumer's long poll is woken by its sync
            got = None
            while got is None and time.monotonic() - t0 < 5:
                for m in c.consume(num_messages=1, timeout=0.05):
                    if not m.error():
                        got = m
            assert got is not None and got.value() == b"m%d" % i
            lat.append(time.monotonic() - t0)
        p.flush(5)
    finally:
        c.close()
    lat.sort()
    print(f"acks=1 produce->consume: p50 {statistics.median(lat) * 1000:.1f} ms, "
          f"p90 {lat[int(len(lat) * 0.9)] * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms over {len(lat)}")
    assert statistics.median(lat) < 0.2
