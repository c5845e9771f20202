"""Bad input over raw sockets: each case gets a Kafka error code or a closed connection, never a
crash — and afterwards a SECOND client, connected before the bad input, still works
(metadata + produce). For the closed-connection cases the broker log must name the peer.

Documented expectations (Kafka's behaviour unless noted):
- garbage frame, oversized length prefix, truncated body, unknown API key → connection closed.
- ApiVersions v99 → ApiVersions v0 response with error 35 and the supported list.
- Metadata v99 (known API, unknown version) → closed or a correlated error response (Kafka
  closes; DESIGN allows an UNSUPPORTED_VERSION response) — either is accepted.
- bad CRC → 2, batch > message.max.bytes → 10, magic 1 → 43, fetch past the end → 1,
  invalid topic name → 17, unknown topic with auto-create off → 3 (Metadata and Produce).
"""
import random
import struct
import time
import zlib

import pytest
from kafka.protocol.admin import ApiVersionRequest, CreateTopicsRequest
from kafka.record.legacy_records import LegacyRecordBatchBuilder

from clients import create_topic
from rawkafka import (RawConn, api_frame, build_batch, fetch_request, fetch_result,
                      metadata_request, produce_request, produce_result)

TOPIC = "bad-input"


@pytest.fixture(scope="module")
def b(module_broker):
    create_topic(module_broker.bootstrap, TOPIC, partitions=2)
    return module_broker


@pytest.fixture
def second(b):
    """A healthy client connected BEFORE the bad input; checked after it."""
    conn = RawConn(b.bootstrap)
    assert_healthy(conn)
    yield conn
    assert b.alive(), "broker died:\n" + b.log_text()[-3000:]
    assert_healthy(conn)
    conn.close()


def assert_healthy(conn, topic=TOPIC):
    md = conn.request(metadata_request([topic]))
    (err, name, _internal, parts), = md.topics
    assert (err, name, len(parts)) == (0, topic, 2), md
    err, off = produce_result(conn.request(produce_request(
        topic, 1, build_batch([(b"k", b"healthy", [])]), acks=1)))
    assert err == 0 and off >= 0, (err, off)


def assert_logged_peer(b, conn_port, before, what):
    """The broker log gained a line naming this client's port (one clear line per close)."""
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        new = b.log_text()[before:]
        lines = [ln for ln in new.splitlines() if f":{conn_port}" in ln]
        if lines:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"no log line naming peer port {conn_port} after {what}; new log:\n"
                         + b.log_text()[before:][-2000:])


def expect_closed(b, payload, what):
    before = len(b.log_text())
    with RawConn(b.bootstrap) as c:
        port = c.sock.getsockname()[1]
        c.send_bytes(payload)
        assert c.wait_closed(timeout=5), f"{what}: connection still open after 5 s"
    assert_logged_peer(b, port, before, what)


def test_garbage_frame_closes(b, second):
    rnd = random.Random(7)
    body = bytes(rnd.randrange(256) for _ in range(40))
    # api key 0x7e7e is no API; the rest is noise
    expect_closed(b, struct.pack(">i", 42) + b"\x7e\x7e" + body, "garbage frame")


def test_length_over_socket_request_max_bytes_closes(b, second):
    expect_closed(b, struct.pack(">i", 104857600 + 1) + b"\x00" * 64, "oversized length prefix")


def test_negative_length_closes(b, second):
    expect_closed(b, struct.pack(">i", -5) + b"\x00" * 16, "negative length prefix")


def test_unknown_api_key_closes(b, second):
    # Kafka closes the connection on an unknown API key (it cannot pick a response schema).
    expect_closed(b, api_frame(9999, 0, 1, b""), "unknown api key")


def test_truncated_body_closes(b, second):
    # Metadata v4: topics array claims 5 entries, body ends after the count.
    expect_closed(b, api_frame(3, 4, 1, struct.pack(">i", 5)), "truncated body")


def test_truncated_produce_closes(b, second):
    batch = build_batch([(b"k", b"v" * 100, [])])
    req = produce_request(TOPIC, 0, batch)
    with RawConn(b.bootstrap) as c:
        _, payload = c.encode(req)
    expect_closed(b, struct.pack(">i", len(payload) - 30) + payload[:-30], "truncated produce")


def test_api_versions_v99_gets_v0_error_35_and_list(b, second):
    with RawConn(b.bootstrap) as c:
        c.send_bytes(api_frame(18, 99, 77, b""))
        frame = c.recv_frame(timeout=5)
    (corr,) = struct.unpack(">i", frame[:4])
    assert corr == 77
    resp = ApiVersionRequest[0].RESPONSE_TYPE.decode(frame[4:])
    assert resp.error_code == 35, resp
    keys = {k: (lo, hi) for k, lo, hi in resp.api_versions}
    assert keys.get(18, (9, -1))[0] == 0 and keys[18][1] >= 3, keys
    for api in (0, 1, 2, 3, 19, 20, 22):
        assert api in keys, f"api {api} missing from the supported list {keys}"


def test_api_versions_lists_contract(b, second):
    with RawConn(b.bootstrap) as c:
        resp = c.request(ApiVersionRequest[0]())
    assert resp.error_code == 0
    keys = {k: (lo, hi) for k, lo, hi in resp.api_versions}
    for api, (lo, hi) in {0: (3, 9), 1: (4, 12), 2: (0, 6), 3: (0, 12), 18: (0, 3),
                          19: (0, 5), 20: (0, 4), 22: (0, 4)}.items():
        assert api in keys and keys[api][0] <= lo and keys[api][1] >= hi, (api, keys.get(api))
    # Produce from v0, as Kafka 4.0 advertises it (librdkafka compresses gzip/snappy/lz4 only
    # then), though v0-v2 are not served: such a request closes the connection.
    assert keys[0][0] == 0


def test_produce_v2_closes_though_advertised(b, second):
    expect_closed(b, api_frame(0, 2, 9, struct.pack(">hii", -1, 1000, 0)), "produce v2")
    assert "unsupported version: Produce v2" in b.log_text()


def test_metadata_v99_closed_or_error(b, second):
    with RawConn(b.bootstrap) as c:
        c.send_bytes(api_frame(3, 99, 55, struct.pack(">i", -1)))
        c.sock.settimeout(5)
        try:
            data = c.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if data:  # a response: must be correlated and carry UNSUPPORTED_VERSION somewhere
            assert len(data) >= 8 and struct.unpack(">i", data[4:8])[0] == 55, data[:32]
            assert struct.pack(">h", 35) in data[8:], data[:64]


def test_bad_crc_corrupt_message(b, second):
    batch = bytearray(build_batch([(b"k", b"value-with-bad-crc", [])]))
    batch[-1] ^= 0xFF  # payload byte covered by the CRC
    with RawConn(b.bootstrap) as c:
        err, _ = produce_result(c.request(produce_request(TOPIC, 0, bytes(batch))))
    assert err == 2, f"want CORRUPT_MESSAGE (2), got {err}"


def test_batch_over_message_max_bytes(b, second):
    big = random.Random(1).randbytes(1_200_000)  # incompressible and > 1048588
    with RawConn(b.bootstrap) as c:
        err, _ = produce_result(c.request(produce_request(
            TOPIC, 0, build_batch([(b"k", big, [])]))))
    assert err == 10, f"want MESSAGE_TOO_LARGE (10), got {err}"


def test_magic_1_unsupported_for_message_format(b, second):
    lb = LegacyRecordBatchBuilder(magic=1, compression_type=0, batch_size=1 << 20)
    lb.append(0, timestamp=int(time.time() * 1000), key=b"k", value=b"old-format")
    with RawConn(b.bootstrap) as c:
        err, _ = produce_result(c.request(produce_request(TOPIC, 0, bytes(lb.build()))))
    assert err == 43, f"want UNSUPPORTED_FOR_MESSAGE_FORMAT (43), got {err}"


def test_fetch_beyond_log_end(b, second):
    with RawConn(b.bootstrap) as c:
        err, hw, _ = fetch_result(c.request(fetch_request(TOPIC, 0, 1_000_000)))
    assert err == 1, f"want OFFSET_OUT_OF_RANGE (1), got {err} (hw {hw})"


@pytest.mark.parametrize("name", ["bad/name", "x" * 300, "..", "sp ace"])
def test_invalid_topic_name(b, second, name):
    with RawConn(b.bootstrap) as c:
        ct = c.request(CreateTopicsRequest[1](
            create_topic_requests=[(name, 1, 1, [], [])], timeout=5000, validate_only=False))
        (tname, err, _msg), = ct.topic_errors
        assert err == 17, f"CreateTopics {name[:20]!r}: want INVALID_TOPIC_EXCEPTION, got {err}"
        md = c.request(metadata_request([name], allow_auto_create=True))
        (merr, _, _, _), = md.topics
        assert merr == 17, f"Metadata {name[:20]!r}: want 17, got {merr}"
        perr, _ = produce_result(c.request(produce_request(name, 0, build_batch([(b"k", b"v", [])]))))
        assert perr in (3, 17), f"Produce {name[:20]!r}: want 3 or 17, got {perr}"


def test_unknown_topic_without_auto_create(broker_factory):
    nb = broker_factory(sets={"auto.create.topics.enable": "false"})
    create_topic(nb.bootstrap, TOPIC, partitions=2)
    second = RawConn(nb.bootstrap)
    with RawConn(nb.bootstrap) as c:
        md = c.request(metadata_request(["nope"], allow_auto_create=True))
        (err, name, _, _), = md.topics
        assert (err, name) == (3, "nope"), md
        perr, _ = produce_result(c.request(produce_request("nope", 0, build_batch([(b"k", b"v", [])]))))
        assert perr == 3, f"Produce to unknown topic: want 3, got {perr}"
        md = c.request(metadata_request(None))  # all topics: "nope" must not have been created
        assert [t[1] for t in md.topics if not t[2]] == [TOPIC], md  # t[2]: is_internal
    assert_healthy(second)
    second.close()


def test_auto_create_default_on(b, second):
    with RawConn(b.bootstrap) as c:
        deadline = time.monotonic() + 10
        while True:
            md = c.request(metadata_request(["auto-made"], allow_auto_create=True))
            (err, _, _, parts), = md.topics
            if err == 0 and len(parts) == 1:
                break
            assert err in (3, 5), f"auto-create: unexpected error {err}"  # LEADER_NOT_AVAILABLE ok
            assert time.monotonic() < deadline, "auto-created topic never became available"
            time.sleep(0.1)


def _recrc(batch):
    from kafka.record.util import calc_crc32c
    batch = bytearray(batch)
    batch[17:21] = struct.pack(">I", calc_crc32c(bytes(batch[21:])))
    return bytes(batch)


def _patched(offset, data, compression=0):
    good = build_batch([(b"k", b"v" * 100, [])] * 3, compression=compression)
    bb = bytearray(good)
    bb[offset:offset + len(data)] = data
    return _recrc(bb)


# Batches with a VALID CRC but inconsistent content; Kafka answers CORRUPT_MESSAGE (2) or
# INVALID_RECORD (87) depending on the check — either is accepted, nothing may be stored.
INVALID_BATCHES = {
    "record count too large": (lambda: _patched(57, struct.pack(">i", 5)), {2, 87}),
    "record count too small": (lambda: _patched(57, struct.pack(">i", 1)), {2, 87}),
    "last offset delta wrong": (lambda: _patched(23, struct.pack(">i", 7)), {2, 87}),
    "gzip payload garbage": (lambda: _patched(70, b"\xff" * 10, compression=1), {2, 87}),
    "unknown codec 7": (lambda: _patched(22, b"\x07"), {2, 87, 76}),
    "control batch from a client": (lambda: _patched(22, b"\x20"), {2, 87}),
    "transactional batch without producer id": (lambda: _patched(22, b"\x10"), {2, 87, 48, 49}),
    "batch length beyond data": (lambda: _lenpatch(+10), {2, 87}),
    "batch length too small": (lambda: _lenpatch(None), {2, 87}),
    "two batches in one partition (v3+ allows one)": (
        lambda: build_batch([(b"k", b"a", [])]) + build_batch([(b"k", b"b", [])]), {2, 87}),
    "empty records": (lambda: b"", {2, 87}),
}


def _lenpatch(delta):
    good = bytearray(build_batch([(b"k", b"v", [])] * 3))
    good[8:12] = struct.pack(">i", 20 if delta is None else len(good) - 12 + delta)
    return bytes(good)


@pytest.mark.parametrize("case", list(INVALID_BATCHES))
def test_invalid_batch_rejected_and_not_stored(b, second, case):
    make, allowed = INVALID_BATCHES[case]
    topic = "inv-%08x" % zlib.crc32(case.encode())
    create_topic(b.bootstrap, topic, partitions=1)
    with RawConn(b.bootstrap) as c:
        err, off = produce_result(c.request(produce_request(topic, 0, make())))
        assert err in allowed, f"{case}: error {err}, want one of {sorted(allowed)}"
        ferr, hw, data = fetch_result(c.request(fetch_request(topic, 0, 0)))
        assert (ferr, hw, len(data)) == (0, 0, 0), f"{case}: something was stored"


def test_produce_v99_closes(b, second):
    # Kafka cannot build a response for a version it does not know and closes; so does Brook.
    expect_closed(b, api_frame(0, 99, 9, b"\x00" * 8), "Produce v99")
