"""Every codec from both Python clients, consumed back byte-identical by both clients.

confluent-kafka-python (librdkafka) and kafka-python each produce keyed records with headers
(binary keys/values, empty and repeated header keys); the records are then read with BOTH
clients and compared field by field, so a producer/consumer pair of different
implementations is always exercised.
"""
import random
import zlib

import pytest

from clients import ck_consume, ck_produce_all, ck_producer, create_topic, kp_consume, kp_producer

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
N = 300


def kp_has_codec(codec):
    import kafka.codec as c
    return {"none": True, "gzip": c.has_gzip(), "snappy": c.has_snappy(), "lz4": c.has_lz4(),
            "zstd": c.has_zstd()}[codec]


def make_records(seed):
    rnd = random.Random(seed)
    recs = []
    for i in range(N):
        key = f"key-{i % 17}".encode() + bytes([0, 255, i % 256])
        # compressible + random part, sizes vary from a few bytes to ~4 KiB
        value = (b"payload-%06d-" % i) * rnd.randint(0, 200) + rnd.randbytes(rnd.randint(1, 64))
        headers = [("seq", str(i).encode()), ("bin", bytes([i % 256, 0, 1])), ("empty", b"")]
        if i % 5 == 0:
            headers.append(("seq", b"dup-key"))  # repeated header key keeps order
        recs.append((key, value, headers))
    return recs


def norm_headers(h):
    return [(k, bytes(v) if v is not None else None) for k, v in (h or [])]


def produce_confluent(bootstrap, topic, codec, recs):
    p = ck_producer(bootstrap, **{"compression.type": codec, "batch.num.messages": 50})
    ck_produce_all(p, topic, [dict(key=k, value=v, headers=h, partition=0) for k, v, h in recs])


def produce_kafka_python(bootstrap, topic, codec, recs):
    p = kp_producer(bootstrap, compression_type=None if codec == "none" else codec,
                    batch_size=16384)
    try:
        futs = [p.send(topic, key=k, value=v, headers=h, partition=0) for k, v, h in recs]
        p.flush(timeout=30)
        offsets = [f.get(timeout=30).offset for f in futs]
    finally:
        p.close(timeout=5)
    assert offsets == list(range(len(recs)))


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("producer", ["confluent", "kafka-python"])
def test_codec_roundtrip(module_broker, producer, codec):
    if producer == "kafka-python" and not kp_has_codec(codec):
        pytest.skip(f"kafka-python here lacks the {codec} codec library")
    bootstrap = module_broker.bootstrap
    topic = f"codec-{producer}-{codec}"
    create_topic(bootstrap, topic, partitions=1)
    recs = make_records(zlib.crc32(topic.encode()))
    if producer == "confluent":
        produce_confluent(bootstrap, topic, codec, recs)
    else:
        produce_kafka_python(bootstrap, topic, codec, recs)

    ck = ck_consume(bootstrap, topic, {0: 0}, N)
    got_ck = [(m.offset(), m.key(), m.value(), norm_headers(m.headers())) for m in ck]
    kp = kp_consume(bootstrap, topic, {0: 0}, N)
    got_kp = [(m.offset, m.key, m.value, norm_headers(m.headers)) for m in kp]
    want = [(i, k, v, h) for i, (k, v, h) in enumerate(recs)]
    for name, got in (("confluent", got_ck), ("kafka-python", got_kp)):
        assert len(got) == N, name
        for w, g in zip(want, got):
            assert g == w, f"{name} consumer: record {w[0]} differs"
