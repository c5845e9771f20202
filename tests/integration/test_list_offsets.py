"""ListOffsets: earliest / latest / by timestamp, through both Python clients.

Records carry explicit CreateTime timestamps BASE + 1000*i, produced as two batches (offsets
0-4 and 5-9) so a lookup has to search inside a batch as well as across batches.
"""
import pytest
from confluent_kafka import Consumer, TopicPartition

from clients import ck_produce_all, ck_producer, create_topic, kp_consumer

BASE = 1_600_000_000_000
TOPIC = "lo"

# (target timestamp, expected offset; None = no record at/after the timestamp)
CASES = [(BASE - 5000, 0), (BASE, 0), (BASE + 1, 1), (BASE + 3000, 3), (BASE + 3500, 4),
         (BASE + 5000, 5), (BASE + 8999, 9), (BASE + 9000, 9), (BASE + 9001, None)]


@pytest.fixture(scope="module")
def topic(module_broker):
    create_topic(module_broker.bootstrap, TOPIC, partitions=2)
    p = ck_producer(module_broker.bootstrap, **{"linger.ms": 50})
    for half in (range(0, 5), range(5, 10)):
        got = ck_produce_all(p, TOPIC, [dict(value=b"v%d" % i, key=b"k", partition=0,
                                             timestamp=BASE + 1000 * i) for i in half])
        assert [o for _, o in got] == list(half)
    return module_broker.bootstrap


def test_confluent_watermarks_and_times(topic):
    c = Consumer({"bootstrap.servers": topic, "group.id": "itest-unused",
                  "enable.auto.commit": False})
    try:
        assert c.get_watermark_offsets(TopicPartition(TOPIC, 0), timeout=10) == (0, 10)
        assert c.get_watermark_offsets(TopicPartition(TOPIC, 1), timeout=10) == (0, 0)
        # One lookup per call: librdkafka matches response partitions to the first list entry
        # with the same topic/partition, so duplicates in one call would overwrite each other.
        for ts, want in CASES:
            (tp,) = c.offsets_for_times([TopicPartition(TOPIC, 0, ts)], timeout=10)
            assert tp.error is None, f"ts {ts}: {tp.error}"
            # librdkafka reports "no such record" as the logical end offset -1
            assert tp.offset == (-1 if want is None else want), f"ts {ts - BASE:+d}"
        empty = c.offsets_for_times([TopicPartition(TOPIC, 1, BASE)], timeout=10)
        assert empty[0].offset == -1
    finally:
        c.close()


def test_kafka_python_offsets(topic):
    from kafka import TopicPartition as KTP
    c = kp_consumer(topic)
    try:
        tp0, tp1 = KTP(TOPIC, 0), KTP(TOPIC, 1)
        assert c.beginning_offsets([tp0, tp1]) == {tp0: 0, tp1: 0}
        assert c.end_offsets([tp0, tp1]) == {tp0: 10, tp1: 0}
        for ts, want in CASES:
            res = c.offsets_for_times({tp0: ts})[tp0]
            if want is None:
                assert res is None, f"ts {ts - BASE:+d}: got {res}"
            else:
                assert res is not None and res.offset == want, f"ts {ts - BASE:+d}: got {res}"
                assert res.timestamp == BASE + 1000 * want, f"ts {ts - BASE:+d}: got {res}"
    finally:
        c.close()


def test_batch_max_timestamp_recomputed_from_records(module_broker):
    """A batch whose header maxTimestamp is below its records' (a buggy client) is stored with
    the records' maximum, as Kafka's LogValidator does, so ListOffsets by time finds them."""
    import struct

    from kafka.protocol.offset import OffsetRequest
    from kafka.record.util import calc_crc32c

    from rawkafka import (RawConn, build_batch, decode_batches, fetch_request, fetch_result,
                          produce_request, produce_result)
    name = "lo-maxts"
    create_topic(module_broker.bootstrap, name, partitions=1)
    batch = bytearray(build_batch([(b"k", b"a", [], BASE), (b"k", b"b", [], BASE + 5000),
                                   (b"k", b"c", [], BASE + 3000)]))
    assert struct.unpack(">q", batch[35:43])[0] == BASE + 5000
    batch[35:43] = struct.pack(">q", BASE)  # claims the first record's time as the maximum
    batch[17:21] = struct.pack(">I", calc_crc32c(bytes(batch[21:])))
    with RawConn(module_broker.bootstrap) as c:
        assert produce_result(c.request(produce_request(name, 0, bytes(batch)))) == (0, 0)
        (_, parts), = c.request(OffsetRequest[1](-1, [(name, [(0, BASE + 4000)])])).topics
        (_p, err, _ts, off), = parts
        assert (err, off) == (0, 1), "the record at BASE+5000 is the first at or after BASE+4000"
        err, _hw, data = fetch_result(c.request(fetch_request(name, 0, 0)))
        assert err == 0
        raw = bytes(data)
        assert struct.unpack(">q", raw[35:43])[0] == BASE + 5000
        assert struct.unpack(">I", raw[17:21])[0] == calc_crc32c(raw[21:])  # one batch
        assert [r.value for _, recs in decode_batches(data) for r in recs] == [b"a", b"b", b"c"]
