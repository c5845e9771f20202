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
