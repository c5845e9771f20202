"""Every classic (non-flexible) request version kafka-python can encode, over a raw socket:
Produce v3-v8, Fetch v4-v11, ListOffsets v0-v5, Metadata v0-v5. Each version must decode with
the matching response schema and carry the right data (catches per-version encode bugs that
one real client, pinned to one version, would never hit)."""
import pytest
from kafka.protocol.fetch import FetchRequest
from kafka.protocol.metadata import MetadataRequest
from kafka.protocol.offset import OffsetRequest

from clients import create_topic
from rawkafka import ListOffsetsRequest_v4, ListOffsetsRequest_v5, RawConn, build_batch, decode_batches, produce_request, produce_result

TOPIC = "vers"


@pytest.fixture(scope="module")
def conn(module_broker):
    create_topic(module_broker.bootstrap, TOPIC, partitions=2)
    with RawConn(module_broker.bootstrap) as c:
        yield c


@pytest.fixture(scope="module")
def produced(conn):
    offsets = []
    for v in range(3, 9):
        err, off = produce_result(conn.request(produce_request(
            TOPIC, 0, build_batch([(b"k", b"produce-v%d" % v, [("v", b"%d" % v)])],
                                  base_timestamp=1_700_000_000_000 + v), version=v)))
        assert err == 0, f"Produce v{v}: error {err}"
        offsets.append(off)
    assert offsets == list(range(6))
    return offsets


def fetch_req(v, offset):
    parts = [(0, offset, 1 << 20)]
    if v >= 9:
        parts = [(0, -1, offset, -1, 1 << 20)]  # current_leader_epoch, fetch_offset, log_start
    elif v >= 5:
        parts = [(0, offset, -1, 1 << 20)]  # fetch_offset, log_start_offset
    args = [-1, 0, 1, 1 << 20, 0]
    if v >= 7:
        args += [0, -1]  # session_id, session_epoch
    args.append([(TOPIC, parts)])
    if v >= 7:
        args.append([])  # forgotten topics
    if v >= 11:
        args.append("")  # rack_id
    return FetchRequest[v](*args)


@pytest.mark.parametrize("v", range(4, 12))
def test_fetch_versions(conn, produced, v):
    resp = conn.request(fetch_req(v, 2))
    (topic, parts), = resp.topics
    p = parts[0]
    assert topic == TOPIC and p[0] == 0 and p[1] == 0, p[:3]
    assert p[2] == 6, "high watermark"
    recs = [(off + i, r.value) for off, rs in decode_batches(p[-1]) for i, r in enumerate(rs)]
    assert recs == [(o, b"produce-v%d" % (o + 3)) for o in range(2, 6)]


@pytest.mark.parametrize("v", range(0, 6))
def test_list_offsets_versions(conn, produced, v):
    if v == 0:
        req = OffsetRequest[0](-1, [(TOPIC, [(0, -1, 1)])])
    elif v == 1:
        req = OffsetRequest[1](-1, [(TOPIC, [(0, -2)])])
    elif v <= 3:
        req = OffsetRequest[v](-1, 0, [(TOPIC, [(0, 1_700_000_000_005)])])
    else:
        cls = ListOffsetsRequest_v4 if v == 4 else ListOffsetsRequest_v5  # kafka-python's are wrong
        req = cls(-1, 0, [(TOPIC, [(0, -1, 1_700_000_000_005)])])
    (topic, parts), = conn.request(req).topics
    p = parts[0]
    assert p[1] == 0, f"ListOffsets v{v}: error {p[1]}"
    if v == 0:
        assert p[2] == [6], "latest"
    elif v == 1:
        assert p[3] == 0, "earliest"
    else:
        # first record with timestamp >= base+5 is the v5 produce at offset 2
        assert p[3] == 2 and p[2] == 1_700_000_000_005, p


@pytest.mark.parametrize("v", range(0, 6))
def test_metadata_versions(conn, produced, module_broker, v):
    args = [[TOPIC]] + ([True] if v >= 4 else [])
    resp = conn.request(MetadataRequest[v](*args))
    (node, host, port, *_), = resp.brokers
    assert (node, f"{host}:{port}") == (0, module_broker.bootstrap)
    t = [t for t in resp.topics if t[1] == TOPIC][0]
    assert t[0] == 0 and len(t[-1]) == 2
    if v >= 1:
        assert resp.controller_id == 0
