"""message.timestamp.before.max.ms, .after.max.ms and the deprecated .difference.max.ms
(KIP-937): a CreateTime record whose timestamp lies further behind or ahead of the broker's
clock than the topic allows gets its whole batch refused with INVALID_TIMESTAMP, each such
record named in the response's RecordErrors (produce v8+). Seen by confluent-kafka
(librdkafka), kafka-python and raw produce requests; LogAppendTime topics are never checked.
"""
import time

from confluent_kafka import KafkaError
from kafka.errors import InvalidTimestampError

from clients import ck_alter, ck_producer, ck_read_to_end, create_topic, kp_producer
from rawkafka import ProduceRequest_v8, RawConn, build_batch, produce_request, produce_result

HOUR = 3600 * 1000
TOPIC_LIMITS = {"message.timestamp.before.max.ms": str(HOUR), "message.timestamp.after.max.ms": "60000"}


def now_ms():
    return int(time.time() * 1000)


def deliver_each(bootstrap, topic, timestamps):
    """Produces one record per timestamp, each in a batch of its own; returns per record the
    delivery error code (None: acknowledged)."""
    p = ck_producer(bootstrap, **{"linger.ms": 0, "message.timeout.ms": 15000})
    codes = []
    for i, ts in enumerate(timestamps):
        got = []
        p.produce(topic, value=b"r%d" % i, timestamp=ts, on_delivery=lambda e, m: got.append(e))
        assert p.flush(20) == 0
        codes.append(got[0].code() if got[0] else None)
    return codes


def values(bootstrap, topic):
    return [m.value() for m in ck_read_to_end(bootstrap, topic, 1)]


def test_records_behind_or_ahead_of_the_window_are_refused(broker):
    bs = broker.bootstrap
    create_topic(bs, "ts-window", 1, TOPIC_LIMITS)
    t = now_ms()
    codes = deliver_each(bs, "ts-window", [t, t - 2 * HOUR, t + HOUR, t - HOUR // 2, t + 30_000])
    bad = KafkaError.INVALID_TIMESTAMP
    assert codes == [None, bad, bad, None, None]
    assert values(bs, "ts-window") == [b"r0", b"r3", b"r4"]  # nothing of a refused batch is stored


def test_difference_max_ms_bounds_both_sides_until_before_or_after_is_set(broker):
    bs = broker.bootstrap
    create_topic(bs, "ts-diff", 1, {"message.timestamp.difference.max.ms": str(HOUR)})
    t = now_ms()
    bad = KafkaError.INVALID_TIMESTAMP
    assert deliver_each(bs, "ts-diff", [t - 2 * HOUR, t + 2 * HOUR, t]) == [bad, bad, None]
    # before.max.ms set: it wins for the past, the future still falls back to difference.max.ms;
    # applied from the next produce.
    assert ck_alter(bs, "topic", "ts-diff", {"message.timestamp.difference.max.ms": str(HOUR),
                                            "message.timestamp.before.max.ms": str(24 * HOUR)}) is None
    t = now_ms()
    assert deliver_each(bs, "ts-diff", [t - 2 * HOUR, t + 2 * HOUR]) == [None, bad]
    # Back to the defaults: anything goes, even the epoch.
    assert ck_alter(bs, "topic", "ts-diff", {}) is None
    assert deliver_each(bs, "ts-diff", [1, t + 100 * HOUR]) == [None, None]


def test_log_append_time_topics_are_not_checked(broker):
    bs = broker.bootstrap
    create_topic(bs, "ts-append", 1, {**TOPIC_LIMITS, "message.timestamp.type": "LogAppendTime"})
    t = now_ms()
    assert deliver_each(bs, "ts-append", [t - 48 * HOUR]) == [None]
    (m,) = ck_read_to_end(bs, "ts-append", 1)
    assert abs(m.timestamp()[1] - t) < 60_000  # stamped by the broker


def test_raw_produce_names_every_record_outside_the_window(broker):
    bs = broker.bootstrap
    create_topic(bs, "ts-raw", 1, TOPIC_LIMITS)
    t = now_ms()
    batch = build_batch([(b"k", b"a", [], t), (b"k", b"b", [], t - 2 * HOUR), (b"k", b"c", [], t),
                         (b"k", b"d", [], t + HOUR), (b"k", b"e", [], -1)])
    with RawConn(bs) as c:
        resp = c.request(ProduceRequest_v8(transactional_id=None, required_acks=-1, timeout=10000,
                                           topics=[("ts-raw", [(0, batch)])]))
        (_, parts), = resp.topics
        (_, code, offset, _, _, record_errors, message), = parts
        assert (code, offset) == (32, -1)
        assert message == "One or more records have been rejected due to invalid timestamp"
        assert [i for i, _ in record_errors] == [1, 3]
        lo, hi = t - HOUR, t + 60_000
        for (i, text), ts in zip(record_errors, [t - 2 * HOUR, t + HOUR]):
            prefix = f"Timestamp {ts} of message with offset {i} is out of range. The timestamp should be within ["
            assert text.startswith(prefix), text
            low, high = map(int, text[len(prefix):].rstrip("]").split(", "))
            assert 0 <= low - lo < 60_000 and high - low == HOUR + 60_000, text  # from the broker's clock
        # v7 has no RecordErrors: the same refusal, the code alone.
        assert produce_result(c.request(produce_request("ts-raw", 0, batch, version=7))) == (32, -1)
        # A record without a timestamp (-1) is never out of range.
        ok = build_batch([(b"k", b"f", [], -1), (b"k", b"g", [], t)])
        assert produce_result(c.request(produce_request("ts-raw", 0, ok, version=7))) == (0, 0)
    assert values(bs, "ts-raw") == [b"f", b"g"]


def test_kafka_python_gets_invalid_timestamp(broker):
    bs = broker.bootstrap
    create_topic(bs, "ts-kp", 1, TOPIC_LIMITS)
    p = kp_producer(bs, linger_ms=0, retries=0)
    try:
        try:
            p.send("ts-kp", b"old", timestamp_ms=now_ms() - 2 * HOUR).get(timeout=20)
            raise AssertionError("a record two hours old was accepted")
        except InvalidTimestampError:
            pass
        md = p.send("ts-kp", b"new", timestamp_ms=now_ms()).get(timeout=20)
        assert md.offset == 0
    finally:
        p.close(timeout=10)
