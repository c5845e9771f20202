"""Transactions with unmodified clients (confluent-kafka / librdkafka): commit and abort as
read_committed and read_uncommitted consumers see them, a read_committed consumer held at an
open transaction, fencing of a zombie producer, offsets committed inside a transaction
(send_offsets_to_transaction), the broker's transaction timeout, and bad input.
"""
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from clients import create_topic


def txn_producer(bootstrap, txn_id, **conf):
    c = {"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5}
    c.update(conf)
    return Producer(c)


def consumer(bootstrap, isolation, **conf):
    c = {"bootstrap.servers": bootstrap, "group.id": "reader-" + uuid.uuid4().hex[:8],
         "enable.auto.commit": False, "isolation.level": isolation,
         "fetch.wait.max.ms": 100}
    c.update(conf)
    return Consumer(c)


def read_all(bootstrap, topic, partitions, isolation, idle_s=1.5, timeout=30):
    """Every value readable from the start of each partition, until nothing new for idle_s."""
    c = consumer(bootstrap, isolation)
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    out = []
    deadline = time.monotonic() + timeout
    last_new = time.monotonic()
    try:
        while time.monotonic() < deadline and time.monotonic() - last_new < idle_s:
            m = c.poll(0.1)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                raise KafkaException(m.error())
            out.append((m.partition(), m.offset(), m.value().decode()))
            last_new = time.monotonic()
    finally:
        c.close()
    return out


def values(rows):
    return [v for _, _, v in rows]


def produce_txn(p, topic, vals, partition=None, commit=True):
    p.begin_transaction()
    for v in vals:
        if partition is None:
            p.produce(topic, value=v.encode(), key=v.encode())
        else:
            p.produce(topic, value=v.encode(), partition=partition)
    if commit:
        p.commit_transaction(30)
    else:
        p.flush(30)  # abort_transaction drops what is still queued: make the broker hold it first
        p.abort_transaction(30)


def test_committed_visible_aborted_never(broker):
    topic = "txn-basic"
    create_topic(broker.bootstrap, topic, partitions=3)
    p = txn_producer(broker.bootstrap, "t-basic")
    p.init_transactions(30)
    produce_txn(p, topic, [f"c1-{i}" for i in range(30)])
    produce_txn(p, topic, [f"a1-{i}" for i in range(30)], commit=False)
    produce_txn(p, topic, [f"c2-{i}" for i in range(30)])

    committed = read_all(broker.bootstrap, topic, 3, "read_committed")
    assert sorted(values(committed)) == sorted([f"c1-{i}" for i in range(30)] + [f"c2-{i}" for i in range(30)])
    uncommitted = read_all(broker.bootstrap, topic, 3, "read_uncommitted")
    assert len(uncommitted) == 90
    assert sorted(values(uncommitted)) == sorted(
        [f"{t}-{i}" for t in ("c1", "a1", "c2") for i in range(30)])
    # per partition, offsets ascend and skip the control batches (markers take an offset each)
    for part in range(3):
        offs = [o for pp, o, _ in uncommitted if pp == part]
        assert offs == sorted(offs)


def test_read_committed_waits_for_open_transaction(broker):
    topic = "txn-open"
    create_topic(broker.bootstrap, topic, partitions=1)
    p = txn_producer(broker.bootstrap, "t-open")
    p.init_transactions(30)
    p.begin_transaction()
    for i in range(5):
        p.produce(topic, value=f"open-{i}".encode(), partition=0)
    p.flush(10)
    plain = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True})
    for i in range(5):
        plain.produce(topic, value=f"after-{i}".encode(), partition=0)
    plain.flush(10)

    # read_uncommitted sees everything; read_committed nothing: the LSO is the open
    # transaction's first offset, and the plain records behind it wait too.
    assert len(read_all(broker.bootstrap, topic, 1, "read_uncommitted", idle_s=1.0)) == 10
    c = consumer(broker.bootstrap, "read_committed")
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        m = c.poll(0.1)
        if m is not None and not m.error():
            got.append(m.value().decode())
    assert got == []
    lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=5, cached=False)
    assert (lo, hi) == (0, 0)  # read_committed's "high watermark" is the LSO

    p.commit_transaction(30)
    end = time.monotonic() + 15
    while len(got) < 10 and time.monotonic() < end:
        m = c.poll(0.1)
        if m is not None and not m.error():
            got.append(m.value().decode())
    c.close()
    assert got == [f"open-{i}" for i in range(5)] + [f"after-{i}" for i in range(5)]


def test_zombie_is_fenced(broker):
    topic = "txn-fence"
    create_topic(broker.bootstrap, topic, partitions=1)
    old = txn_producer(broker.bootstrap, "t-fence")
    old.init_transactions(30)
    old.begin_transaction()
    old.produce(topic, value=b"zombie", partition=0)
    old.flush(10)

    new = txn_producer(broker.bootstrap, "t-fence")
    new.init_transactions(30)  # bumps the epoch; the old transaction is aborted
    produce_txn(new, topic, ["fresh"], partition=0)

    with pytest.raises(KafkaException) as e:
        old.produce(topic, value=b"zombie-2", partition=0)
        old.commit_transaction(10)
    err = e.value.args[0]
    assert err.fatal() or err.code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED,
                                         KafkaError.INVALID_PRODUCER_EPOCH), err
    assert values(read_all(broker.bootstrap, topic, 1, "read_committed")) == ["fresh"]


def group_committed(bootstrap, group, topic, partitions):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        tps = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
        return {tp.partition: tp.offset for tp in tps}
    finally:
        c.close()


def test_offsets_commit_with_the_transaction(broker):
    src, dst, group = "txn-src", "txn-dst", "txn-app"
    create_topic(broker.bootstrap, src, partitions=2)
    create_topic(broker.bootstrap, dst, partitions=2)
    plain = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True})
    for i in range(40):
        plain.produce(src, value=f"in-{i}".encode(), partition=i % 2)
    plain.flush(10)

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    c.subscribe([src])
    p = txn_producer(broker.bootstrap, "t-app")
    p.init_transactions(30)

    def consume(n):
        got = []
        end = time.monotonic() + 20
        while len(got) < n and time.monotonic() < end:
            m = c.poll(0.2)
            if m is not None and not m.error():
                got.append(m)
        assert len(got) == n
        return got

    # an aborted round: output invisible, offsets not committed
    batch = consume(20)
    p.begin_transaction()
    for m in batch:
        p.produce(dst, value=b"out-" + m.value(), partition=m.partition())
    p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
    p.abort_transaction(30)
    assert group_committed(broker.bootstrap, group, src, 2) == {0: -1001, 1: -1001}

    # rewind to what the group committed (nothing) and do it for real
    for tp in c.assignment():
        c.seek(TopicPartition(src, tp.partition, 0))
    batch = consume(40)
    p.begin_transaction()
    for m in batch:
        p.produce(dst, value=b"out-" + m.value(), partition=m.partition())
    p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
    p.commit_transaction(30)
    c.close()

    assert group_committed(broker.bootstrap, group, src, 2) == {0: 20, 1: 20}
    outs = values(read_all(broker.bootstrap, dst, 2, "read_committed"))
    assert sorted(outs) == sorted(f"out-in-{i}" for i in range(40))


def test_transaction_timeout_aborts_abandoned_transaction(broker):
    topic = "txn-timeout"
    create_topic(broker.bootstrap, topic, partitions=1)
    p = txn_producer(broker.bootstrap, "t-timeout", **{"transaction.timeout.ms": 2000})
    p.init_transactions(30)
    p.begin_transaction()
    p.produce(topic, value=b"abandoned", partition=0)
    p.flush(10)
    # Nothing more from the producer: the coordinator aborts after 2 s, which moves the LSO
    # past the transaction.
    c = consumer(broker.bootstrap, "read_committed")
    deadline = time.monotonic() + 15
    hi = 0
    while time.monotonic() < deadline:
        _, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=5, cached=False)
        if hi > 0:
            break
        time.sleep(0.2)
    c.close()
    assert hi == 2  # the data record and the abort marker
    assert read_all(broker.bootstrap, topic, 1, "read_committed", idle_s=1.0) == []
    assert values(read_all(broker.bootstrap, topic, 1, "read_uncommitted", idle_s=1.0)) == ["abandoned"]
    with pytest.raises(KafkaException):
        p.commit_transaction(10)  # the producer was fenced by the abort's epoch bump


def test_timeout_above_the_broker_maximum(broker_factory):
    b = broker_factory(sets={"transaction.max.timeout.ms": 10000})
    p = txn_producer(b.bootstrap, "t-too-long", **{"transaction.timeout.ms": 20000})
    with pytest.raises(KafkaException) as e:
        p.init_transactions(15)
    assert e.value.args[0].code() == KafkaError.INVALID_TRANSACTION_TIMEOUT


def test_restart_completes_acknowledged_commit_and_aborts_the_rest(broker_factory):
    b = broker_factory(sets={"transaction.max.timeout.ms": 60000})
    topic = "txn-restart"
    create_topic(b.bootstrap, topic, partitions=2)
    done = txn_producer(b.bootstrap, "t-done")
    done.init_transactions(30)
    produce_txn(done, topic, [f"done-{i}" for i in range(10)])
    hanging = txn_producer(b.bootstrap, "t-hang", **{"transaction.timeout.ms": 3000})
    hanging.init_transactions(30)
    hanging.begin_transaction()
    for i in range(10):
        hanging.produce(topic, value=f"hang-{i}".encode(), key=b"k")
    hanging.flush(10)

    b.restart(graceful=False)

    # the open transaction is aborted after its timeout; the acknowledged commit stays
    deadline = time.monotonic() + 20
    rows = []
    while time.monotonic() < deadline:
        rows = read_all(b.bootstrap, topic, 2, "read_committed", idle_s=0.5)
        c = consumer(b.bootstrap, "read_committed")
        lso = sum(c.get_watermark_offsets(TopicPartition(topic, p), timeout=5, cached=False)[1] for p in range(2))
        c.close()
        hwm_c = consumer(b.bootstrap, "read_uncommitted")
        hwm = sum(hwm_c.get_watermark_offsets(TopicPartition(topic, p), timeout=5, cached=False)[1] for p in range(2))
        hwm_c.close()
        if lso == hwm:
            break
        time.sleep(0.3)
    assert lso == hwm
    assert sorted(values(rows)) == sorted(f"done-{i}" for i in range(10))
