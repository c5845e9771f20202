"""Restart on the same data dir (graceful SIGTERM), and torn-tail recovery after garbage.

- SIGTERM exits 0; topics, records and offsets survive; new produces continue the offsets.
- Garbage appended to the active segment while stopped: startup truncates it (and says so in
  the log), every acknowledged record is still served, the next produce continues offsets.
"""
import os

from clients import ck_consume, ck_produce_all, ck_producer, create_topic, wait_topic


def produce(bootstrap, topic, start, count, partitions=1):
    p = ck_producer(bootstrap)
    recs = [dict(key=f"k{i}".encode(), value=f"v{i}".encode(), partition=i % partitions)
            for i in range(start, start + count)]
    return ck_produce_all(p, topic, recs)


def consume_values(bootstrap, topic, partitions, count):
    msgs = ck_consume(bootstrap, topic, {p: 0 for p in range(partitions)}, count)
    return sorted((m.partition(), m.offset(), m.value().decode()) for m in msgs)


def test_sigterm_exit_0_and_data_intact(broker):
    create_topic(broker.bootstrap, "graceful", partitions=2)
    delivered = produce(broker.bootstrap, "graceful", 0, 500, partitions=2)
    assert broker.stop() == 0  # stop() also asserts rc 0
    broker.start()
    got = consume_values(broker.bootstrap, "graceful", 2, 500)
    want = sorted((p, o, f"v{i}") for i, (p, o) in enumerate(delivered))
    assert got == want


def test_restart_keeps_topics_and_continues_offsets(broker):
    create_topic(broker.bootstrap, "persist", partitions=3)
    create_topic(broker.bootstrap, "persist-empty", partitions=2)
    first = produce(broker.bootstrap, "persist", 0, 300, partitions=3)
    broker.restart()

    # topics (including the empty one) are back with their partition counts
    wait_topic(broker.bootstrap, "persist", 3, timeout=10)
    wait_topic(broker.bootstrap, "persist-empty", 2, timeout=10)

    second = produce(broker.bootstrap, "persist", 300, 300, partitions=3)
    for p in range(3):
        old = [o for (pp, o) in first if pp == p]
        new = [o for (pp, o) in second if pp == p]
        assert old == list(range(100)), f"partition {p} first run offsets"
        assert new == list(range(100, 200)), f"partition {p}: offsets restarted instead of continuing"

    got = consume_values(broker.bootstrap, "persist", 3, 600)
    want = sorted((p, o, f"v{i}") for i, (p, o) in enumerate(first + second))
    assert got == want

    # and a second restart (now with two "generations" of data) still serves everything
    broker.restart()
    assert consume_values(broker.bootstrap, "persist", 3, 600) == want


def test_garbage_tail_truncated_on_restart(broker):
    topic = "torn"
    create_topic(broker.bootstrap, topic, partitions=1)
    delivered = produce(broker.bootstrap, topic, 0, 200)
    broker.stop()

    seg = broker.topic_dir(topic, 0) / ("0" * 20 + ".log")
    assert seg.exists(), f"expected segment {seg}; dir has {os.listdir(seg.parent)}"
    size = seg.stat().st_size
    with open(seg, "ab") as f:
        # looks like the start of a batch header (base offset, length) followed by junk
        f.write(b"\x00" * 8 + b"\x00\x00\x01\x00" + os.urandom(300))

    broker.start()
    log = broker.log_text().lower()
    assert "truncat" in log, "recovery should log that it truncated the torn tail:\n" + log[-3000:]
    assert seg.stat().st_size <= size, "garbage tail should be cut back to the last valid batch"

    got = consume_values(broker.bootstrap, topic, 1, 200)
    assert got == sorted((0, o, f"v{i}") for i, (_, o) in enumerate(delivered))
    more = produce(broker.bootstrap, topic, 200, 10)
    assert [o for _, o in more] == list(range(200, 210))
    assert len(consume_values(broker.bootstrap, topic, 1, 210)) == 210


def cluster_id(bootstrap):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).cluster_id


def test_cluster_id_is_stored_once_and_stable(broker):
    first = cluster_id(broker.bootstrap)
    assert first and len(first) == 22
    meta = broker.data_dir / "_meta"
    assert (meta / "cluster_id").read_text() == first + "\n"
    assert sorted(p.name for p in meta.iterdir() if p.name.startswith("cluster_id")) == ["cluster_id"]
    broker.restart()
    assert cluster_id(broker.bootstrap) == first
    broker.restart(graceful=False)
    assert cluster_id(broker.bootstrap) == first


def test_cluster_id_that_cannot_be_stored_stops_the_start(broker_factory, tmp_path):
    """Serving an id that is not on disk would give clients another cluster id at each start."""
    from brookfixture import Broker, BrokerError
    import pytest
    b = Broker(tmp_path / "noid" / "data", tmp_path / "noid" / "logs", smp=1)
    # Neither readable nor replaceable (a directory is in its way): an earlier broker started
    # anyway, with a fresh id it could not store, so every start told clients another id.
    (b.data_dir / "_meta" / "cluster_id").mkdir(parents=True)
    try:
        with pytest.raises(BrokerError):
            b.start()
        assert "cluster id" in b.log_text()
    finally:
        b.close()
