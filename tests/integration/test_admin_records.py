"""CreatePartitions and DeleteRecords against real clients: confluent-kafka's and kafka-python's
admin clients grow topics (neither Python client has delete_records in the installed versions —
confluent-kafka 1.7.0, kafka-python 2.0.2 — so DeleteRecords is driven through kafkajs, through
`brook topic trim` (librdkafka's rd_kafka_DeleteRecords) and raw DeleteRecords v0 for the bad
inputs), consumers below the new log start reset per auto.offset.reset, producers see new
partitions, and a restart keeps both the partition count and the log start."""
import json
import os
import pathlib
import subprocess
import time

import kafka.errors
import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewPartitions
from kafka.admin import KafkaAdminClient, NewPartitions as KpNewPartitions
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Int16, Int32, Int64, Schema, String

from brookfixture import BROOK_BIN
from clients import ck_produce_all, ck_producer, create_topic, wait_topic
from rawkafka import RawConn

JS = pathlib.Path(__file__).resolve().parent.parent / "js" / "admin_records.js"

ERR = {0: "NONE", 1: "OFFSET_OUT_OF_RANGE", 3: "UNKNOWN_TOPIC_OR_PARTITION", 17: "INVALID_TOPIC_EXCEPTION",
       37: "INVALID_PARTITIONS", 39: "INVALID_REPLICA_ASSIGNMENT", 42: "INVALID_REQUEST", 44: "POLICY_VIOLATION"}


def brook(b, *args):
    return subprocess.run([BROOK_BIN, *args, "-b", b.bootstrap], capture_output=True, text=True, timeout=60)


def produce_n(bootstrap, topic, n, partition=0):
    p = ck_producer(bootstrap, **{"linger.ms": 0})
    return ck_produce_all(p, topic, [dict(value=b"v%d" % i, partition=partition) for i in range(n)])


def watermarks(bootstrap, topic, partition=0):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "itest-unused", "enable.auto.commit": False})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
    finally:
        c.close()


def ck_create_partitions(bootstrap, topic, total, **kw):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    fut = admin.create_partitions([NewPartitions(topic, total, **kw.pop("np", {}))], operation_timeout=15, **kw)[topic]
    try:
        fut.result(timeout=20)
        return None
    except KafkaException as e:
        return e.args[0]


# --- CreatePartitions --------------------------------------------------------------------------

def test_confluent_create_partitions_and_errors(broker):
    b = broker.bootstrap
    create_topic(b, "cp-ck", partitions=2)
    assert ck_create_partitions(b, "cp-ck", 4) is None
    wait_topic(b, "cp-ck", 4)
    assert produce_n(b, "cp-ck", 3, partition=3) == [(3, 0), (3, 1), (3, 2)]
    # validate_only: checked, nothing changes.
    assert ck_create_partitions(b, "cp-ck", 6, validate_only=True) is None
    assert len(AdminClient({"bootstrap.servers": b}).list_topics("cp-ck", timeout=10).topics["cp-ck"].partitions) == 4
    e = ck_create_partitions(b, "cp-ck", 3)
    assert e.name() == "INVALID_PARTITIONS"
    assert e.str() == "Topic currently has 4 partitions, which is higher than the requested 3.", e.str()
    e = ck_create_partitions(b, "cp-ck", 4)
    assert e.name() == "INVALID_PARTITIONS" and e.str() == "Topic already has 4 partitions.", e.str()
    e = ck_create_partitions(b, "cp-nope", 4)
    assert e.name() == "UNKNOWN_TOPIC_OR_PART" and "cp-nope" in e.str(), e.str()
    e = ck_create_partitions(b, "cp-ck", 5, np={"replica_assignment": [[7]]})
    assert e.name() == "INVALID_REPLICA_ASSIGNMENT" and "7" in e.str(), e.str()
    e = ck_create_partitions(b, "cp-ck", 6, np={"replica_assignment": [[0]]})
    assert e.name() == "INVALID_REPLICA_ASSIGNMENT" and "by 2 but 1 assignments" in e.str(), e.str()
    # An assignment naming this broker is fine.
    assert ck_create_partitions(b, "cp-ck", 5, np={"replica_assignment": [[0]]}) is None
    e = ck_create_partitions(b, "__consumer_offsets", 5)
    assert e.name() == "INVALID_REQUEST" and "internal" in e.str(), e.str()
    wait_topic(b, "cp-ck", 5)


def test_kafka_python_create_partitions(broker):
    b = broker.bootstrap
    create_topic(b, "cp-kp", partitions=1)
    admin = KafkaAdminClient(bootstrap_servers=b, request_timeout_ms=15000)
    try:
        resp = admin.create_partitions({"cp-kp": KpNewPartitions(total_count=3)})
        assert [(t[0], t[1]) for t in resp.topic_errors] == [("cp-kp", 0)]
        with pytest.raises(kafka.errors.InvalidPartitionsError, match="higher than the requested 2"):
            admin.create_partitions({"cp-kp": KpNewPartitions(total_count=2)})
        resp = admin.create_partitions({"cp-kp": KpNewPartitions(total_count=9)}, validate_only=True)
        assert resp.topic_errors[0][1] == 0
    finally:
        admin.close()
    wait_topic(b, "cp-kp", 3)


def test_partition_limit_applies(broker_factory):
    b = broker_factory(sets={"max.broker.partitions": "6"})
    create_topic(b.bootstrap, "cp-lim", partitions=2)  # 2 internal + 2
    assert ck_create_partitions(b.bootstrap, "cp-lim", 4) is None
    e = ck_create_partitions(b.bootstrap, "cp-lim", 5)
    assert e.name() == "POLICY_VIOLATION" and "max.broker.partitions is 6" in e.str(), e.str()


def test_producer_sees_new_partitions(broker):
    b = broker.bootstrap
    create_topic(b, "cp-prod", partitions=2)
    p = ck_producer(b, **{"topic.metadata.refresh.interval.ms": 500, "linger.ms": 0})
    got = ck_produce_all(p, "cp-prod", [dict(key=b"k%d" % i, value=b"x") for i in range(40)])
    assert {part for part, _ in got} == {0, 1}
    assert ck_create_partitions(b, "cp-prod", 4) is None
    deadline = time.monotonic() + 20
    seen = set()
    while time.monotonic() < deadline and not {2, 3} <= seen:
        got = ck_produce_all(p, "cp-prod", [dict(key=b"k%d" % i, value=b"x") for i in range(40)])
        seen |= {part for part, _ in got}
        time.sleep(0.2)
    assert {2, 3} <= seen, seen


# --- DeleteRecords -----------------------------------------------------------------------------

def test_kafkajs_delete_records_and_create_partitions(broker):
    b = broker.bootstrap
    create_topic(b, "dr-js", partitions=1)
    produce_n(b, "dr-js", 10)
    run = subprocess.run(["node", str(JS), b, "dr-js"], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1"))
    assert run.returncode == 0, run.stdout + run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out == {"after_delete": [[0, "4", "10"]], "after_lower": [[0, "4", "10"]],
                   "beyond_hwm": "OFFSET_OUT_OF_RANGE", "after_end": [[0, "10", "10"]],
                   "partitions": 3, "shrink": "INVALID_PARTITIONS"}, out


def test_trim_deletes_segments_resets_consumers_and_survives_restart(broker):
    b = broker.bootstrap
    # Small segments: each ~1 KiB record batch fills one, so whole segments go below the start.
    create_topic(b, "dr-seg", partitions=2, config={"segment.bytes": "2048"})
    p = ck_producer(b, **{"linger.ms": 0})
    for _ in range(20):  # one batch each
        ck_produce_all(p, "dr-seg", [dict(value=b"x" * 1000, partition=0)])
    seg_dir = pathlib.Path(broker.topic_dir("dr-seg", 0))
    before = sorted(seg_dir.glob("*.log"))
    assert len(before) >= 5

    run = brook(broker, "topic", "trim", "dr-seg", "-p", "0", "-o", "13", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[0]) == {"topic": "dr-seg", "partition": 0, "log_start": 13, "error": ""}
    assert watermarks(b, "dr-seg") == (13, 20)
    after = sorted(seg_dir.glob("*.log"))
    assert len(after) < len(before)
    assert all(int(f.stem) <= 13 for f in after[:1]), after  # the first left holds offset 13

    # A consumer below the log start: earliest -> resets to 13; latest -> to the end.
    def consume_from_zero(reset, want, wait_s):
        c = Consumer({"bootstrap.servers": b, "group.id": f"dr-{reset}", "auto.offset.reset": reset,
                      "enable.auto.commit": False})
        try:
            c.assign([TopicPartition("dr-seg", 0, 0)])
            offs = []
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and len(offs) < want:
                m = c.poll(0.5)
                if m is not None and not m.error():
                    offs.append(m.offset())
            return offs, c.position([TopicPartition("dr-seg", 0)])[0].offset
        finally:
            c.close()
    offs, _ = consume_from_zero("earliest", 7, 10)
    assert offs == list(range(13, 20))
    offs, _ = consume_from_zero("latest", 1, 3)
    assert offs == []  # reset to the end: nothing to read

    # "end" trims to the high watermark (DeleteRecords -1); partition 1 is empty: start 0 stays 0.
    run = brook(broker, "topic", "trim", "dr-seg", "-o", "end", "--format", "json")
    assert run.returncode == 0, run.stderr
    rows = [json.loads(ln) for ln in run.stdout.splitlines()]
    assert [(r["partition"], r["log_start"]) for r in rows] == [(0, 20), (1, 0)]

    ck_create_partitions(b, "dr-seg", 3)
    broker.restart()
    wait_topic(b, "dr-seg", 3)
    assert watermarks(b, "dr-seg") == (20, 20)
    assert produce_n(b, "dr-seg", 1, partition=2) == [(2, 0)]
    assert produce_n(b, "dr-seg", 1, partition=0) == [(0, 20)]


class DeleteRecordsResponse_v0(Response):
    API_KEY = 21
    API_VERSION = 0
    SCHEMA = Schema(('throttle_time_ms', Int32),
                    ('topics', Array(('name', String('utf-8')),
                                     ('partitions', Array(('partition', Int32), ('low_watermark', Int64),
                                                          ('error_code', Int16))))))


class DeleteRecordsRequest_v0(Request):
    API_KEY = 21
    API_VERSION = 0
    RESPONSE_TYPE = DeleteRecordsResponse_v0
    SCHEMA = Schema(('topics', Array(('name', String('utf-8')),
                                     ('partitions', Array(('partition', Int32), ('offset', Int64))))),
                    ('timeout_ms', Int32))


def raw_delete(bootstrap, topic, partition, offset):
    with RawConn(bootstrap) as c:
        resp = c.request(DeleteRecordsRequest_v0(topics=[(topic, [(partition, offset)])], timeout_ms=5000))
    (name, parts), = resp.topics
    (p, low, err), = parts
    return ERR[err], low


def test_delete_records_bad_inputs(broker):
    b = broker.bootstrap
    create_topic(b, "dr-bad", partitions=1)
    produce_n(b, "dr-bad", 5)
    assert raw_delete(b, "dr-bad", 0, 6) == ("OFFSET_OUT_OF_RANGE", -1)
    assert raw_delete(b, "dr-bad", 0, -5) == ("OFFSET_OUT_OF_RANGE", -1)
    assert raw_delete(b, "dr-bad", 1, 0) == ("UNKNOWN_TOPIC_OR_PARTITION", -1)
    assert raw_delete(b, "dr-none", 0, 0) == ("UNKNOWN_TOPIC_OR_PARTITION", -1)
    assert raw_delete(b, "__consumer_offsets", 0, 0) == ("INVALID_TOPIC_EXCEPTION", -1)
    assert raw_delete(b, "dr-bad", 0, 5) == ("NONE", 5)
    assert raw_delete(b, "dr-bad", 0, 2) == ("NONE", 5)  # below the start: nothing moves
    # The CLI: a bad -o is usage (2), a broker refusal a failure (1) naming the error.
    p = brook(broker, "topic", "trim", "dr-bad", "-o", "soon")
    assert p.returncode == 2 and "bad -o value 'soon'" in p.stderr, p.stderr
    p = brook(broker, "topic", "trim", "dr-bad", "-p", "0", "-o", "99")
    assert p.returncode == 1 and "OFFSET_OUT_OF_RANGE" in p.stderr, p.stderr
    p = brook(broker, "topic", "trim", "dr-none", "-o", "1")
    assert p.returncode == 1 and "does not exist" in p.stderr, p.stderr
    p = brook(broker, "topic", "add-partitions", "dr-bad", "-n", "2", "--format", "json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {"topic": "dr-bad", "partitions_before": 1, "partitions": 3}
    p = brook(broker, "topic", "add-partitions", "dr-none", "-n", "2")
    assert p.returncode == 1 and "does not exist" in p.stderr, p.stderr
    p = brook(broker, "topic", "add-partitions", "dr-bad", "-n", "0")
    assert p.returncode == 2, p.stderr
