"""Fault injection on the admin API (/v1/faults, admin.fault.injection.enable).

Real clients against injected errors: librdkafka producers (idempotent and not, acks=all)
retry an injected NOT_LEADER_OR_FOLLOWER x3 on Produce and deliver every record exactly once,
in order (read back); an injected TOPIC_AUTHORIZATION_FAILED (permanent for librdkafka)
reaches the delivery report; kafka-python retries too; a consumer reads through injected Fetch
errors. Delays and closed connections: a delayed Produce adds the delay to delivery and keeps
order; an idempotent producer whose connection is closed delivers every record exactly once;
librdkafka and kafka-python consumers recover from COORDINATOR_NOT_AVAILABLE on
FindCoordinator and NOT_COORDINATOR on OffsetCommit. Every bad input on the API is a 4xx with
a JSON message; disabled -> 403.
"""
import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

from clients import ck_consume, ck_producer, create_topic, kp_consume, kp_producer

ENABLED = {"admin.fault.injection.enable": "true"}


def call(broker, method, path, body=None, raw=None):
    """(status, parsed JSON body) of one admin request; `raw` sends bytes as they are."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(f"http://127.0.0.1:{broker.admin_port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        assert e.headers.get("Content-Type") == "application/json", e.headers
        return e.code, json.loads(e.read().decode())


def add_fault(broker, **spec):
    status, f = call(broker, "POST", "/v1/faults", spec)
    assert status == 201, f
    return f


def fault(broker, fid):
    status, f = call(broker, "GET", f"/v1/faults/{fid}")
    assert status == 200, f
    return f


def injected_total(broker, api, error):
    with urllib.request.urlopen(f"http://127.0.0.1:{broker.admin_port}/metrics", timeout=10) as r:
        text = r.read().decode()
    m = re.search(r'^brook_faults_injected_total\{api="%s",error="%s"\} (\S+)$' % (api, error), text, re.M)
    return float(m.group(1)) if m else 0.0


def produce_reports(producer, topic, values, timeout=30):
    """Delivery reports (err, offset) in production order."""
    reports = [None] * len(values)

    def cb(i):
        def on_delivery(err, msg):
            reports[i] = (err, msg.offset())
        return on_delivery

    for i, v in enumerate(values):
        producer.produce(topic, value=v, partition=0, on_delivery=cb(i))
    assert producer.flush(timeout) == 0
    return reports


@pytest.mark.parametrize("idempotent", [True, False])
def test_librdkafka_retries_not_leader_and_delivers_once_in_order(broker_factory, idempotent):
    b = broker_factory(sets=ENABLED)
    topic = f"nl-{int(idempotent)}"
    create_topic(b.bootstrap, topic)
    f = add_fault(b, api="Produce", error="NOT_LEADER_OR_FOLLOWER", topic=topic, count=3)
    assert f["remaining"] == 3 and f["armed"] and f["error_code"] == 6 and f["partition"] is None
    conf = {"enable.idempotence": idempotent, "retry.backoff.ms": 50}
    if not idempotent:  # without idempotence only one request in flight keeps retries in order
        conf["max.in.flight.requests.per.connection"] = 1
    p = ck_producer(b.bootstrap, **conf)
    values = [f"v{i}".encode() for i in range(200)]
    reports = produce_reports(p, topic, values)
    assert all(err is None for err, _ in reports), reports[:5]
    assert [o for _, o in reports] == list(range(200))
    got = ck_consume(b.bootstrap, topic, {0: 0}, 200)
    assert [m.value() for m in got] == values  # every record once, in order
    f = fault(b, f["id"])
    assert f["fired"] == 3 and f["remaining"] == 0 and not f["armed"]
    assert injected_total(b, "Produce", "NOT_LEADER_OR_FOLLOWER") == 3


def test_permanent_error_reaches_the_delivery_report(broker_factory):
    b = broker_factory(sets=ENABLED)
    create_topic(b.bootstrap, "perm")
    f = add_fault(b, api="Produce", error="TOPIC_AUTHORIZATION_FAILED", topic="perm", count=1)
    p = ck_producer(b.bootstrap, **{"max.in.flight.requests.per.connection": 1})
    reports = produce_reports(p, "perm", [b"lost"])
    assert reports[0][0] is not None and reports[0][0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, reports
    # The fault is used up: the next record goes through, and only it is in the log (a new
    # producer: librdkafka remembers the topic as unauthorized for this one).
    reports = produce_reports(ck_producer(b.bootstrap), "perm", [b"kept"])
    assert reports[0][0] is None and reports[0][1] == 0, reports
    assert [m.value() for m in ck_consume(b.bootstrap, "perm", {0: 0}, 1)] == [b"kept"]
    assert fault(b, f["id"])["fired"] == 1
    assert injected_total(b, "Produce", "TOPIC_AUTHORIZATION_FAILED") == 1
    if shutil.which("promtool"):  # the fault families are valid exposition too
        with urllib.request.urlopen(f"http://127.0.0.1:{b.admin_port}/metrics", timeout=10) as r:
            text = r.read()
        assert b"brook_faults_armed 0" in text
        res = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True)
        assert res.returncode == 0, res.stdout + res.stderr


def test_kafka_python_producer_retries(broker_factory):
    b = broker_factory(sets=ENABLED)
    create_topic(b.bootstrap, "kp")
    f = add_fault(b, api="Produce", error="NOT_LEADER_OR_FOLLOWER", count=2)  # any topic
    p = kp_producer(b.bootstrap, retries=5, retry_backoff_ms=50, max_in_flight_requests_per_connection=1)
    values = [f"k{i}".encode() for i in range(20)]
    for v in values:
        p.send("kp", value=v, partition=0)
    p.flush(30)
    p.close()
    assert [m.value for m in kp_consume(b.bootstrap, "kp", {0: 0}, 20)] == values
    assert fault(b, f["id"])["fired"] == 2


def test_consumer_reads_through_injected_fetch_errors(broker_factory):
    b = broker_factory(sets=ENABLED)
    create_topic(b.bootstrap, "fe", partitions=2)
    p = ck_producer(b.bootstrap)
    for i in range(50):
        p.produce("fe", value=b"x%d" % i, partition=i % 2)
    assert p.flush(30) == 0
    # Only partition 1, by partition filter; unlimited, then removed.
    f = add_fault(b, api="Fetch", error="NOT_LEADER_OR_FOLLOWER", topic="fe", partition=1, count=2)
    got = ck_consume(b.bootstrap, "fe", {0: 0, 1: 0}, 50)
    assert sorted(m.value() for m in got) == sorted(b"x%d" % i for i in range(50))
    assert fault(b, f["id"])["fired"] == 2
    assert injected_total(b, "Fetch", "NOT_LEADER_OR_FOLLOWER") == 2


def test_probability_zero_and_client_id_filter_never_fire(broker_factory):
    b = broker_factory(sets=ENABLED)
    create_topic(b.bootstrap, "pz")
    f0 = add_fault(b, api="Produce", error="TOPIC_AUTHORIZATION_FAILED", probability=0)
    f1 = add_fault(b, api="Produce", error="TOPIC_AUTHORIZATION_FAILED", client_id="someone-else")
    p = ck_producer(b.bootstrap, **{"client.id": "me"})
    reports = produce_reports(p, "pz", [b"a", b"b"])
    assert all(err is None for err, _ in reports), reports
    assert fault(b, f0["id"])["fired"] == 0 and fault(b, f1["id"])["fired"] == 0


def test_list_delete_and_clear(broker_factory):
    b = broker_factory(sets=ENABLED)
    a = add_fault(b, api="produce", error="not_leader_or_follower")  # names in any case
    assert a["api"] == "Produce" and a["error"] == "NOT_LEADER_OR_FOLLOWER" and a["count"] is None
    c = add_fault(b, api="Fetch", error="UNKNOWN_SERVER_ERROR", topic="t", partition=3, count=7, probability=0.5)
    assert c["id"] != a["id"] and c["error_code"] == -1 and c["probability"] == 0.5
    status, listed = call(b, "GET", "/v1/faults")
    assert status == 200 and [f["id"] for f in listed] == [a["id"], c["id"]]
    status, gone = call(b, "DELETE", f"/v1/faults/{a['id']}")
    assert status == 200 and gone["id"] == a["id"]
    assert call(b, "DELETE", f"/v1/faults/{a['id']}")[0] == 404
    status, body = call(b, "DELETE", "/v1/faults")
    assert status == 200 and body == {"removed": 1}
    assert call(b, "GET", "/v1/faults") == (200, [])


BAD_BODIES = [
    (None, b"{not json", "not valid JSON"),
    ([1], None, "JSON object"),
    ({"error": "NOT_LEADER_OR_FOLLOWER"}, None, "'api' is required"),
    ({"api": "Bogus", "error": "NOT_LEADER_OR_FOLLOWER"}, None, "unknown api 'Bogus'"),
    ({"api": "Metadata", "error": "NOT_LEADER_OR_FOLLOWER"}, None, "errors cannot be injected into Metadata"),
    ({"api": "Produce"}, None, "'error' is required"),
    ({"api": "Produce", "action": "explode"}, None, "unknown action 'explode'"),
    ({"api": "Produce", "delay_ms": -5}, None, "'delay_ms' must be an integer within [0, 300000]"),
    ({"api": "Produce", "delay_ms": "5"}, None, "'delay_ms' must be an integer"),
    ({"api": "Produce", "action": "delay"}, None, "action 'delay' needs 'delay_ms'"),
    ({"api": "Produce", "action": "close_connection", "error": "NOT_LEADER_OR_FOLLOWER"}, None,
     "'error' and action 'close_connection' exclude each other"),
    ({"api": "Produce", "error": "NOT_LEADER_OR_FOLLOWER", "delay_ms": 10}, None, "'error' and 'delay_ms' exclude each other"),
    ({"api": "Produce", "action": "close_connection", "delay_ms": 10}, None, "'delay_ms' and action 'close_connection'"),
    ({"api": "Heartbeat", "action": "close_connection", "topic": "t"}, None, "'topic' does not apply to Heartbeat"),
    ({"api": "Metadata", "delay_ms": 10, "topic": "t", "partition": 0}, None, "'partition' does not apply to Metadata"),
    ({"api": "Produce", "error": "NOT_A_REAL_ERROR"}, None, "unknown error name 'NOT_A_REAL_ERROR'"),
    ({"api": "Produce", "error": "NONE"}, None, "not an error"),
    ({"api": "Produce", "error": "NOT_LEADER_OR_FOLLOWER", "count": -1}, None, "'count'"),
    ({"api": "Produce", "error": "NOT_LEADER_OR_FOLLOWER", "count": 0}, None, "'count'"),
    ({"api": "Produce", "error": "NOT_LEADER_OR_FOLLOWER", "count": "3"}, None, "'count'"),
    ({"api": "Produce", "error": "NOT_LEADER_OR_FOLLOWER", "probability": 1.5}, None, "'probability'"),
    ({"api": "Produce", "error": "NOT_LEADER_OR_FOLLOWER", "probability": -0.1}, None, "'probability'"),
    ({"api": "Produce", "error": "NOT_LEADER_OR_FOLLOWER", "partition": -1}, None, "'partition'"),
    ({"api": "Produce", "error": "NOT_LEADER_OR_FOLLOWER", "topic": "a/b"}, None, "not a valid topic name"),
    ({"api": "Produce", "error": "NOT_LEADER_OR_FOLLOWER", "topic": 5}, None, "'topic' must be a string"),
    ({"api": "Produce", "error": "NOT_LEADER_OR_FOLLOWER", "partiton": 0}, None, "unknown field 'partiton'"),
]


def test_bad_input_is_4xx_json_never_a_crash(broker_factory):
    b = broker_factory(sets=ENABLED)
    for body, raw, message in BAD_BODIES:
        status, got = call(b, "POST", "/v1/faults", body, raw)
        assert status == 400 and message in got["message"], (body, raw, got)
        assert got["error_code"] == 400
    status, got = call(b, "DELETE", "/v1/faults/abc")
    assert status == 400 and "not a number" in got["message"]
    status, got = call(b, "GET", "/v1/faults/99")
    assert status == 404 and "does not exist" in got["message"]
    assert call(b, "GET", "/v1/faultz")[0] == 404
    assert call(b, "PUT", "/v1/faults", {})[0] == 405
    assert call(b, "GET", "/v1/faults") == (200, [])  # nothing was added
    assert call(b, "GET", "/v1/health")[0] == 200 and b.alive()


def test_disabled_by_default_is_403(broker):
    for method, path, body in [("POST", "/v1/faults", {"api": "Produce", "error": "NOT_LEADER_OR_FOLLOWER"}),
                               ("GET", "/v1/faults", None), ("DELETE", "/v1/faults", None),
                               ("GET", "/v1/faults/1", None), ("DELETE", "/v1/faults/1", None)]:
        status, got = call(broker, method, path, body)
        assert status == 403 and "admin.fault.injection.enable=true" in got["message"], (method, path, got)
    with urllib.request.urlopen(f"http://127.0.0.1:{broker.admin_port}/metrics", timeout=10) as r:
        assert "brook_faults_injected_total" not in r.read().decode()


def delivery_seconds(producer, topic, value):
    """Seconds from produce() to a successful delivery report of one record."""
    start = time.monotonic()
    reports = produce_reports(producer, topic, [value])
    assert reports[0][0] is None, reports
    return time.monotonic() - start


def test_delayed_produce_adds_the_delay_and_keeps_order(broker_factory):
    b = broker_factory(sets=ENABLED)
    create_topic(b.bootstrap, "slow")
    p = ck_producer(b.bootstrap, **{"enable.idempotence": True, "linger.ms": 0})
    base = min(delivery_seconds(p, "slow", b"warm%d" % i) for i in range(3))
    f = add_fault(b, api="Produce", delay_ms=800, topic="slow", count=1)
    assert f["action"] == "delay" and f["delay_ms"] == 800 and f["error"] is None
    slow = delivery_seconds(p, "slow", b"held")
    assert slow >= base + 0.75, (base, slow)
    assert fault(b, f["id"])["fired"] == 1
    # Many requests in flight behind a held one: all delivered, in order.
    f2 = add_fault(b, api="Produce", delay_ms=300, topic="slow", count=2)
    values = [b"d%d" % i for i in range(100)]
    reports = produce_reports(p, "slow", values)
    assert all(err is None for err, _ in reports) and [o for _, o in reports] == list(range(4, 104)), reports[:3]
    assert [m.value() for m in ck_consume(b.bootstrap, "slow", {0: 4}, 100)] == values
    fired = fault(b, f2["id"])["fired"]
    assert fired >= 1  # librdkafka may have packed the 100 records into one request
    with urllib.request.urlopen(f"http://127.0.0.1:{b.admin_port}/metrics", timeout=10) as r:
        assert 'brook_faults_disruptions_total{api="Produce",action="delay"} %d' % (1 + fired) in r.read().decode()


def test_closed_connection_on_produce_idempotent_delivers_exactly_once(broker_factory):
    b = broker_factory(sets=ENABLED)
    create_topic(b.bootstrap, "cut")
    f = add_fault(b, api="Produce", action="close_connection", topic="cut", count=2)
    assert f["action"] == "close_connection" and f["error"] is None and f["delay_ms"] is None
    p = ck_producer(b.bootstrap, **{"enable.idempotence": True, "retry.backoff.ms": 50})
    values = [b"c%d" % i for i in range(200)]
    reports = produce_reports(p, "cut", values)
    assert all(err is None for err, _ in reports), [r for r in reports if r[0] is not None][:3]
    assert [o for _, o in reports] == list(range(200))
    got = ck_consume(b.bootstrap, "cut", {0: 0}, 200)
    assert [m.value() for m in got] == values  # every record once, in order
    assert fault(b, f["id"])["fired"] == 2


def group_consume(bootstrap, topic, group, count, timeout=30):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "fetch.wait.max.ms": 100})
    c.subscribe([topic])
    got, deadline = [], time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is not None and m.error() is None:
            got.append(m)
    return c, got


def test_consumer_recovers_from_injected_coordinator_errors(broker_factory):
    b = broker_factory(sets=ENABLED)
    create_topic(b.bootstrap, "grp")
    produce_reports(ck_producer(b.bootstrap), "grp", [b"g%d" % i for i in range(20)])
    fc = add_fault(b, api="FindCoordinator", error="COORDINATOR_NOT_AVAILABLE", count=3)
    c, got = group_consume(b.bootstrap, "grp", "g1", 20)
    assert len(got) == 20
    assert fault(b, fc["id"])["fired"] == 3
    oc = add_fault(b, api="OffsetCommit", error="NOT_COORDINATOR", topic="grp", count=1)
    try:
        c.commit(asynchronous=False)
    except KafkaException as e:  # librdkafka may hand the first failure back, then finds the coordinator again
        assert e.args[0].code() == KafkaError.NOT_COORDINATOR, e
        c.commit(asynchronous=False)
    assert fault(b, oc["id"])["fired"] == 1
    assert c.committed([TopicPartition("grp", 0)], timeout=10)[0].offset == 20
    c.close()
    assert injected_total(b, "OffsetCommit", "NOT_COORDINATOR") == 1


def test_kafka_python_consumer_through_coordinator_not_available(broker_factory):
    from kafka import KafkaConsumer
    b = broker_factory(sets=ENABLED)
    create_topic(b.bootstrap, "kpg")
    produce_reports(ck_producer(b.bootstrap), "kpg", [b"k%d" % i for i in range(10)])
    f = add_fault(b, api="FindCoordinator", error="COORDINATOR_NOT_AVAILABLE", count=2)
    c = KafkaConsumer("kpg", bootstrap_servers=b.bootstrap, group_id="kpg-g", auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=15000, api_version_auto_timeout_ms=10000)
    got = []
    for m in c:
        got.append(m.value)
        if len(got) == 10:
            break
    c.commit()
    c.close()
    assert got == [b"k%d" % i for i in range(10)]
    assert fault(b, f["id"])["fired"] == 2


def test_delay_and_close_on_apis_without_topics(broker_factory):
    b = broker_factory(sets=ENABLED)
    f = add_fault(b, api="ApiVersions", action="close_connection", count=1)
    # kafka-python's first request on a connection is ApiVersions: it reconnects and goes on.
    from kafka import KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=b.bootstrap, api_version_auto_timeout_ms=10000)
    admin.close()
    assert fault(b, f["id"])["fired"] == 1
    d = add_fault(b, api="Metadata", delay_ms=500, count=1)
    start = time.monotonic()
    md = AdminClient({"bootstrap.servers": b.bootstrap}).list_topics(timeout=10)
    assert time.monotonic() - start >= 0.45 and md.brokers
    assert fault(b, d["id"])["fired"] == 1
