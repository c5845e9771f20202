"""Connection semantics real clients rely on: pipelined requests answered in order (also when
they touch partitions on different shards), acks=0 sends no response, concurrent producers
get unique dense offsets, Fetch always returns at least one whole batch (KIP-74)."""
import struct
import threading

import pytest

from clients import create_topic
from rawkafka import (RawConn, build_batch, decode_batches, fetch_request, fetch_result,
                      metadata_request, produce_request, produce_result)

TOPIC = "pipe"


@pytest.fixture(scope="module")
def b(module_broker):
    create_topic(module_broker.bootstrap, TOPIC, partitions=4)
    return module_broker


def test_pipelined_requests_answered_in_order(b):
    n = 200
    with RawConn(b.bootstrap) as c:
        reqs = []
        blob = b""
        for i in range(n):
            if i % 10 == 9:
                req = metadata_request([TOPIC])
            else:
                req = produce_request(TOPIC, i % 4, build_batch([(b"k", b"p%d" % i, [])]), acks=1)
            corr, payload = c.encode(req)
            reqs.append((corr, req))
            blob += struct.pack(">i", len(payload)) + payload
        c.send_bytes(blob)  # all at once: the broker must read ahead and keep order
        next_off = [0, 0, 0, 0]
        for i, (corr, req) in enumerate(reqs):
            resp = c.read_response(req, corr, timeout=10)
            if i % 10 != 9:
                err, off = produce_result(resp)
                assert err == 0 and off == next_off[i % 4], (i, err, off)
                next_off[i % 4] += 1


def test_requests_split_at_any_byte_are_read_whole(b):
    # The reader buffers ahead (8 KiB) and reads large frames straight into their own buffer;
    # requests cut anywhere — inside the size prefix, across the read-ahead, several per
    # segment — must still arrive whole and in order.
    import socket
    import time
    with RawConn(b.bootstrap) as c:
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reqs, blob = [], b""
        sizes = [10, 20000, 5, 9000, 100, 70000, 1]
        for i, n in enumerate(sizes):
            req = produce_request(TOPIC, 2, build_batch([(b"k", bytes([65 + i]) * n, [])]), acks=1)
            corr, payload = c.encode(req)
            reqs.append((corr, req))
            blob += struct.pack(">i", len(payload)) + payload
        cuts, pos, step = [], 0, 1
        while pos < len(blob):
            cuts.append(blob[pos:pos + step])
            pos += step
            step = step * 3 + 1 if step < 30000 else 2
        for piece in cuts:
            c.send_bytes(piece)
            time.sleep(0.001)
        offsets = []
        for corr, req in reqs:
            err, off = produce_result(c.read_response(req, corr, timeout=10))
            assert err == 0
            offsets.append(off)
        assert offsets == list(range(offsets[0], offsets[0] + len(sizes)))
        # acks=1 data is visible once synced (the high watermark is the durable offset).
        deadline = time.monotonic() + 10
        while True:
            err, hw, data = fetch_result(c.request(fetch_request(TOPIC, 2, offsets[0], max_wait_ms=200,
                                                                 max_bytes=1 << 22)))
            if hw > offsets[-1] or time.monotonic() > deadline:
                break
        vals = [r.value for _, rs in decode_batches(data) for r in rs]
        assert vals[:len(sizes)] == [bytes([65 + i]) * n for i, n in enumerate(sizes)]


def test_acks_0_gets_no_response(b):
    with RawConn(b.bootstrap) as c:
        for i in range(5):
            corr, payload = c.encode(produce_request(TOPIC, 3, build_batch([(b"k", b"a0-%d" % i, [])]),
                                                     acks=0))
            c.send_frame(payload)
        # the next response on the connection belongs to the next request
        md = c.request(metadata_request([TOPIC]))
        assert md.topics[0][1] == TOPIC
        # and the acks=0 records were stored (visible once synced: the high watermark is the
        # durable offset)
        import time
        deadline = time.monotonic() + 10
        vals = []
        while len([v for v in vals if v.startswith(b"a0-")]) < 5 and time.monotonic() < deadline:
            err, hw, data = fetch_result(c.request(fetch_request(TOPIC, 3, 0, max_wait_ms=200)))
            vals = [r.value for _, rs in decode_batches(data) for r in rs]
        assert [v for v in vals if v.startswith(b"a0-")] == [b"a0-%d" % i for i in range(5)]


def test_concurrent_producers_get_unique_dense_offsets(b):
    topic = "conc"
    create_topic(b.bootstrap, topic, partitions=1)
    per_thread, threads = 100, 6
    results, errors = [], []

    def run(t):
        try:
            with RawConn(b.bootstrap) as c:
                for i in range(per_thread):
                    err, off = produce_result(c.request(produce_request(
                        topic, 0, build_batch([(b"t%d" % t, b"%d-%d" % (t, i), [])]), acks=-1)))
                    assert err == 0
                    results.append((off, b"%d-%d" % (t, i)))
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(e)

    ths = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(60)
    assert not errors, errors[:3]
    offsets = sorted(o for o, _ in results)
    assert offsets == list(range(per_thread * threads)), "offsets must be unique and dense"
    with RawConn(b.bootstrap) as c:
        stored = {}
        off = 0
        while off < per_thread * threads:
            err, _, data = fetch_result(c.request(fetch_request(topic, 0, off)))
            assert err == 0
            for base, rs in decode_batches(data):
                for i, r in enumerate(rs):
                    stored[base + i] = r.value
            off = max(stored) + 1
    assert stored == dict(results), "each acknowledged offset holds that producer's record"


def test_fetch_returns_whole_batch_over_max_bytes(b):
    topic = "kip74"
    create_topic(b.bootstrap, topic, partitions=1)
    batch = build_batch([(b"k", b"x" * 5000, []) for _ in range(3)])
    with RawConn(b.bootstrap) as c:
        assert produce_result(c.request(produce_request(topic, 0, batch))) == (0, 0)
        assert produce_result(c.request(produce_request(topic, 0, batch))) == (0, 3)
        # max_bytes far below one batch: the first batch still comes back, whole
        err, hw, data = fetch_result(c.request(fetch_request(topic, 0, 0, max_bytes=100)))
        assert err == 0 and hw == 6
        got = list(decode_batches(data))
        assert got and got[0][0] == 0 and len(got[0][1]) == 3
        # fetching from the middle of a batch returns the batch holding that offset
        err, _, data = fetch_result(c.request(fetch_request(topic, 0, 4)))
        got = list(decode_batches(data))
        assert got[0][0] == 3 and [r.offset for r in got[0][1]] == [3, 4, 5]
