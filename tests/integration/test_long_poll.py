"""Fetch long-poll (purgatory): a waiting Fetch is completed by the append that satisfies it,
not by the timer; with nothing arriving it returns after about max_wait_ms."""
import threading
import time

from clients import create_topic
from rawkafka import RawConn, build_batch, fetch_request, fetch_result, produce_request, produce_result


def test_fetch_completes_soon_after_produce(broker):
    # two partitions so that, with --smp 2, at least one lives on a shard other than the one
    # owning the fetching connection (the wake-up must cross shards)
    create_topic(broker.bootstrap, "lp", partitions=2)
    for part in (0, 1):
        with RawConn(broker.bootstrap) as fetcher, RawConn(broker.bootstrap) as producer:
            corr, payload = fetcher.encode(fetch_request("lp", part, 0, max_wait_ms=3000, min_bytes=1))
            fetcher.send_frame(payload)
            time.sleep(0.5)  # the fetch is parked
            t_produce = time.monotonic()
            err, off = produce_result(producer.request(produce_request(
                "lp", part, build_batch([(b"k", b"wake-up", [])]), acks=1)))
            assert (err, off) == (0, 0)
            resp = fetcher.read_response(fetch_request("lp", part, 0), corr, timeout=5)
            elapsed = time.monotonic() - t_produce
            err, hw, records = fetch_result(resp)
            assert err == 0 and hw == 1 and b"wake-up" in records, (err, hw, len(records))
            assert elapsed < 0.3, f"partition {part}: fetch returned {elapsed:.3f}s after produce (want ~immediately)"


def test_fetch_waits_max_wait_when_idle(broker):
    create_topic(broker.bootstrap, "idle", partitions=1)
    with RawConn(broker.bootstrap) as c:
        t0 = time.monotonic()
        err, hw, records = fetch_result(c.request(fetch_request("idle", 0, 0, max_wait_ms=1500,
                                                                min_bytes=1), timeout=10))
        elapsed = time.monotonic() - t0
    assert err == 0 and hw == 0 and len(records) == 0
    assert 1.3 <= elapsed <= 3.0, f"idle fetch returned after {elapsed:.3f}s, want ~1.5s"


def test_zero_wait_fetch_is_immediate(broker):
    create_topic(broker.bootstrap, "nowait", partitions=1)
    with RawConn(broker.bootstrap) as c:
        t0 = time.monotonic()
        err, hw, _ = fetch_result(c.request(fetch_request("nowait", 0, 0, max_wait_ms=0)))
        assert err == 0 and hw == 0
        assert time.monotonic() - t0 < 0.5


def test_min_bytes_not_reached_waits_full_time(broker):
    create_topic(broker.bootstrap, "minb", partitions=1)
    with RawConn(broker.bootstrap) as fetcher, RawConn(broker.bootstrap) as producer:
        req = fetch_request("minb", 0, 0, max_wait_ms=1500, min_bytes=100_000)
        corr, payload = fetcher.encode(req)
        t0 = time.monotonic()
        fetcher.send_frame(payload)
        time.sleep(0.3)
        assert produce_result(producer.request(produce_request(
            "minb", 0, build_batch([(b"k", b"small", [])]), acks=1)))[0] == 0
        err, hw, records = fetch_result(fetcher.read_response(req, corr, timeout=5))
        elapsed = time.monotonic() - t0
        assert err == 0 and hw == 1 and b"small" in records, "returns what it has at the deadline"
        assert elapsed >= 1.3, f"a 5-byte append must not satisfy min_bytes=100000 ({elapsed:.2f}s)"


def test_fetch_over_partitions_on_both_shards_woken_by_either(broker):
    create_topic(broker.bootstrap, "multi", partitions=4)
    ends = [0, 0, 0, 0]  # fetch from each partition's log end so only the new append counts
    for wake in (0, 3):
        with RawConn(broker.bootstrap) as fetcher, RawConn(broker.bootstrap) as producer:
            from kafka.protocol.fetch import FetchRequest
            req = FetchRequest[4](replica_id=-1, max_wait_time=3000, min_bytes=1, max_bytes=1 << 20,
                                  isolation_level=0,
                                  topics=[("multi", [(p, ends[p], 1 << 20) for p in range(4)])])
            corr, payload = fetcher.encode(req)
            fetcher.send_frame(payload)
            time.sleep(0.3)
            t0 = time.monotonic()
            assert produce_result(producer.request(produce_request(
                "multi", wake, build_batch([(b"k", b"w%d" % wake, [])]), acks=1)))[0] == 0
            resp = fetcher.read_response(req, corr, timeout=5)
            assert time.monotonic() - t0 < 0.3, f"partition {wake} append did not wake the fetch"
            (_, parts), = resp.topics
            by_part = {p[0]: p for p in parts}
            assert b"w%d" % wake in by_part[wake][5]
            ends[wake] += 1


def test_client_gone_while_fetch_parked(broker):
    """A parked fetch whose connection closed must be dropped quietly when data arrives."""
    create_topic(broker.bootstrap, "gone", partitions=2)
    for part in (0, 1):
        fetcher = RawConn(broker.bootstrap)
        _, payload = fetcher.encode(fetch_request("gone", part, 0, max_wait_ms=3000, min_bytes=1))
        fetcher.send_frame(payload)
        time.sleep(0.2)
        fetcher.close()
        time.sleep(0.1)
        with RawConn(broker.bootstrap) as producer:
            assert produce_result(producer.request(produce_request(
                "gone", part, build_batch([(b"k", b"x", [])]), acks=1)))[0] == 0
    time.sleep(0.2)
    assert broker.alive(), broker.log_text()[-3000:]
    with RawConn(broker.bootstrap) as c:
        err, hw, _ = fetch_result(c.request(fetch_request("gone", 1, 0)))
        assert (err, hw) == (0, 1)


def test_many_connections(broker):
    conns = [RawConn(broker.bootstrap) for _ in range(200)]
    try:
        from kafka.protocol.admin import ApiVersionRequest
        for c in conns:
            corr, payload = c.encode(ApiVersionRequest[0]())
            c.send_frame(payload)
            c.pending = corr
        for c in conns:
            assert c.read_response(ApiVersionRequest[0](), c.pending, timeout=10).error_code == 0
    finally:
        for c in conns:
            c.close()
    assert broker.alive()
