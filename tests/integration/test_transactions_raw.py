"""Transactions at the wire, for what well-behaved clients never send: exact error codes for
an empty transactional id, EndTxn with nothing open, a transactional batch to a partition not
in the transaction or outside any transaction, a fenced epoch, and an unknown transactional id.
"""
import struct
import time

from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Boolean, Int16, Int32, Int64, Schema, String
from kafka.record.default_records import DefaultRecordBatchBuilder

from rawkafka import (InitProducerIdRequest_v0, RawConn, fetch_request, fetch_result, metadata_request,
                      produce_request, produce_result)

INVALID_PRODUCER_EPOCH = 47
INVALID_PRODUCER_ID_MAPPING = 49
INVALID_REQUEST = 42
INVALID_TXN_STATE = 48
PRODUCER_FENCED = 90


class EndTxnResponse_v0(Response):
    API_KEY = 26
    API_VERSION = 0
    SCHEMA = Schema(('throttle_time_ms', Int32), ('error_code', Int16))


class EndTxnRequest_v0(Request):
    API_KEY = 26
    API_VERSION = 0
    RESPONSE_TYPE = EndTxnResponse_v0
    SCHEMA = Schema(('transactional_id', String('utf-8')), ('producer_id', Int64),
                    ('producer_epoch', Int16), ('committed', Boolean))


class AddPartitionsToTxnResponse_v0(Response):
    API_KEY = 24
    API_VERSION = 0
    SCHEMA = Schema(('throttle_time_ms', Int32),
                    ('results', Array(('name', String('utf-8')),
                                      ('partitions', Array(('partition', Int32), ('error_code', Int16))))))


class AddPartitionsToTxnRequest_v0(Request):
    API_KEY = 24
    API_VERSION = 0
    RESPONSE_TYPE = AddPartitionsToTxnResponse_v0
    SCHEMA = Schema(('transactional_id', String('utf-8')), ('producer_id', Int64),
                    ('producer_epoch', Int16),
                    ('topics', Array(('name', String('utf-8')), ('partitions', Array(Int32)))))


def init_txn(conn, txn_id, timeout_ms=60000):
    r = conn.request(InitProducerIdRequest_v0(transactional_id=txn_id, transaction_timeout_ms=timeout_ms))
    return r.error_code, r.producer_id, r.producer_epoch


def add_partitions(conn, txn_id, pid, epoch, topic, partitions):
    r = conn.request(AddPartitionsToTxnRequest_v0(transactional_id=txn_id, producer_id=pid, producer_epoch=epoch,
                                                  topics=[(topic, partitions)]))
    return {p: e for _, parts in r.results for p, e in parts}


def end_txn(conn, txn_id, pid, epoch, commit):
    return conn.request(EndTxnRequest_v0(transactional_id=txn_id, producer_id=pid, producer_epoch=epoch,
                                         committed=commit)).error_code


def txn_batch(pid, epoch, seq, values):
    b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=True, producer_id=pid,
                                  producer_epoch=epoch, base_sequence=seq, batch_size=1 << 20)
    for i, v in enumerate(values):
        b.append(i, timestamp=0, key=None, value=v, headers=[])
    return bytes(b.build())


def produce_txn(conn, txn_id, topic, partition, batch):
    req = produce_request(topic, partition, batch, version=3)
    req.transactional_id = txn_id
    return produce_result(conn.request(req))[0]


def test_empty_transactional_id_is_invalid_request(broker):
    with RawConn(broker.bootstrap) as c:
        assert init_txn(c, "")[0] == INVALID_REQUEST


def test_end_txn_with_nothing_open(broker):
    with RawConn(broker.bootstrap) as c:
        err, pid, epoch = init_txn(c, "raw-nothing-open")
        assert err == 0 and pid >= 0 and epoch == 0
        assert end_txn(c, "raw-nothing-open", pid, epoch, True) == INVALID_TXN_STATE
        assert end_txn(c, "raw-nothing-open", pid, epoch, False) == INVALID_TXN_STATE


def test_unknown_transactional_id_and_wrong_producer(broker):
    with RawConn(broker.bootstrap) as c:
        assert end_txn(c, "raw-never-initialised", 1234, 0, True) == INVALID_PRODUCER_ID_MAPPING
        err, pid, epoch = init_txn(c, "raw-wrong-pid")
        assert err == 0
        c.request(metadata_request(["raw-t"]))  # auto-creates it: unknown topics are checked first
        errs = add_partitions(c, "raw-wrong-pid", pid + 1000, epoch, "raw-t", [0])
        assert errs == {0: INVALID_PRODUCER_ID_MAPPING}


def test_transactional_batch_outside_the_transaction(broker):
    topic = "raw-txn-produce"
    with RawConn(broker.bootstrap) as c:
        c.request(metadata_request([topic]))
        err, pid, epoch = init_txn(c, "raw-produce")
        assert err == 0
        # no AddPartitionsToTxn at all: rejected, nothing written
        assert produce_txn(c, "raw-produce", topic, 0, txn_batch(pid, epoch, 0, [b"x"])) == INVALID_TXN_STATE
        # added partition 0 only: partition 0 takes it, partition 1 does not
        c.request(metadata_request([topic]))
        assert add_partitions(c, "raw-produce", pid, epoch, topic, [0]) == {0: 0}
        assert produce_txn(c, "raw-produce", topic, 0, txn_batch(pid, epoch, 0, [b"in"])) == 0
        assert produce_txn(c, "raw-produce", "raw-txn-other", 0, txn_batch(pid, epoch, 0, [b"out"])) in (
            INVALID_TXN_STATE, 3)  # 3: the other topic may not exist yet
        assert end_txn(c, "raw-produce", pid, epoch, True) == 0


def test_fenced_epoch(broker):
    topic = "raw-fenced"
    with RawConn(broker.bootstrap) as c:
        c.request(metadata_request([topic]))
        err, pid, epoch = init_txn(c, "raw-fence")
        assert err == 0
        assert add_partitions(c, "raw-fence", pid, epoch, topic, [0]) == {0: 0}
        assert produce_txn(c, "raw-fence", topic, 0, txn_batch(pid, epoch, 0, [b"old"])) == 0
        # a second InitProducerId for the same id fences the first epoch (and aborts its
        # transaction; the client may be told to retry while the abort completes)
        deadline = time.monotonic() + 15
        while True:
            err2, pid2, epoch2 = init_txn(c, "raw-fence")
            if err2 != 51 or time.monotonic() > deadline:  # CONCURRENT_TRANSACTIONS: retry
                break
            time.sleep(0.02)
        # Kafka: the fence takes epoch + 1 (the abort markers carry it), the retry epoch + 2
        assert err2 == 0 and pid2 == pid and epoch2 == epoch + 2
        # v0 clients get INVALID_PRODUCER_EPOCH for PRODUCER_FENCED, as Kafka maps it
        assert add_partitions(c, "raw-fence", pid, epoch, topic, [0]) == {0: INVALID_PRODUCER_EPOCH}
        assert end_txn(c, "raw-fence", pid, epoch, True) == INVALID_PRODUCER_EPOCH
        assert produce_txn(c, "raw-fence", topic, 0, txn_batch(pid, epoch, 1, [b"zombie"])) == INVALID_PRODUCER_EPOCH


def test_acknowledged_commit_survives_kill9_before_its_markers(broker):
    """EndTxn(commit) is acknowledged once PrepareCommit is durable; the markers follow. A
    SIGKILL right after the acknowledgement leaves PrepareCommit without CompleteCommit, and the
    restarted coordinator writes the missing markers: every record becomes visible to
    read_committed, none is lost or left hanging."""
    from confluent_kafka import Consumer, TopicPartition

    # The window is the time the markers take to become durable: a loaded machine may finish
    # them before the SIGKILL lands. Every attempt must keep what was acknowledged; at least
    # one must land inside the window, or the test proved nothing about the restart.
    hit = False
    for attempt in range(8):
        topic = f"raw-kill-after-commit-{attempt}"
        txn_id = f"raw-kill-{attempt}"
        with RawConn(broker.bootstrap) as c:
            c.request(metadata_request([topic]))
            err, pid, epoch = init_txn(c, txn_id)
            assert err == 0
            assert add_partitions(c, txn_id, pid, epoch, topic, [0]) == {0: 0}
            assert produce_txn(c, txn_id, topic, 0, txn_batch(pid, epoch, 0, [b"a", b"b", b"c"])) == 0
            assert end_txn(c, txn_id, pid, epoch, True) == 0
            broker.kill9()  # microseconds after the answer: the markers are not durable yet
        broker.start()
        completed_on_restart = "(1 to complete)" in broker.log_text()

        cons = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "raw-kill-reader",
                         "isolation.level": "read_committed", "enable.auto.commit": False})
        cons.assign([TopicPartition(topic, 0, 0)])
        got = []
        deadline = time.monotonic() + 15
        while len(got) < 3 and time.monotonic() < deadline:
            m = cons.poll(0.2)
            if m is not None and not m.error():
                got.append(m.value())
        lso = cons.get_watermark_offsets(TopicPartition(topic, 0), timeout=5, cached=False)[1]
        cons.close()
        assert got == [b"a", b"b", b"c"]
        with RawConn(broker.bootstrap) as c:
            hwm = fetch_result(c.request(fetch_request(topic, 0, 0)))[1]
        # Nothing left open: the LSO is the log end. (A marker that reached the page cache before
        # the kill survives it, and the restart writes another: a second marker ends no transaction.)
        assert lso == hwm and hwm in (4, 5)
        if completed_on_restart:
            hit = True
            break
    assert hit, "no restart found a half-ended transaction in 8 attempts"


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def init_producer_id_v4(conn, txn_id):
    """InitProducerId v4 (flexible: the id is a compact string, which could carry any length)."""
    conn.corr += 1
    header = struct.pack(">hhih", 22, 4, conn.corr, 3) + b"raw" + b"\x00"
    body = uvarint(len(txn_id) + 1) + txn_id + struct.pack(">iqh", 60000, -1, -1) + b"\x00"
    conn.send_frame(header + body)
    frame = conn.recv_frame()
    _, _, _, err, pid, epoch = struct.unpack(">ibihqh", frame[:21])
    return err, pid, epoch


def test_transactional_id_longer_than_a_kafka_string_is_malformed(broker):
    """Kafka's strings are at most 32767 bytes (its readers refuse longer ones even in compact
    form, closing the connection); so does Brook, so every id fits __transaction_state's key."""
    from rawkafka import Closed

    with RawConn(broker.bootstrap) as c:
        err, pid, epoch = init_producer_id_v4(c, b"x" * 32767)
        assert (err, epoch) == (0, 0) and pid >= 0
    with RawConn(broker.bootstrap) as c:
        try:
            init_producer_id_v4(c, b"x" * 32768)
            raise AssertionError("a 32768-byte transactional id was answered")
        except Closed:
            pass
    assert "malformed InitProducerId v4" in broker.log_text()


def test_transaction_state_is_compacted_and_survives_restart(broker_factory):
    """__transaction_state stays bounded like __consumer_offsets: it is cleanup.policy=compact and
    the log cleaner keeps the latest record per transactional id of its sealed segments; after a
    restart every id continues from its epoch, and an open transaction is still open."""
    b = broker_factory(sets={"transaction.state.log.segment.bytes": "1024", "log.cleaner.backoff.ms": "100"})
    topic = "raw-compact"
    epochs = {}
    with RawConn(b.bootstrap) as c:
        c.request(metadata_request([topic]))
        for round_ in range(30):
            for tid in ("cmp-a", "cmp-b", "cmp-c"):
                err, pid, epoch = init_txn(c, tid)
                assert err == 0
                assert add_partitions(c, tid, pid, epoch, topic, [0]) == {0: 0}
                assert end_txn(c, tid, pid, epoch, round_ % 2 == 0) == 0
                epochs[tid] = (pid, epoch)
        err, pid, epoch = init_txn(c, "cmp-open")
        assert add_partitions(c, "cmp-open", pid, epoch, topic, [0]) == {0: 0}
        epochs["cmp-open"] = (pid, epoch)

    def state_bytes():
        return sum(f.stat().st_size for f in b.topic_dir("__transaction_state").glob("*.log"))

    # 30 rounds x 3 ids x 3 records (Ongoing, PrepareCommit/Abort, Complete*) of ~100 bytes: ~27 KB
    # of history; cleaned, a few records per id plus the active segment (under 1 KiB).
    deadline = time.time() + 30
    while time.time() < deadline and not ("cleaner: __transaction_state/0:" in b.log_text() and state_bytes() < 8192):
        time.sleep(0.2)
    assert "cleaner: __transaction_state/0:" in b.log_text(), "the log cleaner never cleaned __transaction_state"
    assert state_bytes() < 8192, f"{state_bytes()} bytes of __transaction_state after cleaning"
    b.restart(graceful=False)
    with RawConn(b.bootstrap) as c:
        for tid in ("cmp-a", "cmp-b", "cmp-c"):
            err, pid, epoch = init_txn(c, tid)
            assert (err, pid, epoch) == (0, epochs[tid][0], epochs[tid][1] + 1), tid
        # the open transaction is remembered: re-initialising its id aborts it first
        assert init_txn(c, "cmp-open")[0] == 51  # CONCURRENT_TRANSACTIONS while the abort completes
