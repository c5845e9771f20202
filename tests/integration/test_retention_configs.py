"""Retention changed on a live topic (AlterConfigs) deletes old segments at the next retention
check, by bytes and by time; a consumer group positioned below the new log start resets per its
auto.offset.reset (confluent-kafka: earliest -> the new log start, latest -> the end)."""
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource

from clients import create_topic


def alter(bs, topic, configs):
    admin = AdminClient({"bootstrap.servers": bs})
    res = ConfigResource("topic", topic, set_config=configs)
    admin.alter_configs([res], request_timeout=10)[res].result(timeout=15)


def produce(bs, topic, n, timestamp=None, size=100):
    p = Producer({"bootstrap.servers": bs, "linger.ms": 0, "acks": "all", "batch.num.messages": 1})
    errs = []
    for i in range(n):
        kw = {"timestamp": timestamp} if timestamp else {}
        p.produce(topic, value=(b"%06d" % i) * (size // 6), on_delivery=lambda e, m: errs.append(e), **kw)
        p.poll(0)
    p.flush(30)
    assert errs == [None] * n


def watermarks(bs, topic):
    c = Consumer({"bootstrap.servers": bs, "group.id": "wm-probe"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10, cached=False)
    finally:
        c.close()


def wait_log_start_above(bs, topic, offset, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        low, high = watermarks(bs, topic)
        if low > offset:
            return low, high
        time.sleep(0.1)
    raise AssertionError(f"log start of {topic} stayed at {low} (want > {offset})")


def commit(bs, group, topic, offset):
    c = Consumer({"bootstrap.servers": bs, "group.id": group, "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition(topic, 0, offset)], asynchronous=False)
    c.close()


def first_offset(bs, group, topic, reset, timeout=15):
    c = Consumer({"bootstrap.servers": bs, "group.id": group, "auto.offset.reset": reset, "enable.auto.commit": False})
    c.subscribe([topic])
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                return m.offset()
        return None
    finally:
        c.close()


def segment_count(broker, topic):
    return len(list(broker.topic_dir(topic).glob("*.log")))


def test_retention_bytes_live_and_offset_reset(broker_factory):
    b = broker_factory(sets={"log.retention.check.interval.ms": "200"})
    bs = b.bootstrap
    create_topic(bs, "ret-bytes", config={"segment.bytes": "2048"})
    produce(bs, "ret-bytes", 100)
    before = segment_count(b, "ret-bytes")
    assert before >= 5 and watermarks(bs, "ret-bytes") == (0, 100)
    commit(bs, "g-earliest", "ret-bytes", 3)
    commit(bs, "g-latest", "ret-bytes", 3)

    alter(bs, "ret-bytes", {"segment.bytes": "2048", "retention.bytes": "4096"})
    low, high = wait_log_start_above(bs, "ret-bytes", 3)
    assert high == 100 and low >= 50
    assert segment_count(b, "ret-bytes") < before

    # Committed offset 3 is below the log start now: each group resets as it asks.
    assert first_offset(bs, "g-earliest", "ret-bytes", "earliest") == low
    # latest: none of the retained records (low..99) is delivered, only what arrives later. One
    # new record a second until the consumer sees one, so the test does not race the reset.
    c = Consumer({"bootstrap.servers": bs, "group.id": "g-latest", "auto.offset.reset": "latest", "enable.auto.commit": False})
    c.subscribe(["ret-bytes"])
    got = None
    deadline = time.monotonic() + 20
    next_send = time.monotonic() + 1
    while time.monotonic() < deadline and got is None:
        m = c.poll(0.2)
        if m is not None and not m.error():
            got = m.offset()
        if time.monotonic() >= next_send:
            produce(bs, "ret-bytes", 1)
            next_send += 1
    c.close()
    assert got is not None and got >= 100


def test_retention_ms_live(broker_factory):
    b = broker_factory(sets={"log.retention.check.interval.ms": "200"})
    bs = b.bootstrap
    create_topic(bs, "ret-time", config={"segment.bytes": "2048"})
    hour_ago = int(time.time() * 1000) - 3600 * 1000
    produce(bs, "ret-time", 60, timestamp=hour_ago)
    produce(bs, "ret-time", 5)
    assert watermarks(bs, "ret-time")[0] == 0
    time.sleep(0.5)
    assert watermarks(bs, "ret-time")[0] == 0  # the default (7 days) keeps everything
    alter(bs, "ret-time", {"segment.bytes": "2048", "retention.ms": "600000"})
    low, high = wait_log_start_above(bs, "ret-time", 0)
    # Every segment of hour-old records goes; the recent ones stay readable.
    assert high == 65 and 40 <= low <= 60
    assert first_offset(bs, "ret-time-reader", "ret-time", "earliest") == low
