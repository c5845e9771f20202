"""Idempotent produce over raw sockets: a resent batch (same producer id / epoch / sequence) is
stored once and the resend is answered with no error and the ORIGINAL offset."""
import time

from clients import create_topic
from rawkafka import (RawConn, build_batch, decode_batches, fetch_request, fetch_result,
                      init_producer_id, metadata_request, produce_request, produce_result)


def send(conn, topic, batch):
    return produce_result(conn.request(produce_request(topic, 0, batch, acks=-1)))


def values(conn, topic):
    err, hw, data = fetch_result(conn.request(fetch_request(topic, 0, 0)))
    assert err == 0
    return hw, [(off + i, r.value) for off, recs in decode_batches(data)
                for i, r in enumerate(recs)]


def test_duplicate_batch_stored_once(broker):
    topic = "idem"
    create_topic(broker.bootstrap, topic, partitions=1)
    with RawConn(broker.bootstrap) as c:
        # a non-idempotent record first so the idempotent batch does not start at offset 0
        assert send(c, topic, build_batch([(b"k", b"plain", [])])) == (0, 0)
        pid, epoch = init_producer_id(c)
        assert pid >= 0 and epoch >= 0
        b0 = build_batch([(b"k", b"a0", []), (b"k", b"a1", []), (b"k", b"a2", [])],
                         producer_id=pid, producer_epoch=epoch, base_sequence=0)
        assert send(c, topic, b0) == (0, 1)
        assert send(c, topic, b0) == (0, 1), "resent batch must get no error and the original offset"

    with RawConn(broker.bootstrap) as c2:  # a duplicate from a new connection too
        assert send(c2, topic, b0) == (0, 1)
        b1 = build_batch([(b"k", b"b0", []), (b"k", b"b1", [])],
                         producer_id=pid, producer_epoch=epoch, base_sequence=3)
        assert send(c2, topic, b1) == (0, 4)
        # an older batch (still within the last five) is a duplicate as well
        assert send(c2, topic, b0) == (0, 1)
        # a gap in the sequence is OUT_OF_ORDER_SEQUENCE_NUMBER (45)
        gap = build_batch([(b"k", b"gap", [])], producer_id=pid, producer_epoch=epoch,
                          base_sequence=10)
        err, _ = send(c2, topic, gap)
        assert err == 45, f"sequence gap: want OUT_OF_ORDER_SEQUENCE_NUMBER (45), got {err}"

        hw, vals = values(c2, topic)
        assert hw == 6
        assert vals == [(0, b"plain"), (1, b"a0"), (2, b"a1"), (3, b"a2"), (4, b"b0"), (5, b"b1")]


def test_duplicate_detected_after_restart(broker):
    topic = "idem-restart"
    create_topic(broker.bootstrap, topic, partitions=1)
    with RawConn(broker.bootstrap) as c:
        pid, epoch = init_producer_id(c)
        b0 = build_batch([(b"k", b"r0", [])], producer_id=pid, producer_epoch=epoch, base_sequence=0)
        assert send(c, topic, b0) == (0, 0)
    broker.restart()
    with RawConn(broker.bootstrap) as c:
        assert send(c, topic, b0) == (0, 0), "producer state must survive a restart"
        b1 = build_batch([(b"k", b"r1", [])], producer_id=pid, producer_epoch=epoch, base_sequence=1)
        assert send(c, topic, b1) == (0, 1)
        assert values(c, topic)[1] == [(0, b"r0"), (1, b"r1")]


def test_idle_producers_are_forgotten(broker_factory):
    """producer.id.expiration.ms: a partition drops the state of a producer idle that long (it
    used to grow with every producer instance); its next batch is then accepted at whatever
    sequence it carries, as Kafka does (KIP-360). An open transaction keeps its producer
    (checked in unit tests)."""
    b = broker_factory(sets={"producer.id.expiration.ms": 500, "log.retention.check.interval.ms": 100})
    with RawConn(b.bootstrap) as c:
        c.request(metadata_request(["expiring"]))
        pid, epoch = init_producer_id(c)
        batch = build_batch([(None, b"v", [])], producer_id=pid, producer_epoch=epoch, base_sequence=0)
        assert send(c, "expiring", batch)[0] == 0
        # while remembered, sequence 5 is out of order (next is 1)
        late = build_batch([(None, b"v", [])], producer_id=pid, producer_epoch=epoch, base_sequence=5)
        assert send(c, "expiring", late)[0] == 45
        time.sleep(1.5)
        # forgotten: the same sequence 5 is now accepted, and the window restarts from it
        assert send(c, "expiring", late) == (0, 1)
        assert send(c, "expiring", batch)[0] == 45  # sequence 0 after 5: out of order again


def test_idempotent_producer_goes_on_after_its_state_expired(broker_factory):
    """librdkafka's idempotent producer idle past producer.id.expiration.ms carries on where it
    was (its next sequence is accepted, as Kafka does since KIP-360): no fatal error, nothing lost
    or doubled. Before, OUT_OF_ORDER_SEQUENCE_NUMBER here was fatal to the producer."""
    from confluent_kafka import Consumer, Producer, TopicPartition

    b = broker_factory(sets={"producer.id.expiration.ms": 500, "log.retention.check.interval.ms": 100})
    errors = []
    p = Producer({"bootstrap.servers": b.bootstrap, "enable.idempotence": True, "linger.ms": 1,
                  "error_cb": lambda e: errors.append(e)})
    for i in range(10):
        p.produce("kip360", value=b"a%d" % i, on_delivery=lambda err, m: err and errors.append(err))
    assert p.flush(10) == 0
    time.sleep(1.5)
    for i in range(10):
        p.produce("kip360", value=b"b%d" % i, on_delivery=lambda err, m: err and errors.append(err))
    assert p.flush(20) == 0
    assert errors == []
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "kip360-reader", "enable.partition.eof": True})
    c.assign([TopicPartition("kip360", 0, 0)])
    got = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            break
        got.append(m.value())
    c.close()
    assert got == [b"a%d" % i for i in range(10)] + [b"b%d" % i for i in range(10)]
