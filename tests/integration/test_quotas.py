"""Client quotas (issue #15): DescribeClientQuotas (48) / AlterClientQuotas (49) and their
enforcement with throttle_time_ms (KIP-219), checked with independent clients.

- A confluent-kafka (librdkafka) producer over its producer_byte_rate is held to within 20% of
  the quota with no delivery error, and sees throttle_time_ms in its throttle callback; a second
  client.id with no quota runs unthrottled at the same time; a consumer over its
  consumer_byte_rate likewise; a default client-id quota applies to a client without its own.
- Alter -> describe round trip with raw v0 requests (quotas_raw.py) and with @platformatic/kafka
  (tests/js/quotas.js: Describe v0, Alter v1); quotas survive a restart; each bad input gets
  INVALID_REQUEST with a message.
- request_percentage: a raw client pipelining Metadata requests with a 1 % quota gets
  throttle_time_ms and slows down; one without the quota beside it does not.

Rates are measured over the first 10 s of a client's life: Kafka's sensor spreads a new
client's first bytes over (quota.window.num - 1) windows (10 s by default), so a client may send
10 s worth at once and then nothing more until the window has passed.
"""
import json
import os
import pathlib
import struct
import subprocess
import threading
import time
import urllib.request

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from clients import create_topic
from rawkafka import RawConn, api_frame
from quotas_raw import (INVALID_REQUEST, NAN, all_quotas, alter, describe, entity_key, as_dict,
                        set_quota)

MiB = 1 << 20
# bytes/s: well below what a client reaches on the loaded test machine. A producer passes the
# quota while its rate is at or below it and then adds a whole request (librdkafka: batches of up
# to 1 MB), so over 10 s it may be one request above: 2 MiB/s keeps that under 5%.
QUOTA = 2 * MiB
CONSUME_QUOTA = 1 * MiB  # a fetch returns at most 1 MiB per partition (librdkafka's default)
RUN_S = 10.0             # (quota.window.num - 1) x quota.window.size.seconds
VALUE = b"x" * 4000
RP_RUN_S = 8.0  # request_percentage: long enough for the 10 s burst allowance (100 ms) to run out
RP = 1.0  # percent of one shard thread

CLIENT = [("client-id", "q1")]
JS = pathlib.Path(__file__).resolve().parent.parent / "js" / "quotas.js"


def produce_for(bootstrap, topic, client_id, seconds, stop=None):
    """Produces as fast as librdkafka takes records for `seconds`; returns (bytes delivered
    within the run, delivery errors, throttle times reported by throttle_cb in ms)."""
    throttles, errors, delivered = [], [], [0]
    start = time.monotonic()
    end = start + seconds

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)
        elif time.monotonic() <= end:
            delivered[0] += len(msg.value())

    p = Producer({"bootstrap.servers": bootstrap, "client.id": client_id, "acks": "all", "linger.ms": 5,
                  "enable.idempotence": True,
                  # a few MiB in librdkafka's queue: the flush after the run stays short
                  "queue.buffering.max.kbytes": 4096,
                  "throttle_cb": lambda ev: throttles.append(ev.throttle_time * 1000)})
    while time.monotonic() < end:
        try:
            p.produce(topic, VALUE, on_delivery=on_delivery)
        except BufferError:
            p.poll(0.02)
            continue
        p.poll(0)
    left = p.flush(60)
    assert left == 0, f"{left} records not delivered after the run"
    return delivered[0], errors, throttles


def metrics(broker):
    with urllib.request.urlopen(f"http://127.0.0.1:{broker.admin_port}/metrics", timeout=10) as r:
        return r.read().decode()


def metric_value(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} "):
            return float(line.split()[-1])
    return None


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_producer_over_quota_is_throttled_to_it_without_errors(broker):
    create_topic(broker.bootstrap, "quota-produce")
    set_quota(broker.bootstrap, CLIENT, producer_byte_rate=QUOTA)
    free = {}

    def unthrottled():
        free["result"] = produce_for(broker.bootstrap, "quota-produce", "free1", RUN_S)

    t = threading.Thread(target=unthrottled)
    t.start()
    sent, errors, throttles = produce_for(broker.bootstrap, "quota-produce", "q1", RUN_S)
    t.join()
    rate = sent / RUN_S
    print(f"producer q1: quota {QUOTA} B/s, measured {rate:.0f} B/s ({rate / QUOTA:.2f}x), "
          f"{len(throttles)} throttled responses, max {max(throttles or [0]):.0f} ms")
    assert errors == []
    assert 0.8 * QUOTA <= rate <= 1.2 * QUOTA, f"measured {rate:.0f} B/s against a quota of {QUOTA}"
    assert throttles and max(throttles) > 0, "librdkafka saw no throttle_time_ms"

    free_sent, free_errors, free_throttles = free["result"]
    print(f"producer free1 (no quota): {free_sent / RUN_S:.0f} B/s")
    assert free_errors == [] and free_throttles == []
    assert free_sent / RUN_S > 2 * QUOTA, "the client without a quota was held back too"

    m = metrics(broker)
    assert metric_value(m, "brook_client_quota_throttle_time_seconds_total", quota="produce", client_id="q1") > 0
    assert metric_value(m, "brook_client_quota_throttled_requests_total", quota="produce", client_id="q1") >= 1
    assert metric_value(m, "brook_client_quota_throttled_requests_total", quota="produce", client_id="free1") is None


def consume_for(bootstrap, topic, client_id, seconds):
    throttles = []
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "quota-unused", "client.id": client_id,
                  "enable.auto.commit": False, "fetch.wait.max.ms": 100,
                  "throttle_cb": lambda ev: throttles.append(ev.throttle_time * 1000)})
    got, errors = 0, []
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for m in c.consume(num_messages=1000, timeout=0.2):
                if m.error():
                    errors.append(m.error())
                elif time.monotonic() <= end:
                    got += len(m.value())
    finally:
        c.close()
    return got, errors, throttles


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_consumer_over_quota_is_throttled_to_it(broker):
    create_topic(broker.bootstrap, "quota-fetch")
    # 40 MiB to read, written by a client without a quota
    p = Producer({"bootstrap.servers": broker.bootstrap, "client.id": "loader", "linger.ms": 20})
    for _ in range(40 * MiB // len(VALUE)):
        while True:
            try:
                p.produce("quota-fetch", VALUE)
                break
            except BufferError:
                p.poll(0.05)
    assert p.flush(60) == 0
    set_quota(broker.bootstrap, [("client-id", "c1")], consumer_byte_rate=CONSUME_QUOTA)

    got, errors, throttles = consume_for(broker.bootstrap, "quota-fetch", "c1", RUN_S)
    rate = got / RUN_S
    print(f"consumer c1: quota {CONSUME_QUOTA} B/s, measured {rate:.0f} B/s ({rate / CONSUME_QUOTA:.2f}x), "
          f"{len(throttles)} throttled responses")
    assert errors == []
    assert 0.8 * CONSUME_QUOTA <= rate <= 1.2 * CONSUME_QUOTA, f"measured {rate:.0f} B/s against {CONSUME_QUOTA}"
    assert throttles and max(throttles) > 0

    free, free_errors, free_throttles = consume_for(broker.bootstrap, "quota-fetch", "free2", 5.0)
    print(f"consumer free2 (no quota): {free / 5.0:.0f} B/s")
    assert free_errors == [] and free_throttles == []
    assert free / 5.0 > 2 * CONSUME_QUOTA
    assert metric_value(metrics(broker), "brook_client_quota_throttled_requests_total", quota="fetch", client_id="c1") >= 1


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_default_client_id_quota_applies_to_clients_without_their_own(broker):
    create_topic(broker.bootstrap, "quota-default")
    set_quota(broker.bootstrap, [("client-id", None)], producer_byte_rate=QUOTA)
    # a client with its own, higher quota is not held to the default
    set_quota(broker.bootstrap, [("client-id", "vip")], producer_byte_rate=100 * MiB)
    res = {}
    t = threading.Thread(target=lambda: res.update(vip=produce_for(broker.bootstrap, "quota-default", "vip", RUN_S)))
    t.start()
    sent, errors, throttles = produce_for(broker.bootstrap, "quota-default", "anyone", RUN_S)
    t.join()
    rate = sent / RUN_S
    print(f"producer 'anyone' under the default quota: {rate:.0f} B/s ({rate / QUOTA:.2f}x)")
    assert errors == []
    assert 0.8 * QUOTA <= rate <= 1.2 * QUOTA
    assert throttles
    vip_sent, vip_errors, _ = res["vip"]
    assert vip_errors == [] and vip_sent / RUN_S > 2 * QUOTA


def test_alter_describe_round_trip_raw(broker):
    b = broker.bootstrap
    assert all_quotas(b) == {}
    set_quota(b, [("client-id", "a")], producer_byte_rate=1024, consumer_byte_rate=2048)
    set_quota(b, [("client-id", None)], producer_byte_rate=4096)
    set_quota(b, [("user", "ANONYMOUS")], consumer_byte_rate=8192)
    set_quota(b, [("user", None), ("client-id", "a")], producer_byte_rate=16384)
    assert all_quotas(b) == {
        "client-id=a": {"producer_byte_rate": 1024.0, "consumer_byte_rate": 2048.0},
        "client-id=<default>": {"producer_byte_rate": 4096.0},
        "user=ANONYMOUS": {"consumer_byte_rate": 8192.0},
        "client-id=a,user=<default>": {"producer_byte_rate": 16384.0},
    }

    def keys(components, strict=False):
        code, msg, entries = describe(b, components, strict)
        assert code == 0, msg
        return sorted(entity_key(e) for e, _ in entries)

    # exact name: every entity with that part (non-strict), or only that entity (strict)
    assert keys([("client-id", 0, "a")]) == ["client-id=a", "client-id=a,user=<default>"]
    assert keys([("client-id", 0, "a")], strict=True) == ["client-id=a"]
    # the default entity
    assert keys([("client-id", 1, None)]) == ["client-id=<default>"]
    assert keys([("user", 1, None)]) == ["client-id=a,user=<default>"]
    # any entity of the type (named or default)
    assert keys([("user", 2, None)]) == ["client-id=a,user=<default>", "user=ANONYMOUS"]
    assert keys([("user", 2, None)], strict=True) == ["user=ANONYMOUS"]
    assert keys([("user", 2, None), ("client-id", 2, None)]) == ["client-id=a,user=<default>"]
    assert keys([("client-id", 0, "nobody")]) == []

    # removing a key keeps the others; removing the last drops the entity
    set_quota(b, [("client-id", "a")], consumer_byte_rate=None)
    set_quota(b, [("user", None), ("client-id", "a")], producer_byte_rate=None)
    q = all_quotas(b)
    assert q["client-id=a"] == {"producer_byte_rate": 1024.0}
    assert "client-id=a,user=<default>" not in q

    # validate_only checks and changes nothing
    res = alter(b, [([("client-id", "dry")], [("producer_byte_rate", 5.0, False)])], validate_only=True)
    assert res == [(0, None, {"client-id": "dry"})]
    assert "client-id=dry" not in all_quotas(b)
    res = alter(b, [([("client-id", "dry")], [("bogus", 5.0, False)])], validate_only=True)
    assert res[0][0] == INVALID_REQUEST


def test_quotas_survive_a_restart(broker):
    b = broker.bootstrap
    set_quota(b, [("client-id", "kept")], producer_byte_rate=123456)
    set_quota(b, [("user", "ANONYMOUS"), ("client-id", None)], consumer_byte_rate=654321)
    before = all_quotas(b)
    broker.restart()
    assert all_quotas(broker.bootstrap) == before
    # kill -9 right after an alter: the change was on disk before the answer
    set_quota(broker.bootstrap, [("client-id", "after")], producer_byte_rate=1000)
    broker.kill9()
    broker.start()
    assert all_quotas(broker.bootstrap)["client-id=after"] == {"producer_byte_rate": 1000.0}


@pytest.mark.parametrize("entity,ops,needle", [
    ([("client-id", "x")], [("bogus_rate", 1.0, False)], "invalid quota key 'bogus_rate'"),
    ([("client-id", "x")], [("request_percentage", 0.0, False)], "must be a positive number"),
    ([("client-id", "x")], [("request_percentage", -1.0, False)], "must be a positive number"),
    ([("client-id", "x")], [("request_percentage", NAN, False)], "must be a positive number"),
    ([("client-id", "x")], [("producer_byte_rate", -5.0, False)], "must be a positive number"),
    ([("client-id", "x")], [("producer_byte_rate", 0.0, False)], "must be a positive number"),
    ([("client-id", "x")], [("producer_byte_rate", NAN, False)], "must be a positive number"),
    ([("client-id", "x")], [("producer_byte_rate", 1.5, False)], "whole number"),
    ([("client-id", "x")], [("producer_byte_rate", 1.0, False), ("producer_byte_rate", 2.0, False)], "duplicate quota key"),
    ([("ip", "1.2.3.4")], [("producer_byte_rate", 1.0, False)], "entity type 'ip' is not supported"),
    ([("group", "g")], [("producer_byte_rate", 1.0, False)], "unknown entity type 'group'"),
    ([], [("producer_byte_rate", 1.0, False)], "invalid empty client quota entity"),
    ([("client-id", "x"), ("client-id", "y")], [("producer_byte_rate", 1.0, False)], "appears twice"),
    ([("client-id", "")], [("producer_byte_rate", 1.0, False)], "empty client-id name"),
])
def test_bad_alter_entries_get_invalid_request(module_broker, entity, ops, needle):
    res = alter(module_broker.bootstrap, [(entity, ops), ([("client-id", "good")], [("producer_byte_rate", 7.0, False)])])
    assert res[0][0] == INVALID_REQUEST, res
    assert needle in res[0][1], res[0][1]
    # the other entry of the same request is applied
    assert res[1][0] == 0
    assert all_quotas(module_broker.bootstrap).get("client-id=good") == {"producer_byte_rate": 7.0}
    assert not any(k.startswith("client-id=x") for k in all_quotas(module_broker.bootstrap))


@pytest.mark.parametrize("components,needle", [
    ([("client-id", 0, None)], "EXACT (0) needs a match name"),
    ([("client-id", 1, "x")], "DEFAULT (1) takes a null match name"),
    ([("client-id", 2, "x")], "SPECIFIED (2) takes a null match name"),
    ([("client-id", 7, None)], "unknown match type 7"),
    ([("ip", 2, None)], "entity type 'ip' is not supported"),
    ([("client-id", 2, None), ("client-id", 1, None)], "duplicate client-id filter component"),
    ([("", 2, None)], "empty filter component entity type"),
])
def test_bad_describe_filters_get_invalid_request(module_broker, components, needle):
    code, msg, entries = describe(module_broker.bootstrap, components)
    assert code == INVALID_REQUEST
    assert needle in msg
    assert entries is None


def test_platformatic_kafka_round_trip(broker):
    env = dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1")
    run = subprocess.run(["node", str(JS), broker.bootstrap], capture_output=True, text=True, timeout=90, env=env)
    assert run.returncode in (0, 1), f"quotas.js failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    r = json.loads(run.stdout.strip().splitlines()[-1])
    assert r["problems"] == [], "\n".join(r["problems"])
    # what the JS client set is what a raw v0 describe returns
    assert all_quotas(broker.bootstrap) == {
        "client-id=js-app": {"producer_byte_rate": 2048.0},
        "client-id=<default>,user=ANONYMOUS": {"consumer_byte_rate": 4096.0},
    }


def metadata_loop(bootstrap, client_id, seconds, depth=32):
    """Metadata v4 (no topics: the cheapest request) on one connection for `seconds`, `depth`
    requests in flight (a Metadata costs the shard ~2 us, so one at a time a Python client could
    not use 1 % of a thread); returns (requests answered, [throttle_time_ms > 0 seen], requests
    answered in the last half)."""
    body = struct.pack(">ib", 0, 0)  # topics: empty array, allow_auto_topic_creation false
    cid = client_id.encode()
    n, late, throttles, corr, expect = 0, 0, [], 0, 0
    start = time.monotonic()
    with RawConn(bootstrap, timeout=30.0) as conn:
        while (now := time.monotonic()) - start < seconds:
            frames = b""
            for _ in range(depth):
                corr += 1
                frames += api_frame(3, 4, corr, body, client_id=cid)
            conn.send_bytes(frames)
            for _ in range(depth):
                expect += 1
                frame = conn.recv_frame()
                rcorr, throttle = struct.unpack_from(">ii", frame, 0)
                assert rcorr == expect, f"correlation id {rcorr} != {expect}"
                n += 1
                if time.monotonic() - start >= seconds / 2:
                    late += 1
                if throttle > 0:
                    throttles.append(throttle)
    return n, throttles, late


def test_request_percentage_throttles_a_client_hammering_cheap_requests(broker):
    """request_percentage=1 (10 ms of shard-thread time per second): a client pipelining Metadata
    requests gets throttle_time_ms and is muted, so its rate falls far below an
    unthrottled client's; the one beside it, without the quota, sees no throttle."""
    b = broker.bootstrap
    set_quota(b, [("client-id", "rp1")], request_percentage=RP)
    assert all_quotas(b)["client-id=rp1"] == {"request_percentage": RP}
    res = {}
    free = threading.Thread(target=lambda: res.__setitem__("free", metadata_loop(b, "rp-free", RP_RUN_S)))
    free.start()
    res["rp1"] = metadata_loop(b, "rp1", RP_RUN_S)
    free.join()
    n, throttles, late = res["rp1"]
    free_n, free_throttles, free_late = res["free"]
    print(f"request_percentage=1: {n} requests ({late} in the last {RP_RUN_S / 2:.0f} s), "
          f"{len(throttles)} throttled, max {max(throttles or [0])} ms; unthrottled client: {free_n} ({free_late})")
    assert throttles, "no throttle_time_ms in the throttled client's responses"
    assert free_throttles == []
    # Over its quota the client is muted: its rate in the last half is a small part of the free one's.
    assert late * 3 < free_late, (late, free_late)
    m = metrics(broker)
    assert metric_value(m, "brook_client_quota_throttled_requests_total", quota="request", client_id="rp1") >= 1
    assert metric_value(m, "brook_client_quota_throttle_time_seconds_total", quota="request", client_id="rp1") > 0
    assert metric_value(m, "brook_client_quota_throttled_requests_total", quota="request", client_id="rp-free") is None
