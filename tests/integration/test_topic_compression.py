"""Topic config compression.type, as Kafka applies it: "producer" stores batches as they came;
a codec name (or "uncompressed") re-encodes every batch compressed otherwise on produce. The
stored codec is read from raw Fetch responses; the records are read back by confluent-kafka
(librdkafka) and kafka-python, and a transactional producer's batches keep their flags.
"""
import struct

from confluent_kafka import Producer

from clients import ck_alter, ck_produce_all, ck_read_to_end, create_topic, kp_consume, kp_producer
from test_cli import brook, ok
from rawkafka import RawConn, fetch_request, fetch_result

CODECS = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}


def stored_codecs(bootstrap, topic):
    """The codec of every batch of partition 0, in log order, from raw Fetch v4 responses."""
    out, offset = [], 0
    with RawConn(bootstrap) as c:
        while True:
            err, hw, data = fetch_result(c.request(fetch_request(topic, 0, offset, max_bytes=8 << 20)))
            assert err == 0, err
            pos = 0
            while pos + 61 <= len(data):
                base, length = struct.unpack(">qi", data[pos:pos + 12])
                (attributes,) = struct.unpack(">h", data[pos + 21:pos + 23])
                (last_delta,) = struct.unpack(">i", data[pos + 23:pos + 27])
                out.append(CODECS[attributes & 7])
                offset = base + last_delta + 1
                pos += 12 + length
            if offset >= hw:
                return out


def records(n, tag):
    return [{"key": b"k%d" % (i % 10), "value": (b"%s-%06d-" % (tag, i)) + b"abc" * 100,
             "headers": [("h", b"%d" % i)]} for i in range(n)]


def produce(bootstrap, topic, recs, codec, **conf):
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 20,
                  "compression.type": codec, **conf})
    ck_produce_all(p, topic, recs)


def read_back(bootstrap, topic):
    return [(m.key(), m.value(), m.headers()) for m in ck_read_to_end(bootstrap, topic, 1)]


def expected(recs):
    return [(r["key"], r["value"], r["headers"]) for r in recs]


def test_a_codec_re_encodes_batches_and_producer_keeps_them(broker):
    bs = broker.bootstrap
    create_topic(bs, "cmp-zstd", 1, {"compression.type": "zstd"})
    create_topic(bs, "cmp-none", 1, {"compression.type": "uncompressed"})
    create_topic(bs, "cmp-producer", 1, {"compression.type": "producer"})
    sent = {}
    for topic in ("cmp-zstd", "cmp-none", "cmp-producer"):
        sent[topic] = []
        for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
            recs = records(100, f"{topic}-{codec}".encode())
            produce(bs, topic, recs, codec)
            sent[topic] += recs

    assert set(stored_codecs(bs, "cmp-zstd")) == {"zstd"}
    assert set(stored_codecs(bs, "cmp-none")) == {"none"}
    assert set(stored_codecs(bs, "cmp-producer")) == {"none", "gzip", "snappy", "lz4", "zstd"}
    for topic, recs in sent.items():
        assert read_back(bs, topic) == expected(recs), topic
        got = kp_consume(bs, topic, {0: 0}, len(recs))
        assert [(m.key, m.value) for m in got] == [(r["key"], r["value"]) for r in recs], topic
    # Re-encoding changed what is on disk: the repetitive values shrink under zstd.
    assert broker_bytes(broker, "cmp-zstd") * 5 < broker_bytes(broker, "cmp-none")


def broker_bytes(broker, topic):
    return sum(f.stat().st_size for f in broker.topic_dir(topic).glob("*.log"))


def test_compression_type_applies_from_the_next_produce(broker):
    bs = broker.bootstrap
    create_topic(bs, "cmp-live", 1)
    first = records(50, b"a")
    produce(bs, "cmp-live", first, "none")
    assert ck_alter(bs, "topic", "cmp-live", {"compression.type": "gzip"}) is None
    second = records(50, b"b")
    produce(bs, "cmp-live", second, "lz4")
    codecs = stored_codecs(bs, "cmp-live")
    assert codecs[0] == "none" and codecs[-1] == "gzip" and set(codecs) == {"none", "gzip"}, codecs
    assert read_back(bs, "cmp-live") == expected(first + second)


def test_transactional_and_idempotent_batches_keep_their_flags(broker):
    bs = broker.bootstrap
    create_topic(bs, "cmp-txn", 1, {"compression.type": "lz4"})
    p = Producer({"bootstrap.servers": bs, "transactional.id": "cmp-txn-1", "linger.ms": 20})
    p.init_transactions(15)
    committed, aborted = records(60, b"c"), records(40, b"x")
    for recs, commit in ((committed, True), (aborted, False)):
        p.begin_transaction()
        for r in recs:
            p.produce("cmp-txn", **r)
        p.flush(15)
        (p.commit_transaction if commit else p.abort_transaction)(15)
    got = [(m.key(), m.value(), m.headers()) for m in ck_read_to_end(bs, "cmp-txn", 1, isolation="read_committed")]
    assert got == expected(committed)
    # An idempotent producer's sequences and kafka-python's batches go through the re-encoding too.
    idempotent = records(30, b"i")
    produce(bs, "cmp-txn", idempotent, "snappy", **{"enable.idempotence": True})
    plain = records(30, b"k")
    kp = kp_producer(bs, compression_type="gzip")
    try:
        for r in plain:
            kp.send("cmp-txn", key=r["key"], value=r["value"], headers=[("h", r["headers"][0][1])]).get(timeout=20)
    finally:
        kp.close(timeout=10)
    got = [(m.key(), m.value(), m.headers()) for m in ck_read_to_end(bs, "cmp-txn", 1, isolation="read_committed")]
    assert got == expected(committed + idempotent + plain)
    assert set(stored_codecs(bs, "cmp-txn")) == {"lz4", "none"}  # "none": the transaction markers


def test_librdkafka_clients_compress_every_codec(broker):
    """librdkafka 2.0.2 compresses gzip, snappy and lz4 only if the broker advertises Produce v0
    (librdkafka#4956): `brook produce -z` and confluent-kafka batches are stored as asked."""
    bs = broker.bootstrap
    create_topic(bs, "cmp-cli", 1)
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        ok(brook(broker, "produce", "cmp-cli", "-z", codec, input_text="".join(f"{codec}-{i}-" + "x" * 200 + "\n" for i in range(20))))
    assert stored_codecs(bs, "cmp-cli") == ["gzip", "snappy", "lz4", "zstd"]
