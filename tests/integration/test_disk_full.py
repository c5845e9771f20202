"""The disk-full policy (src/broker/free_space.h) on a small tmpfs data dir.

Below storage.min.free.bytes, Produce gets KAFKA_STORAGE_ERROR (retriable) with a message,
while Fetch, offset commits and topic deletes keep working; produce resumes by itself once a
delete frees space. With the threshold off, the disk really fills: each append that hits ENOSPC
is answered with an error and leaves the log as it was. Either way: no crash, every acknowledged
record is there, and no record that got an error is.
"""
import os
import subprocess
import time

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from brookfixture import Broker
from clients import create_topic
from rawkafka import ProduceRequest_v8, RawConn, build_batch

MiB = 1 << 20


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs")
    made = []

    def make(size_mib):
        d = tmp_path / f"disk{len(made)}"
        d.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", str(d)], check=True)
        made.append(d)
        return d

    yield make
    for d in made:
        subprocess.run(["umount", "-l", str(d)], capture_output=True)


def fill(bootstrap, topic, limit_bytes, value_size=16 * 1024, pause=0.0):
    """Produce (acks=all, no retries) until errors come back or `limit_bytes` were sent.
    Returns ({value: (partition, offset)} acknowledged, {value: error} refused)."""
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "retries": 0, "linger.ms": 5,
                  "enable.idempotence": False})
    acked, refused = {}, {}

    def on_delivery(err, msg):
        v = msg.value()[:16].decode()
        if err is None:
            acked[v] = (msg.partition(), msg.offset())
        else:
            refused[v] = err

    pad = b"x" * (value_size - 16)
    n = 0
    while n * value_size < limit_bytes and len(refused) < 20:
        p.produce(topic, f"{n:016d}".encode() + pad, on_delivery=on_delivery)
        n += 1
        p.poll(0)
        if n % 50 == 0:
            p.flush(10)
            time.sleep(pause)  # a producer slower than tmpfs, so the free-space timer sees it coming
    p.flush(30)
    return acked, refused


def read_values(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "reader", "enable.auto.commit": False,
                  "enable.partition.eof": True})
    try:
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        c.assign([TopicPartition(topic, 0, lo)])
        got = {}
        deadline = time.monotonic() + 30
        while hi > lo and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    break
                raise AssertionError(m.error())
            got[m.value()[:16].decode()] = m.offset()
        assert len(got) == hi - lo, f"read {len(got)} of {hi - lo} records"
        return got
    finally:
        c.close()


def check_log(bootstrap, topic, acked, refused):
    got = read_values(bootstrap, topic)
    lost = [v for v, (_, o) in acked.items() if got.get(v) != o]
    present = [v for v in refused if v in got]
    print(f"disk full: {len(acked)} acknowledged (lost {len(lost)}), {len(refused)} refused "
          f"(present {len(present)}), {len(got)} in the log")
    assert not lost, f"{len(lost)} acknowledged records lost or moved, e.g. {lost[:3]}"
    assert not present, f"records that got an error are in the log: {present[:3]}"
    assert sorted(got.values()) == list(range(min(got.values(), default=0), min(got.values(), default=0) + len(got)))


def wait_produce_ok(bootstrap, topic, timeout=20):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        acked, refused = fill(bootstrap, topic, 4 * 16 * 1024)
        if acked and not refused:
            return
        last = refused
        time.sleep(0.2)
    raise AssertionError(f"produce did not resume: {list(last.values())[:2] if last else last}")


def test_below_threshold_produce_is_refused_fetch_commit_delete_work(small_disk, tmp_path):
    disk = small_disk(48)
    b = Broker(disk / "data", tmp_path / "logs", smp=2,
               sets={"storage.min.free.bytes": 24 * MiB, "storage.free.space.check.interval.ms": 50,
                     "log.segment.bytes": 2 * MiB, "schema.registry.enable": "false"})
    b.start()
    try:
        create_topic(b.bootstrap, "fill")
        create_topic(b.bootstrap, "other")
        acked, refused = fill(b.bootstrap, "fill", 64 * MiB, pause=0.01)
        assert acked and refused, "the threshold should have been reached"
        assert {e.code() for e in refused.values()} == {KafkaError.KAFKA_STORAGE_ERROR}, refused
        assert "below storage.min.free.bytes" in b.log_text()

        # Produce v8 carries the reason.
        with RawConn(b.bootstrap) as conn:
            resp = conn.request(ProduceRequest_v8(transactional_id=None, required_acks=-1, timeout=5000,
                                                  topics=[("other", [(0, build_batch([(None, b"v", [])]))])]))
            (_, parts), = resp.topics
            part = parts[0]
            assert part[1] == 56, part  # KAFKA_STORAGE_ERROR
            assert part[6].startswith("no disk space: ") and "storage.min.free.bytes" in part[6], part[6]

        # Fetch and group commits keep working.
        check_log(b.bootstrap, "fill", acked, refused)
        c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "while-full", "enable.auto.commit": False})
        done = c.commit(offsets=[TopicPartition("fill", 0, 5)], asynchronous=False)
        assert done[0].error is None
        assert c.committed([TopicPartition("fill", 0)], timeout=10)[0].offset == 5
        c.close()
        assert b.alive()

        # A delete frees the space; produce resumes without a restart.
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        admin.delete_topics(["fill"])["fill"].result(timeout=15)
        wait_produce_ok(b.bootstrap, "other")
        assert "accepting Produce" in b.log_text()
    finally:
        b.close()


def test_enospc_fails_the_append_and_leaves_the_log_as_it_was(small_disk, tmp_path):
    disk = small_disk(24)
    b = Broker(disk / "data", tmp_path / "logs", smp=1,
               sets={"storage.min.free.bytes": 0, "log.segment.bytes": 2 * MiB,
                     "schema.registry.enable": "false"})
    b.start()
    try:
        create_topic(b.bootstrap, "fill")
        create_topic(b.bootstrap, "other")
        acked, refused = fill(b.bootstrap, "fill", 64 * MiB)
        assert acked and refused, "the disk should have filled"
        assert b.alive(), "the broker must not crash on ENOSPC:\n" + b.log_text()[-3000:]
        assert all(e.code() == KafkaError.KAFKA_STORAGE_ERROR for e in refused.values()), refused
        check_log(b.bootstrap, "fill", acked, refused)
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        admin.delete_topics(["fill"])["fill"].result(timeout=15)
        wait_produce_ok(b.bootstrap, "other")
        # ...and what is there survives a restart.
        b.restart()
        assert read_values(b.bootstrap, "other")
    finally:
        b.close()
