"""JSON admin API: /v1/brokers, /v1/topics, /v1/topics/{t}, /v1/groups, /v1/groups/{g}, checked
against what confluent-kafka did (topics created, N records produced with timestamps an hour
old, a group that consumed and committed M); 404s with JSON bodies for unknown topics and
groups; lag in records and seconds in /v1/groups/{g} and /metrics; percent-encoded group
ids; and the rebalance-storm
rule: one member restarting in a loop trips group.rebalance.storm.threshold, and the broker
logs exactly one storm warning naming the group.
"""
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from clients import ck_produce_all, ck_producer, create_topic
from groups_helpers import ck_group_consumer, commit_sync, consume_and_commit, poll_until

HOUR_MS = 3600 * 1000


def get(broker, path):
    """(status, parsed JSON body) of a GET to the admin listener."""
    url = f"http://127.0.0.1:{broker.admin_port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.headers.get("Content-Type") == "application/json"
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        assert e.headers.get("Content-Type") == "application/json"
        return e.code, json.loads(e.read())


def metric(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} "):
            return float(line.split()[-1])
    raise AssertionError(f"no sample {name}{{{want}}}")


def test_brokers(broker):
    status, body = get(broker, "/v1/brokers")
    assert status == 200
    assert len(body) == 1
    b = body[0]
    assert b["node_id"] == 0 and b["host"] == "127.0.0.1" and b["port"] == broker.port
    assert isinstance(b["cluster_id"], str) and b["cluster_id"]


def test_topics_and_topic_detail(broker):
    create_topic(broker.bootstrap, "api-a", partitions=3)
    create_topic(broker.bootstrap, "api-b", partitions=1)
    ck_produce_all(ck_producer(broker.bootstrap), "api-a",
                   [{"value": b"x" * 10, "partition": i % 3} for i in range(30)] +
                   [{"value": b"y", "partition": 1} for _ in range(5)])
    status, topics = get(broker, "/v1/topics")
    assert status == 200
    by_name = {t["name"]: t for t in topics}
    assert by_name["api-a"] == {"name": "api-a", "partitions": 3, "internal": False}
    assert by_name["api-b"] == {"name": "api-b", "partitions": 1, "internal": False}
    assert [t["name"] for t in topics] == sorted(by_name)

    status, detail = get(broker, "/v1/topics/api-a")
    assert status == 200
    assert detail["name"] == "api-a" and detail["internal"] is False
    parts = detail["partitions"]
    assert [p["partition"] for p in parts] == [0, 1, 2]
    assert [p["high_watermark"] for p in parts] == [10, 15, 10]
    for p in parts:
        assert p["last_stable_offset"] == p["high_watermark"]
        assert p["log_start_offset"] == 0
        assert p["size_bytes"] > 0 and p["segments"] >= 1

    status, body = get(broker, "/v1/topics/no-such-topic")
    assert status == 404 and body["error_code"] == 404 and "no-such-topic" in body["message"]


def test_groups_and_group_lag(broker):
    topic, group, n, m = "api-orders", "api-group", 100, 40
    create_topic(broker.bootstrap, topic, partitions=1)
    # Timestamps an hour old: the oldest unconsumed record is that old, whatever the test's pace.
    old = int(time.time() * 1000) - HOUR_MS
    ck_produce_all(ck_producer(broker.bootstrap), topic, [{"value": b"v%d" % i, "timestamp": old + i} for i in range(n)])

    c = ck_group_consumer(broker.bootstrap, group, **{"client.id": "api-test-client"})
    consume_and_commit(c, topic, m)
    try:
        status, groups = get(broker, "/v1/groups")
        assert status == 200
        g = {x["group_id"]: x for x in groups}[group]
        assert g == {"group_id": group, "state": "Stable", "members": 1, "protocol_type": "consumer"}

        status, d = get(broker, "/v1/groups/" + urllib.parse.quote(group))
        assert status == 200
        assert d["group_id"] == group and d["state"] == "Stable" and d["protocol_type"] == "consumer"
        assert d["protocol"] in ("range", "roundrobin")
        assert d["generation"] >= 1
        assert len(d["members"]) == 1
        member = d["members"][0]
        assert d["leader"] == member["member_id"]
        assert member["client_id"] == "api-test-client"
        assert member["client_host"]
        assert member["assignment"] == [{"topic": topic, "partitions": [0]}]
        assert len(d["offsets"]) == 1
        o = d["offsets"][0]
        assert (o["topic"], o["partition"], o["committed_offset"], o["log_end_offset"]) == (topic, 0, m, n)
        assert o["lag"] == n - m
        now = time.time()
        # The record at the committed offset was stamped old + m ms.
        expected = now - (old + m) / 1000
        assert expected - 60 <= o["lag_seconds"] <= expected + 1, (o["lag_seconds"], expected)
        r = d["rebalances"]
        assert r["total"] >= 1 and r["in_window"] >= 1 and r["window_seconds"] == 300
        assert r["in_storm"] is False
        assert r["last_trigger"]["member_id"] == member["member_id"]
        assert r["last_trigger"]["client_id"] == "api-test-client"
        assert member["member_id"] in r["last_reason"]

        text = urllib.request.urlopen(f"http://127.0.0.1:{broker.admin_port}/metrics", timeout=10).read().decode()
        assert metric(text, "brook_consumer_group_lag_records", group=group, topic=topic, partition=0) == n - m
        lag_s = metric(text, "brook_consumer_group_lag_seconds", group=group, topic=topic, partition=0)
        assert expected - 60 <= lag_s <= time.time() - (old + m) / 1000 + 1
        assert metric(text, "brook_consumer_group_rebalances_total", group=group) == r["total"]
        assert metric(text, "brook_consumer_group_rebalances_in_window", group=group) >= 1

        # Everything consumed: lag 0 and 0 seconds, however old the records.
        rest = []
        poll_until([c], lambda: len(rest) >= n - m, timeout=30, on_msg=lambda _, msg: rest.append(msg))
        commit_sync(c, rest)
        o = get(broker, "/v1/groups/" + group)[1]["offsets"][0]
        assert (o["lag"], o["lag_seconds"]) == (0, 0)
    finally:
        c.close()

    status, body = get(broker, "/v1/groups/no-such-group")
    assert status == 404 and body["error_code"] == 404 and "no-such-group" in body["message"]


def test_a_restarting_member_trips_the_storm_warning_once(broker_factory):
    b = broker_factory(sets={"group.rebalance.storm.threshold": 5})
    topic, group = "storm-topic", "storm-group"
    create_topic(b.bootstrap, topic, partitions=2)
    for _ in range(8):
        # A new consumer each time: join (one rebalance), get the partitions, leave (another).
        c = ck_group_consumer(b.bootstrap, group, **{"client.id": "flappy-app", "session.timeout.ms": 6000})
        c.subscribe([topic])
        poll_until([c], lambda: bool(c.assignment()), timeout=30, on_msg=lambda *_: None)
        c.close()
    status, d = get(b, "/v1/groups/" + group)
    assert status == 200
    r = d["rebalances"]
    assert r["in_window"] >= 8 and r["total"] == r["in_window"]
    assert r["in_storm"] is True
    assert r["last_trigger"]["client_id"] == "flappy-app"
    text = urllib.request.urlopen(f"http://127.0.0.1:{b.admin_port}/metrics", timeout=10).read().decode()
    assert metric(text, "brook_consumer_group_rebalances_in_window", group=group) == r["in_window"]
    assert metric(text, "brook_consumer_group_rebalances_total", group=group) == r["total"]

    storms = [line for line in b.log_text().splitlines() if "rebalance storm" in line]
    assert len(storms) == 1, storms
    line = storms[0]
    assert "'storm-group'" in line and "warn" in line.lower()
    assert "client.id 'flappy-app'" in line
    # Reasons are grouped by client.id: the restarts read as repeated joins and leaves of one client.
    assert "member of client.id 'flappy-app' joined (x" in line
    assert "member of client.id 'flappy-app' left" in line


def test_group_ids_are_percent_decoded(broker):
    from confluent_kafka import Consumer, TopicPartition
    topic, group = "api-odd", "odd id/1"
    create_topic(broker.bootstrap, topic, partitions=1)
    ck_produce_all(ck_producer(broker.bootstrap), topic, [{"value": b"x"} for _ in range(3)])
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition(topic, 0, 1)], asynchronous=False)
    c.close()
    status, d = get(broker, "/v1/groups/" + urllib.parse.quote(group, safe=""))
    assert status == 200 and d["group_id"] == group
    assert d["protocol_type"] == "" and d["members"] == []
    assert [(o["committed_offset"], o["lag"]) for o in d["offsets"]] == [(1, 2)]
