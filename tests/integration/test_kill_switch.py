"""The produce kill switch, applied live: per topic (topic config brook.produce.enabled=false) and
per client id (broker config brook.produce.blocked.client.ids). Producers get
POLICY_VIOLATION, which librdkafka fails at once as permanent (no retry until message.timeout.ms)
without making an idempotent producer fatal; consumers keep reading; lifting the switch lets the
same producer instance resume at once. Produce v8+ carries a message naming the switch."""
import struct
import time

from confluent_kafka import Consumer, KafkaError, Producer

from clients import create_topic
import configs_raw as cr
from rawkafka import RawConn, build_batch, produce_request

POLICY_VIOLATION = 44


def produce_one(p, topic, value):
    """(error or None, seconds until the delivery report)."""
    out = []
    t0 = time.monotonic()
    p.produce(topic, value=value, on_delivery=lambda e, m: out.append(e))
    p.flush(30)
    assert len(out) == 1
    return out[0], time.monotonic() - t0


def set_topic(c, topic, op, key, value=None):
    (err, msg, _, _), = cr.incremental_alter(c, [(cr.TOPIC, topic, [(key, op, value)])])
    assert err == 0, msg


def set_broker(c, op, key, value=None):
    (err, msg, _, _), = cr.incremental_alter(c, [(cr.BROKER, "0", [(key, op, value)])])
    assert err == 0, msg


def raw_produce_v8(conn, topic):
    """(error_code, error_message) of a one-record Produce v8 (decoded by hand: kafka-python's v8
    response schema puts error_message outside the partition)."""
    corr, payload = conn.encode(produce_request(topic, 0, build_batch([(None, b"raw", [])]), version=8))
    conn.send_frame(payload)
    frame = conn.recv_frame()
    pos = 4  # correlation id
    (ntopics,) = struct.unpack_from(">i", frame, pos)
    pos += 4
    assert ntopics == 1
    (tlen,) = struct.unpack_from(">h", frame, pos)
    pos += 2 + tlen + 4  # name, partitions count (1)
    _, err, _, _, _, nrec = struct.unpack_from(">ihqqqi", frame, pos)
    pos += 4 + 2 + 8 + 8 + 8 + 4
    assert nrec == 0
    (mlen,) = struct.unpack_from(">h", frame, pos)
    msg = None if mlen < 0 else frame[pos + 2:pos + 2 + mlen].decode()
    return err, msg


def consume_all(bootstrap, topic, n):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"ks-reader-{time.time()}", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe([topic])
    got = []
    deadline = time.monotonic() + 20
    while len(got) < n and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got.append(m.value())
    c.close()
    return got


def test_topic_kill_switch_stops_and_resumes_producers(broker):
    bs = broker.bootstrap
    create_topic(bs, "ks-topic")
    fatal = []
    plain = Producer({"bootstrap.servers": bs, "linger.ms": 0, "message.timeout.ms": 30000})
    idem = Producer({"bootstrap.servers": bs, "linger.ms": 0, "message.timeout.ms": 30000, "enable.idempotence": True,
                     "error_cb": lambda e: fatal.append(e) if e.fatal() else None})
    for p in (plain, idem):
        assert produce_one(p, "ks-topic", b"before")[0] is None

    with RawConn(bs) as c:
        set_topic(c, "ks-topic", cr.SET, "brook.produce.enabled", "false")
        for p in (plain, idem):
            err, took = produce_one(p, "ks-topic", b"blocked")
            # Permanent: reported at once, not after message.timeout.ms of retries.
            assert err is not None and err.code() == KafkaError.POLICY_VIOLATION and not err.retriable()
            assert took < 5, took
        err, msg = raw_produce_v8(c, "ks-topic")
        assert err == POLICY_VIOLATION
        assert msg == "produce to topic 'ks-topic' is disabled by its kill switch (topic config brook.produce.enabled=false)"
        # Consumers keep reading what was written before.
        assert consume_all(bs, "ks-topic", 2) == [b"before", b"before"]

        set_topic(c, "ks-topic", cr.DELETE, "brook.produce.enabled")
    # The same producer instances resume (the idempotent one never went fatal).
    for p in (plain, idem):
        assert produce_one(p, "ks-topic", b"after")[0] is None
    assert not fatal, fatal
    assert consume_all(bs, "ks-topic", 4) == [b"before", b"before", b"after", b"after"]


def test_client_id_kill_switch(broker):
    bs = broker.bootstrap
    create_topic(bs, "ks-client")
    bad = Producer({"bootstrap.servers": bs, "client.id": "runaway-app", "linger.ms": 0, "message.timeout.ms": 30000,
                    "enable.idempotence": True})
    good = Producer({"bootstrap.servers": bs, "client.id": "good-app", "linger.ms": 0})
    assert produce_one(bad, "ks-client", b"1")[0] is None
    with RawConn(bs, client_id="runaway-app") as c:
        set_broker(c, cr.APPEND, "brook.produce.blocked.client.ids", "runaway-app")
        err, took = produce_one(bad, "ks-client", b"2")
        assert err.code() == KafkaError.POLICY_VIOLATION and took < 5
        assert produce_one(good, "ks-client", b"3")[0] is None
        # A blocked client does not auto-create topics either.
        err, msg = raw_produce_v8(c, "ks-client")
        assert err == POLICY_VIOLATION
        assert msg == ("produce from client id 'runaway-app' is blocked by the kill switch "
                       "(broker config brook.produce.blocked.client.ids)")
        set_broker(c, cr.SUBTRACT, "brook.produce.blocked.client.ids", "runaway-app")
    assert produce_one(bad, "ks-client", b"4")[0] is None
    assert consume_all(bs, "ks-client", 3) == [b"1", b"3", b"4"]


def test_client_kill_switch_survives_restart(broker_factory):
    b = broker_factory()
    create_topic(b.bootstrap, "ks-restart")
    with RawConn(b.bootstrap) as c:
        set_broker(c, cr.SET, "brook.produce.blocked.client.ids", "x-app, y-app")
    b.restart()
    with RawConn(b.bootstrap, client_id="y-app") as c:
        assert raw_produce_v8(c, "ks-restart")[0] == POLICY_VIOLATION
    with RawConn(b.bootstrap, client_id="z-app") as c:
        assert raw_produce_v8(c, "ks-restart")[0] == 0
