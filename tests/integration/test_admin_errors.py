"""CreateTopics / DeleteTopics / partition addressing errors, over raw sockets (exact codes)."""
import threading
import time

import pytest
from kafka.protocol.admin import CreateTopicsRequest, DeleteTopicsRequest
from kafka.protocol.offset import OffsetRequest

from rawkafka import (RawConn, build_batch, decode_batches, fetch_request, fetch_result, metadata_request,
                      produce_request, produce_result)


def create(c, name, partitions=1, rf=1, configs=(), validate_only=False):
    resp = c.request(CreateTopicsRequest[2](
        create_topic_requests=[(name, partitions, rf, [], list(configs))], timeout=5000,
        validate_only=validate_only))
    (tname, err, _msg), = resp.topic_errors
    assert tname == name
    return err


def delete(c, name):
    (tname, err), = c.request(DeleteTopicsRequest[1](topics=[name], timeout=5000)).topic_error_codes
    return err


def topic_names(c):
    """User topics (internal ones, flagged is_internal, always exist)."""
    return sorted(t[1] for t in c.request(metadata_request(None, allow_auto_create=False)).topics if not t[2])


@pytest.fixture
def c(broker):
    with RawConn(broker.bootstrap) as conn:
        yield conn


def test_create_topic_errors(c):
    assert create(c, "adm", 2) == 0
    assert create(c, "adm", 2) == 36, "TOPIC_ALREADY_EXISTS"
    assert create(c, "zero-parts", 0) == 37, "INVALID_PARTITIONS"
    assert create(c, "rf3", 1, rf=3) == 38, "INVALID_REPLICATION_FACTOR (one broker)"
    assert create(c, "badcfg", 1, configs=[("retention.ms", "soon")]) == 40, "INVALID_CONFIG"
    assert create(c, "vonly", 1, validate_only=True) == 0
    assert topic_names(c) == ["adm"], "failed or validate-only creates must not leave topics"


def test_delete_topic_errors(c):
    assert delete(c, "never-was") == 3
    assert create(c, "del", 1) == 0
    assert delete(c, "del") == 0
    assert delete(c, "del") == 3
    assert topic_names(c) == []


def test_partition_out_of_range(c):
    assert create(c, "two", 2) == 0
    err, _ = produce_result(c.request(produce_request("two", 5, build_batch([(b"k", b"v", [])]))))
    assert err == 3, f"produce to partition 5 of 2: {err}"
    err, _, _ = fetch_result(c.request(fetch_request("two", 7, 0)))
    assert err == 3, f"fetch partition 7 of 2: {err}"
    (_, parts), = c.request(OffsetRequest[1](-1, [("two", [(9, -1)])])).topics
    assert parts[0][1] == 3, f"list offsets partition 9 of 2: {parts[0]}"
    (_, parts), = c.request(OffsetRequest[1](-1, [("nope", [(0, -1)])])).topics
    assert parts[0][1] == 3, f"list offsets unknown topic: {parts[0]}"


def test_delete_topic_with_parked_fetch(broker, c):
    assert create(c, "vanish", 1) == 0
    fetcher = RawConn(broker.bootstrap)
    req = fetch_request("vanish", 0, 0, max_wait_ms=2000, min_bytes=1)
    corr, payload = fetcher.encode(req)
    fetcher.send_frame(payload)
    time.sleep(0.2)
    assert delete(c, "vanish") == 0
    # the parked fetch completes (empty or with an error), the broker survives
    resp = fetcher.read_response(req, corr, timeout=5)
    err, hw, data = fetch_result(resp)
    assert err in (0, 3, 100), err  # 100 = UNKNOWN_TOPIC_ID
    fetcher.close()
    assert broker.alive()
    assert create(c, "vanish", 1) == 0
    err, off = produce_result(c.request(produce_request("vanish", 0, build_batch([(b"k", b"v", [])]))))
    assert (err, off) == (0, 0)


def create_full(c, name, partitions=1):
    resp = c.request(CreateTopicsRequest[2](
        create_topic_requests=[(name, partitions, 1, [], [])], timeout=5000, validate_only=False))
    (tname, err, msg), = resp.topic_errors
    assert tname == name
    return err, msg


@pytest.mark.parametrize("length", [247, 249])
def test_longest_topic_names_work_and_survive_restart(broker, length):
    """Kafka accepts up to 249 characters; the metadata file's temp name must fit 255 bytes."""
    name = "t" * length
    with RawConn(broker.bootstrap) as c:
        assert create_full(c, name, 1) == (0, None)
        err, off = produce_result(c.request(produce_request(name, 0, build_batch([(b"k", b"long", [])]))))
        assert (err, off) == (0, 0)
    broker.restart()
    with RawConn(broker.bootstrap) as c:
        assert name in topic_names(c)
        err, off = produce_result(c.request(produce_request(name, 0, build_batch([(b"k", b"again", [])]))))
        assert (err, off) == (0, 1)
        err, hw, data = fetch_result(c.request(fetch_request(name, 0, 0)))
        assert (err, hw) == (0, 2)
        values = [r.value for _, recs in decode_batches(data) for r in recs]
        assert values == [b"long", b"again"]
        assert create_full(c, "u" * 250, 1)[0] == 17, "250 characters: INVALID_TOPIC_EXCEPTION"


def test_names_colliding_on_dot_and_underscore_are_refused(c):
    """Kafka: 'a_b' collides with an existing 'a.b' (metric names cannot tell them apart)."""
    assert create_full(c, "col.lide", 1) == (0, None)
    err, msg = create_full(c, "col_lide", 1)
    assert err == 17, "INVALID_TOPIC_EXCEPTION"
    assert msg == "Topic 'col_lide' collides with existing topic: col.lide"
    # Auto-creation follows the same rule.
    md = c.request(metadata_request(["col_lide"], allow_auto_create=True))
    (terr, tname, _internal, _parts), = md.topics
    assert (terr, tname) == (17, "col_lide")
    assert topic_names(c) == ["col.lide"]
    # Once the other is gone the name is free.
    assert delete(c, "col.lide") == 0
    assert create_full(c, "col_lide", 1) == (0, None)
