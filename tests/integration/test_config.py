"""Broker properties given with --set reach the data path: segment roll, size retention, frame
and batch limits, num.partitions for auto-created topics, LogAppendTime; topic deletion."""
import os
import time

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from clients import ck_consume, ck_produce_all, ck_producer, create_topic, wait_topic
from rawkafka import RawConn, build_batch, metadata_request, produce_request, produce_result


def watermarks(bootstrap, topic, partition=0):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "itest-unused"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
    finally:
        c.close()


def segments(b, topic, partition=0):
    return sorted(f for f in os.listdir(b.topic_dir(topic, partition)) if f.endswith(".log"))


def test_segment_roll_and_size_retention(broker_factory):
    b = broker_factory(sets={"log.segment.bytes": 20000, "log.retention.bytes": 60000,
                             "log.retention.check.interval.ms": 200})
    create_topic(b.bootstrap, "ret", partitions=1)
    p = ck_producer(b.bootstrap, **{"linger.ms": 0, "batch.num.messages": 1})
    ck_produce_all(p, "ret", [dict(value=b"%05d" % i + b"x" * 1000, partition=0)
                              for i in range(300)])
    # Kafka semantics: delete the oldest segment while the log minus it still holds at least
    # retention.bytes, so ~60 kB retained in ~20 kB segments leaves 3-5 segments.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        segs = segments(b, "ret")
        if len(segs) <= 5:
            break
        time.sleep(0.2)
    low, high = watermarks(b.bootstrap, "ret")
    assert high == 300
    assert low > 0, "log.retention.bytes never deleted a segment"
    assert 3 <= len(segs) <= 5, f"expected 3-5 segments of ~20 kB after retention, got {segs}"
    assert segs[0] == "%020d.log" % low, f"log start {low} should be the first segment's base {segs}"
    # what is left is served, from the new log start, across segment boundaries
    msgs = ck_consume(b.bootstrap, "ret", {0: low}, 300 - low)
    assert [int(m.value()[:5]) for m in msgs] == list(range(low, 300))
    b.restart()
    assert watermarks(b.bootstrap, "ret") == (low, 300)


def test_message_and_request_limits_from_set(broker_factory):
    b = broker_factory(sets={"message.max.bytes": 5000, "socket.request.max.bytes": 50000})
    create_topic(b.bootstrap, "lim", partitions=1)
    with RawConn(b.bootstrap) as c:
        err, _ = produce_result(c.request(produce_request("lim", 0, build_batch(
            [(b"k", os.urandom(4000), [])]))))
        assert err == 0
        err, _ = produce_result(c.request(produce_request("lim", 0, build_batch(
            [(b"k", os.urandom(6000), [])]))))
        assert err == 10, f"batch over message.max.bytes=5000: want 10, got {err}"
    with RawConn(b.bootstrap) as c:
        _, payload = c.encode(produce_request("lim", 0, build_batch([(b"k", os.urandom(60000), [])])))
        c.send_frame(payload)
        assert c.wait_closed(5), "frame over socket.request.max.bytes=50000 must close"


def test_num_partitions_for_auto_created_topics(broker_factory):
    b = broker_factory(sets={"num.partitions": 4})
    with RawConn(b.bootstrap) as c:
        deadline = time.monotonic() + 10
        while True:
            (err, _, _, parts), = c.request(metadata_request(["auto4"])).topics
            if err == 0:
                break
            assert time.monotonic() < deadline, f"auto-create error {err}"
            time.sleep(0.1)
    assert len(parts) == 4


def test_log_append_time(broker_factory):
    b = broker_factory(sets={"log.message.timestamp.type": "LogAppendTime"})
    create_topic(b.bootstrap, "lat", partitions=1)
    t0 = int(time.time() * 1000)
    ck_produce_all(ck_producer(b.bootstrap), "lat",
                   [dict(value=b"v%d" % i, partition=0, timestamp=1000 + i) for i in range(5)])
    t1 = int(time.time() * 1000)
    for m in ck_consume(b.bootstrap, "lat", {0: 0}, 5):
        ts_type, ts = m.timestamp()
        assert ts_type == 2, "TIMESTAMP_LOG_APPEND_TIME"
        assert t0 - 5 <= ts <= t1 + 5, f"append time {ts} not in [{t0}, {t1}]"


def test_delete_topic_and_recreate(broker):
    create_topic(broker.bootstrap, "doomed", partitions=2)
    ck_produce_all(ck_producer(broker.bootstrap), "doomed",
                   [dict(value=b"old", partition=i % 2) for i in range(10)])
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.delete_topics(["doomed"], operation_timeout=10)["doomed"].result(timeout=15)
    deadline = time.monotonic() + 10
    while "doomed" in admin.list_topics(timeout=5).topics:
        assert time.monotonic() < deadline, "deleted topic still listed"
        time.sleep(0.1)
    broker.restart()
    assert "doomed" not in admin.list_topics(timeout=5).topics, "deleted topic back after restart"
    assert not (broker.data_dir / "doomed").exists() or not any(
        (broker.data_dir / "doomed").rglob("*.log")), "deleted topic's segments left on disk"
    create_topic(broker.bootstrap, "doomed", partitions=1)
    got = ck_produce_all(ck_producer(broker.bootstrap), "doomed", [dict(value=b"new", partition=0)])
    assert got == [(0, 0)], "a re-created topic starts empty"


@pytest.mark.parametrize("bad", [{"num.partitions": "zero"}, {"no.such.property": "1"}])
def test_bad_config_refuses_to_start(tmp_path, bad):
    from brookfixture import Broker, BrokerError
    b = Broker(tmp_path / "d", tmp_path / "l", sets=bad)
    try:
        with pytest.raises(BrokerError, match="exited"):
            b.start()
        assert b.log_text().strip(), "a refused config must say why"
    finally:
        b.close()
