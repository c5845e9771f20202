"""Topic create/delete racing with produces: the controller serialises them.

Regressions for two bugs a review found: concurrent auto-creates answered some produces with
error NONE and offset -1 (nothing stored), and a delete interleaved with a re-create left
shards serving a topic whose metadata file was gone, losing acknowledged writes at restart.
"""
import threading
import uuid

from kafka.protocol.admin import DeleteTopicsRequest

from rawkafka import RawConn, build_batch, metadata_request, produce_request, produce_result


def test_concurrent_auto_create_never_acks_without_storing(broker):
    for trial in range(10):
        topic = "race-" + uuid.uuid4().hex[:8]
        conns = [RawConn(broker.bootstrap) for _ in range(8)]
        try:
            reqs = [produce_request(topic, 0, build_batch([(b"k", b"v%d" % i, [])]), acks=1)
                    for i in range(len(conns))]
            corrs = []
            for c, r in zip(conns, reqs):  # all sent before any answer is read
                corr, payload = c.encode(r)
                c.send_frame(payload)
                corrs.append(corr)
            results = [produce_result(c.read_response(r, corr)) for c, r, corr in zip(conns, reqs, corrs)]
        finally:
            for c in conns:
                c.close()
        offsets = sorted(o for err, o in results if err == 0)
        assert all(err == 0 or err == 5 for err, _ in results), results  # 5: LEADER_NOT_AVAILABLE, retriable
        assert offsets == list(range(len(offsets))), f"trial {trial}: {results}"


def test_metadata_during_auto_create_has_partitions_or_error(broker):
    for trial in range(10):
        topic = "mrace-" + uuid.uuid4().hex[:8]
        conns = [RawConn(broker.bootstrap) for _ in range(8)]
        try:
            reqs = [metadata_request([topic]) for _ in conns]
            corrs = []
            for c, r in zip(conns, reqs):
                corr, payload = c.encode(r)
                c.send_frame(payload)
                corrs.append(corr)
            for c, r, corr in zip(conns, reqs, corrs):
                (err, name, _internal, parts), = c.read_response(r, corr).topics
                assert err != 0 or len(parts) == 1, f"trial {trial}: no error but {len(parts)} partitions"
        finally:
            for c in conns:
                c.close()


def test_delete_racing_produce_keeps_what_was_acknowledged(broker):
    topic = "deltopic"
    stop = threading.Event()
    acked = []  # offsets acknowledged with acks=-1 after the last delete

    def produce_loop():
        with RawConn(broker.bootstrap) as c:
            while not stop.is_set():
                err, off = produce_result(c.request(produce_request(topic, 0, build_batch([(None, b"x", [])]), acks=-1)))
                assert not (err == 0 and off < 0), "error NONE without an offset"

    threads = [threading.Thread(target=produce_loop) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        with RawConn(broker.bootstrap) as d:
            for _ in range(25):
                d.request(DeleteTopicsRequest[1](topics=[topic], timeout=5000))
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    with RawConn(broker.bootstrap) as c:
        for i in range(5):
            err, off = produce_result(c.request(produce_request(topic, 0, build_batch([(None, b"final%d" % i, [])]), acks=-1)))
            assert err == 0
            acked.append(off)
    broker.restart()
    with RawConn(broker.bootstrap) as c:
        (err, _name, _internal, parts), = c.request(metadata_request([topic], allow_auto_create=False)).topics
        assert err == 0 and len(parts) == 1, "the topic must survive the restart with its metadata"
        err, off = produce_result(c.request(produce_request(topic, 0, build_batch([(None, b"after", [])]), acks=-1)))
        assert err == 0 and off == acked[-1] + 1, (off, acked)
